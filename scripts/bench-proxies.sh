#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The same clients for every proxy (a benchmark, not a test): meshrelay-gen drives
# meshrelay, HAProxy (tcp mode, req.ssl_sni, one thread) and nginx stream (ssl_preread,
# one worker) with the same traffic, each proxy as its users run it:
#   meshrelay     its one worker on memif ports (DPDK; the generator on the other ends)
#   HAProxy/nginx the kernel's TCP stack, the generator's ports two net_tap interfaces
# Each proxy's figures, in turns, ROUNDS rounds, medians:
#   new connections (hello, 256 B request, 1 KB answer, close; 512 at once; ROUTES routes)
#     connections/s, and CPU per connection: meshrelay's busy worker cycles (its core
#     polls and never sleeps, so only polls that found work count) at the TSC rate; a
#     kernel proxy's user + system time plus the machine's softirq time over the run
#   64 streams of 64-byte segments both ways: packets/s the generator got back, and CPU
#     per packet counted the same way
# The generator's own system time on the taps (its reads and writes, in which the kernel
# does part of its receive work) is printed apart: it is neither proxy's, and counting it
# would make the kernel proxies look dearer still. The proxies' CPU is one core each; the
# generator has the other.
#
#   scripts/bench-proxies.sh [SECONDS] [ROUNDS] [ROUTES]   (4, 3, 16)
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-4}
ROUNDS=${2:-3}
ROUTES=${3:-16}
BACKENDS=$((ROUTES < 16 ? ROUTES : 16)) # as connect_run's generator has them
scripts/install-deps.sh >/dev/null || exit 2
scripts/install-deps.sh --bench >/dev/null || exit 2
[ -x build/dataplane/meshrelay-dp ] || { echo "bench-proxies: build first (scripts/build.sh)" >&2; exit 2; }
export TOPO_TAG=${TOPO_TAG:-mrpx}
. test/lib/gen_bench.sh
gen_memory_note
. test/lib/proxy_tap.sh
HZ_TICK=$(getconf CLK_TCK)

# One round of one proxy: "CONN_PER_S US_PER_CONN PKT_PER_S NS_PER_PKT GEN_SYS_SHARE FAILED"
# (and meshrelay's worker cycles per connection after)
round_meshrelay() {
	local c s
	dp_up "$ROUTES" "$BACKENDS"
	c=$(connect_run "$ROUTES" --request 256 --response 1024)
	s=$(STREAM_ROUTES=$ROUTES STREAM_BACKENDS=$BACKENDS stream_run 64)
	local h
	h=$(hz)
	dp_down
	awk -v cps="$(gen_field "$c" conn_per_s)" -v cpc="$(gen_field "$c" cpc)" \
		-v pps="$(gen_field "$s" rx_pps)" -v cpp="$(gen_field "$s" cpp)" -v hz="$h" \
		-v f=$(($(gen_field "$c" failed) + $(gen_field "$s" failed))) \
		'BEGIN { printf "%.0f %.2f %.0f %.1f - %d %.0f\n", cps, cpc / hz * 1e6, pps, cpp / hz * 1e9, f, cpc }'
}

# kernel_run KIND GEN_ARGS...: the proxy started in a fresh namespace, one generator run
# against it (proxy_gen's line), the proxy stopped and the namespace gone.
kernel_run() {
	local kind=$1 ns
	shift
	next_run
	ns=${TOPO_TAG}-px$RUN
	proxy_ns_up "$ns"
	if proxy_start "$kind" "$ns" "$ROUTES" "$BACKENDS"; then
		proxy_gen "$ns" "$@"
		proxy_stop
	else
		echo "failed=1"
	fi
	ip netns del "$ns" 2>/dev/null
}

round_kernel() {
	local kind=$1 c s
	c=$(kernel_run "$kind" --mode connect --concurrency 512 --routes "$ROUTES" \
		--backends "$BACKENDS" --request 256 --response 1024 --seconds "$SECS")
	s=$(kernel_run "$kind" --mode stream --concurrency 64 --routes "$ROUTES" \
		--backends "$BACKENDS" --seconds "$SECS")
	awk -v tick="$HZ_TICK" -v secs="$SECS" \
		-v cdone="$(gen_field "$c" completed)" -v cps="$(gen_field "$c" conn_per_s)" \
		-v cp="$(gen_field "$c" proxy_ticks)" -v cs="$(gen_field "$c" softirq_ticks)" \
		-v cg="$(gen_field "$c" gen_sys_ticks)" \
		-v pps="$(gen_field "$s" rx_pps)" -v sp="$(gen_field "$s" proxy_ticks)" \
		-v ss="$(gen_field "$s" softirq_ticks)" \
		-v f=$(($(gen_field "$c" failed) + $(gen_field "$s" failed))) \
		'BEGIN { pkts = pps * secs
			printf "%.0f %.2f %.0f %.1f %.2f %d\n", cps, cdone ? (cp + cs) / tick / cdone * 1e6 : 0,
				pps, pkts ? (sp + ss) / tick / pkts * 1e9 : 0, cp ? cg / cp : 0, f }'
}

declare -A rows
for round in $(seq "$ROUNDS"); do
	for proxy in meshrelay haproxy nginx; do
		if [ "$proxy" = meshrelay ]; then line=$(round_meshrelay); else line=$(round_kernel "$proxy"); fi
		echo "round $round $proxy: $line" >&2
		rows[$proxy]+="$line"$'\n'
	done
done

col() { awk -v c="$1" 'NF { print $c }' | median; }
printf '\nSame generator, same traffic; %s s runs, medians of %s rounds, %s routes.\n' "$SECS" "$ROUNDS" "$ROUTES"
printf '%-44s %12s %12s %12s\n' "" meshrelay haproxy nginx
for f in "1 new connections/s" "2 CPU us per connection" "3 packets/s, 64 streams" "4 CPU ns per packet" \
	"5 generator tap system time over proxy time" "6 failed (all rounds)"; do
	c=${f%% *}
	label=${f#* }
	if [ "$c" = 6 ]; then
		vals=$(for p in meshrelay haproxy nginx; do awk 'NF { s += $6 } END { print s + 0 }' <<<"${rows[$p]}"; done)
	else
		vals=$(for p in meshrelay haproxy nginx; do col "$c" <<<"${rows[$p]}"; done)
	fi
	# shellcheck disable=SC2086
	printf '%-44s %12s %12s %12s\n' "$label" $vals
done
printf 'meshrelay worker cycles per connection: %s; per packet: %s\n' "$(col 7 <<<"${rows[meshrelay]}")" \
	"$(awk 'NF { print $4 }' <<<"${rows[meshrelay]}" | median) ns"
m_us=$(col 2 <<<"${rows[meshrelay]}")
m_ns=$(col 4 <<<"${rows[meshrelay]}")
for p in haproxy nginx; do
	printf '%s over meshrelay, CPU per connection: %s; CPU per packet: %s\n' "$p" \
		"$(ratio "$(col 2 <<<"${rows[$p]}")" "$m_us")" "$(ratio "$(col 4 <<<"${rows[$p]}")" "$m_ns")"
done
echo "meshrelay: DPDK worker on memif; haproxy, nginx: the kernel's TCP stack via net_tap (what their users run)."
