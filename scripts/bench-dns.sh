#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DNS answering (not a test): the same dnsperf client and the same 1,000 names
# (sK.svc.example, A) against meshrelay's data plane (dns on its edge port, a wildcard
# route for the zone) and against unbound (one thread, the zone as local data), in turns.
# Prints queries/s as dnsperf saw them and the cost per query on each side: meshrelay's
# busy worker cycles (its core polls and never sleeps, so only the polls that found work
# count), unbound's user+sys time from /proc; and queries per core-second side by side.
#
# Then the same on memif with the generator (scripts/bench-dns-gen.sh): no kernel in the
# path, the ratio to unbound per core, and what answering costs spliced forwarding.
#
#   scripts/bench-dns.sh [SECONDS] [ROUNDS]   default 5 s per run, 3 rounds
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
ROUNDS=${2:-3}
for tool in dnsperf unbound; do
	command -v "$tool" >/dev/null || { echo "bench-dns: needs $tool (apt-get install dnsperf unbound)" >&2; exit 2; }
done
scripts/build.sh >/dev/null || exit 2

export TOPO_TAG=mrdnsb
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/relay_topo.sh
trap topo_cleanup EXIT
PREFIX=${TOPO_TAG}-dp
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

rt_build
for k in $(seq 0 999); do echo "s$k.svc.example A"; done >"$TOPO_DIR/queries"
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
pools = ( { name = "p"; members = ( { address = "10.98.0.2"; port = 443; } ); } );
routes = ( { sni = "*.svc.example"; pool = "p"; } );
dns = { port = "edge"; zones = [ "svc.example" ]; ttl = 30; rate = 1000000; };
CONF
# unbound in the client's namespace on its loopback: the kernel path is its own.
cat >"$TOPO_DIR/unbound.conf" <<CONF
server:
  interface: 127.0.0.1
  port: 53
  num-threads: 1
  do-daemonize: no
  use-syslog: no
  chroot: ""
  username: ""
  directory: "$TOPO_DIR"
  pidfile: ""
  access-control: 127.0.0.0/8 allow
  local-zone: "svc.example." redirect
  local-data: "svc.example. 30 IN A 10.99.0.1"
CONF

dnsperf_run() { # dnsperf_run SERVER -> queries completed and queries/s
	in_ns "$RT_CLI" dnsperf -s "$1" -d "$TOPO_DIR/queries" -l "$SECS" -c 4 -q 256 2>&1 |
		awk '/Queries completed:/ {done = $3} /Queries per second:/ {qps = $4} END {print done + 0, qps + 0}'
}
latency_run() { # latency_run SERVER -> average and max latency in microseconds, unloaded
	in_ns "$RT_CLI" dnsperf -s "$1" -d "$TOPO_DIR/queries" -l 2 -Q 1000 -c 1 -q 1 2>&1 |
		awk '/Average Latency/ {gsub(/[(),]/, " "); printf "%.0f %.0f", $5 * 1e6, $9 * 1e6}'
}
declare -A qps cpq lat
for round in $(seq "$ROUNDS"); do
	dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 600 || exit 1
	read -r b0 hz <<<"$(dp_busy_cycles "$PREFIX")"
	read -r done q <<<"$(dnsperf_run 10.99.0.1)"
	read -r b1 _ <<<"$(dp_busy_cycles "$PREFIX")"
	lat[mr]="${lat[mr]:-} $(latency_run 10.99.0.1 | cut -d' ' -f1)"
	kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)" 2>/dev/null
	wait "$DP_PID" 2>/dev/null
	qps[mr]="${qps[mr]:-} $q"
	cpq[mr]="${cpq[mr]:-} $(awk -v c=$((b1 - b0)) -v n="$done" 'BEGIN { printf "%.0f", n ? c / n : 0 }')"

	in_ns "$RT_CLI" ip link set lo up
	ip netns exec "$RT_CLI" unbound -c "$TOPO_DIR/unbound.conf" >"$TOPO_DIR/unbound.log" 2>&1 &
	ub=$! # ip netns exec becomes unbound: this is its pid
	topo_track "$ub"
	topo_wait_for 10 bash -c "ip netns exec '$RT_CLI' ss -Hlun 'sport = :53' | grep -q 127.0.0.1"
	ubpid=$ub
	t0=$(awk '{print $14 + $15}' "/proc/$ubpid/stat")
	read -r done q <<<"$(dnsperf_run 127.0.0.1)"
	t1=$(awk '{print $14 + $15}' "/proc/$ubpid/stat")
	lat[ub]="${lat[ub]:-} $(latency_run 127.0.0.1 | cut -d' ' -f1)"
	kill "$ub" 2>/dev/null
	wait "$ub" 2>/dev/null
	topo_wait_for 5 bash -c "! ip netns exec '$RT_CLI' ss -Hlun 'sport = :53' | grep -q ."
	qps[ub]="${qps[ub]:-} $q"
	# CPU time in clock ticks, turned into cycles at the TSC rate the data plane reports.
	cpq[ub]="${cpq[ub]:-} $(awk -v t=$((t1 - t0)) -v tck="$(getconf CLK_TCK)" -v hz="$hz" -v n="$done" \
		'BEGIN { printf "%.0f", n ? t / tck * hz / n : 0 }')"
	echo "round $round: meshrelay $(echo "${qps[mr]}" | awk '{print $NF}') q/s," \
		"$(echo "${cpq[mr]}" | awk '{print $NF}') cycles/query; unbound" \
		"$(echo "${qps[ub]}" | awk '{print $NF}') q/s, $(echo "${cpq[ub]}" | awk '{print $NF}') cycles/query"
done
mq=$(median <<<"${cpq[mr]}")
uq=$(median <<<"${cpq[ub]}")
echo "meshrelay: $(median <<<"${qps[mr]}") queries/s (dnsperf-bound), $mq cycles per query," \
	"$(awk -v c="$mq" -v hz="$hz" 'BEGIN { printf "%.0f", c ? hz / c : 0 }') queries per core-second"
echo "unbound:   $(median <<<"${qps[ub]}") queries/s, $uq cycles per query," \
	"$(awk -v c="$uq" -v hz="$hz" 'BEGIN { printf "%.0f", c ? hz / c : 0 }') queries per core-second"
awk -v m="$mq" -v u="$uq" 'BEGIN { printf "meshrelay answers %.1fx the queries of unbound per core-second\n", m ? u / m : 0 }'
echo "answer latency at 1,000 queries/s, one outstanding (dnsperf's average, medians):" \
	"meshrelay $(median <<<"${lat[mr]}") us (through veth and af_packet), unbound" \
	"$(median <<<"${lat[ub]}") us (loopback)"
scripts/bench-dns-gen.sh "$SECS" "$ROUNDS" "$uq"
