#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Forwarding on traffic like a real client's (not a test): meshrelay-gen --linux sends
# segments as Linux does (SYNs with MSS, SACK-permitted, timestamps and window scale; a
# timestamp on every segment, which the relay must translate both ways), and with
# --interleave one segment per flow in turn across all active flows, so the flow table's
# last-entry shortcut rarely hits. For each number of active flows, testpmd io and
# meshrelay take turns on the same frames (the generator answers its own clients through
# testpmd); printed: packets/s, cycles per packet of each forwarder (only polls that
# found work), our frames per such poll (how full the bursts were), and testpmd's over
# ours: the share of testpmd's per-core rate we reach.
# The runs-of-16 case of scripts/bench-gen.sh follows, labelled, at 64 flows.
#
# With BEFORE=BUILD_DIR an older build's data plane takes its turn in every round too, on
# the same frames, and the line ends with its cycles per packet and ours over its.
# The interleaved medians go to OUT_DIR/linux.dat (OUT_DIR=..., else a new temporary
# directory) and, where gnuplot is installed, OUT_DIR/bench-linux.png plots cycles per
# packet against active flows for each forwarder.
#
#   [BEFORE=DIR] [LINUX_ROUTES=N LINUX_BACKENDS=N] [GEN_SOURCE_ADDRS=N]
#     scripts/bench-linux.sh [SECONDS] [ROUNDS] [FLOWS...]   (5, 3, 64 4096 65536)
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
ROUNDS=${2:-3}
shift 2 2>/dev/null || shift $#
FLOWS=("$@")
[ ${#FLOWS[@]} -gt 0 ] || FLOWS=(64 4096 65536)
[ -x build/dataplane/meshrelay-dp ] || { echo "bench-linux: build first (scripts/build.sh)" >&2; exit 2; }
export TOPO_TAG=${TOPO_TAG:-mrlnx}
. test/lib/gen_bench.sh
gen_memory_note
# The floor under the many-flow figures: what a random cache line of a million flows'
# table (256 MB) costs here, alone and with 32 in flight, as TSC cycles per line.
[ ! -x build/test/bench/bench-line-cost ] ||
	echo "memory: random lines of 256 MB, cycles per line: $(build/test/bench/bench-line-cost 256 \
		"$(if [ -n "${GEN_HUGE:-}" ]; then echo 2m; else echo 4k; fi)")"
OUT=${OUT_DIR:-$(mktemp -d /tmp/bench-linux.XXXXXX)}
mkdir -p "$OUT"
DAT=$OUT/linux.dat
echo "# active_flows testpmd_io_cycles_per_packet meshrelay_cycles_per_packet before_cycles_per_packet" >"$DAT"

# turns FLOWS LABEL GEN_ARGS...: ROUNDS turns of testpmd io and meshrelay; one summary line.
turns() {
	local flows=$1 label=$2 tp="" mr="" tpp="" mrp="" mrf="" old="" failed=0 line before=""
	local table=262144 mem=1024
	shift 2
	# Above a quarter million flows: a table with room to spare, memory for it, and 64
	# backends (one backend address and port takes at most 50,000 source ports per
	# relay address). LINUX_ROUTES and LINUX_BACKENDS set both counts instead (with
	# GEN_SOURCE_ADDRS, few backends can take many flows).
	export STREAM_ROUTES=16 STREAM_BACKENDS=4 GEN_MEM_MB=512
	if [ "$flows" -gt 200000 ]; then
		table=$((flows + flows / 8)) mem=1536
		export GEN_MEM_MB=1024 STREAM_ROUTES=64 STREAM_BACKENDS=8
	fi
	export STREAM_ROUTES=${LINUX_ROUTES:-$STREAM_ROUTES}
	export STREAM_BACKENDS=${LINUX_BACKENDS:-$STREAM_BACKENDS}
	for round in $(seq "$ROUNDS"); do
		line=$(testpmd_run io --mode stream --direct --concurrency "$flows" --seconds "$SECS" "$@")
		tp="$tp $(gen_field "$line" tp_cpp)"
		tpp="$tpp $(gen_field "$line" rx_pps)"
		dp_up "$STREAM_ROUTES" "$STREAM_BACKENDS" "$table" "$mem"
		line=$(stream_run "$flows" "$@")
		dp_down
		mr="$mr $(gen_field "$line" cpp)"
		mrp="$mrp $(gen_field "$line" rx_pps)"
		mrf="$mrf $(gen_field "$line" fpp)"
		failed=$((failed + $(gen_field "$line" failed)))
		if [ -n "${BEFORE:-}" ]; then
			MR_DP=$BEFORE/dataplane/meshrelay-dp dp_up "$STREAM_ROUTES" "$STREAM_BACKENDS" \
				"$table" "$mem"
			line=$(stream_run "$flows" "$@")
			dp_down
			old="$old $(gen_field "$line" cpp)"
		fi
	done
	[ -z "${BEFORE:-}" ] || before=$(printf '  before %s cycles/pkt, ours %s of it [rounds:%s]' \
		"$(median <<<"$old")" "$(ratio "$(median <<<"$mr")" "$(median <<<"$old")")" "$old")
	local t m
	t=$(median <<<"$tp")
	m=$(median <<<"$mr")
	printf '%-26s flows=%-6s testpmd %6s cycles/pkt (%s pkt/s)  meshrelay %6s cycles/pkt (%s pkt/s, %s per poll)  per core %s of testpmd  [rounds: testpmd%s; meshrelay%s; failed %s]%s\n' \
		"$label" "$flows" "$t" "$(median <<<"$tpp")" "$m" "$(median <<<"$mrp")" "$(median <<<"$mrf")" \
		"$(ratio "$t" "$m")" "$tp" "$mr" "$failed" "$before"
	[ -z "${DAT_ROW:-}" ] || echo "$flows $t $m $(if [ -n "${BEFORE:-}" ]; then median <<<"$old"; else echo "?"; fi)" >>"$DAT"
}

for flows in "${FLOWS[@]}"; do
	DAT_ROW=1 turns "$flows" "linux, interleaved" --linux --interleave
done
turns 64 "no options, runs of 16"
echo "data: $DAT"
if command -v gnuplot >/dev/null; then
	before_line=""
	[ -z "${BEFORE:-}" ] || before_line=', "" using 1:4 with linespoints title "meshrelay, the build before"'
	gnuplot <<PLOT
set terminal pngcairo size 800,450 font ",10"
set output "$OUT/bench-linux.png"
set logscale x 2
set title "Linux-like segments (timestamps), one per flow in turn; ${GEN_HUGE:+2 MB hugepages}${GEN_HUGE:---no-huge}; medians of $ROUNDS rounds"
set xlabel "active flows"
set ylabel "cycles per packet (polls that found work)"
set yrange [0:*]
set datafile missing "?"
set key top left
plot "$DAT" using 1:2 with linespoints title "testpmd io", \
     "" using 1:3 with linespoints title "meshrelay"$before_line
PLOT
	echo "plot: $OUT/bench-linux.png"
fi
