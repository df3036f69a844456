#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmarks with the DPDK traffic generator (not tests): meshrelay-gen on both memif ends
# of the data plane, and of dpdk-testpmd on the same ports for the ceiling. Each figure
# is measured here, in this run, on this machine: the generator on core 0, the forwarder's
# one worker (or testpmd's one forwarding core) on core 1.
#
#   forwarding: 64 TCP flows with 64-byte payloads both ways, spliced by meshrelay or
#     passed through testpmd io (and macswap), the generator answering its own clients:
#     packets/s the generator got back, and each forwarder's cycles per packet counted
#     only over polls that found packets (testpmd --record-core-cycles, our busy cycles);
#     the per-core ratio is testpmd's cycles per packet over ours (medians of 3 turns)
#   packets/s and cycles per packet vs concurrent flows (plot)
#   new connections: the generator at its maximum, hello + 256 B request + 1 KB answer +
#     close each, every byte checked: connections/s, latency, worker cycles per
#     connection; vs the number of routes (plot)
#   memory: bytes per flow at 1 M held flows (RSS less that of a 64-entry table), twice
#   SYN flood: random-source SYNs at the generator's maximum beside 64 streams: flows
#     created by it (must be 0), the streams' data segments/s with and without it
#
# Then, unless BENCH_GEN_ONLY=1, the rest of the picture in the same run, each from its own
# script: Linux-like segments by active flows, testpmd io and meshrelay in turns, plotted
# (bench-linux.sh; flows $BENCH_LINUX_FLOWS, default 64 4096 65536 262144); instructions
# per spliced segment with timestamps and without options, per connection, and with 1, 2
# and 4 workers (bench-path.sh, callgrind); the same generator against HAProxy and nginx
# stream (bench-proxies.sh).
#
#   scripts/bench-gen.sh [SECONDS] [OUT_DIR]    default 5 s per run, build/bench
# Writes OUT_DIR/results.txt (key=value), the .dat files and OUT_DIR/bench-gen.png (and
# OUT_DIR/linux/bench-linux.png).
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
OUT=${2:-build/bench}
scripts/install-deps.sh >/dev/null || exit 2
scripts/install-deps.sh --bench >/dev/null || exit 2
scripts/build.sh >/dev/null || exit 2
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 2

export TOPO_TAG=${TOPO_TAG:-mrgbench}
. test/lib/gen_bench.sh
gen_memory_note
RES=$OUT/results.txt
: >"$RES"
put() { echo "$1=$2" >>"$RES"; }
get() { sed -n "s/^$1=//p" "$RES" | tail -1; }

# This VM's figures move by up to 2x from one run to the next (its cores are shared with
# whatever else the host runs): testpmd and meshrelay take turns, three rounds each, on
# the same 64 TCP flows (the generator answers its own clients through testpmd), and
# the medians are compared.
echo "== forwarding: testpmd io and meshrelay in turns on the same 64 TCP flows, ${SECS}s each"
tp_pps="" tp_cpp="" mr_pps="" mr_cpp="" mr_failed=0
for round in 1 2 3; do
	line=$(testpmd_run io --mode stream --direct --concurrency 64 --seconds "$SECS")
	echo "round $round testpmd io: $(gen_field "$line" rx_pps) packets/s, $(gen_field "$line" tp_cpp) cycles/packet, failed $(gen_field "$line" failed)"
	tp_pps="$tp_pps $(gen_field "$line" rx_pps)"
	tp_cpp="$tp_cpp $(gen_field "$line" tp_cpp)"
	dp_up 16 4
	line=$(stream_run 64)
	dp_down
	echo "round $round meshrelay:  $(gen_field "$line" rx_pps) packets/s, $(gen_field "$line" cpp) cycles/packet, failed $(gen_field "$line" failed)"
	mr_pps="$mr_pps $(gen_field "$line" rx_pps)"
	mr_cpp="$mr_cpp $(gen_field "$line" cpp)"
	mr_failed=$((mr_failed + $(gen_field "$line" failed)))
done
put testpmd_io_pps "$(median <<<"$tp_pps")"
put testpmd_io_cpp "$(median <<<"$tp_cpp")"
put testpmd_io_cpp_all "$(echo $tp_cpp | tr ' ' /)"
put mr_stream_pps "$(median <<<"$mr_pps")"
put mr_stream_cpp "$(median <<<"$mr_cpp")"
put mr_stream_cpp_all "$(echo $mr_cpp | tr ' ' /)"
put mr_stream_failed "$mr_failed"
line=$(testpmd_run macswap --mode stream --direct --concurrency 64 --seconds "$SECS")
echo "testpmd macswap: $(gen_field "$line" rx_pps) packets/s, $(gen_field "$line" tp_cpp) cycles/packet"
put testpmd_macswap_pps "$(gen_field "$line" rx_pps)"
put testpmd_macswap_cpp "$(gen_field "$line" tp_cpp)"
line=$(testpmd_run io --mode blast --seconds "$SECS" --payload 64)
echo "testpmd io, raw frames: $(gen_field "$line" rx_pps) packets/s, $(gen_field "$line" tp_cpp) cycles/packet"
put testpmd_blast_pps "$(gen_field "$line" rx_pps)"
put testpmd_blast_cpp "$(gen_field "$line" tp_cpp)"

echo "== forwarding: meshrelay spliced flows, 64-byte payloads, by flows"
dp_up 16 4
: >"$OUT/flows.dat"
for k in 1 4 16 64 256 1024 4096; do
	line=$(stream_run "$k")
	echo "$line" | cut -c1-160
	echo "$k $(gen_field "$line" rx_pps) $(gen_field "$line" cpp) $(gen_field "$line" failed)" >>"$OUT/flows.dat"
done

echo "== SYN flood beside 64 streams"
no_flows() { test "$(dp_status "$PREFIX" flows)" = 0; }
# The streams' own data segments, each direction: what the generator receives during a
# flood is mostly SYN-ACKs, so its rx rate says nothing about the streams.
data_pps() { echo "$(gen_field "$1" c2b_pps) $(gen_field "$1" b2c_pps)" | awk '{ print $1 + $2 }'; }
calm_b0=$(busy)
calm_t0=$(date +%s%N)
line=$(gen --mode stream --concurrency 64 --routes 16 --backends 4 --seconds "$SECS" | grep '^stream')
calm_busy=$(($(busy) - calm_b0))
calm_ns=$(($(date +%s%N) - calm_t0))
put calm_stream_data_pps "$(data_pps "$line")"
put calm_stream_b2c_pps "$(gen_field "$line" b2c_pps)"
topo_wait_for 20 no_flows # the calm streams' flows gone: the peak below is the flood's
shed0=$(dp_stat "$PREFIX" drops syn_shed)
c0=$(dp_stat "$PREFIX" counters flow_created)
cookies0=$(dp_stat "$PREFIX" counters syncookie_out)
busy0=$(busy)
t0=$(date +%s%N)
gen --mode stream --concurrency 64 --routes 16 --backends 4 --seconds "$SECS" --synflood >"$TOPO_DIR/flood.out" &
gpid=$!
peak=0
while kill -0 "$gpid" 2>/dev/null; do
	f=$(dp_status "$PREFIX" flows)
	[ -n "$f" ] && [ "$f" -gt "$peak" ] && peak=$f
	sleep 0.2
done
wait "$gpid"
busy1=$(busy)
t1=$(date +%s%N)
cat "$TOPO_DIR/flood.out"
sline=$(grep '^stream' "$TOPO_DIR/flood.out")
fline=$(grep '^synflood' "$TOPO_DIR/flood.out")
# What the figure measures: the worker's cycles per SYN it answered, how busy the worker
# was over the run (1.0: saturated, so the relay set the rates; well below: the generator
# or the rings did), and what the generator itself could not send.
cookies=$(($(dp_stat "$PREFIX" counters syncookie_out) - cookies0))
busy_share=$(awk -v b=$((busy1 - busy0)) -v h="$(hz)" -v ns=$((t1 - t0)) \
	'BEGIN { printf "%.2f", h && ns ? b / (h * ns / 1e9) : 0 }')
# The flood's own cost: the worker's busy cycles beyond those of the calm run (scaled to
# the same time), over the SYN-ACKs it sent. An estimate: streams the flood slows down
# spend fewer cycles, which this leaves out of the flood's share.
per_cookie=$(awk -v f=$((busy1 - busy0)) -v c="$calm_busy" -v fn=$((t1 - t0)) -v cn="$calm_ns" \
	-v n="$cookies" 'BEGIN { printf "%.1f", n ? (f - c * fn / cn) / n : 0 }')
echo "flood: $per_cookie worker cycles per SYN answered ($cookies SYN-ACKs), worker busy" \
	"$busy_share of the run (1.00: the relay set the rates); the generator could not send" \
	"$(gen_field "$fline" unsent) of its flood SYNs and its streams met tx_ring_full" \
	"$(gen_field "$sline" tx_ring_full) times"
put flood_worker_busy_share "$busy_share"
put flood_syncookies "$cookies"
put flood_cycles_per_answered_syn "$per_cookie"
put flood_gen_unsent "$(gen_field "$fline" unsent)"
put flood_syn_pps "$(gen_field "$fline" sent_pps)"
put flood_answered "$(gen_field "$fline" answered)"
put flood_stream_data_pps "$(data_pps "$sline")"
put flood_stream_b2c_pps "$(gen_field "$sline" b2c_pps)"
put flood_stream_failed "$(gen_field "$sline" failed)"
put flood_syn_shed $(($(dp_stat "$PREFIX" drops syn_shed) - shed0))
put flood_flows_created $(($(dp_stat "$PREFIX" counters flow_created) - c0 - 64))
put flood_flows_peak "$peak"
dp_down

# --- new connections by number of routes
echo "== new connections, by routes (hello, 256 B request, 1 KB answer, close)"
: >"$OUT/routes.dat"
for r in 16 256 4096 16384 32768; do
	dp_up "$r" $((r < 16 ? r : 16))
	out=$(connect_run "$r")
	echo "$out" | cut -c1-200
	echo "$r $(gen_field "$out" conn_per_s) $(gen_field "$out" cpc) $(gen_field "$out" failed) $(gen_field "$out" p50_us) $(gen_field "$out" p99_us)" >>"$OUT/routes.dat"
	if [ "$r" = 256 ]; then
		put mr_conn_per_s "$(gen_field "$out" conn_per_s)"
		put mr_conn_cycles "$(gen_field "$out" cpc)"
		put mr_conn_per_core_s "$(gen_field "$out" per_core_s)"
		put mr_conn_failed "$(gen_field "$out" failed)"
		put mr_conn_p50_us "$(gen_field "$out" p50_us)"
		put mr_conn_p99_us "$(gen_field "$out" p99_us)"
	fi
	dp_down
done

# --- memory at 1 M held flows, twice
echo "== memory: 1 M concurrent flows held, twice"
mem_per_flow put
dp_down

# --- the table and the plot
awk -F= '{ v[$1] = $2 } END {
	cpp_io = v["testpmd_io_cpp"]; cpp = v["mr_stream_cpp"]
	printf "\n%-58s %14s\n", "figure (memif, generator on core 0, forwarder on core 1)", "value"
	printf "%-58s %14.0f\n", "testpmd io, raw frames: packets/s", v["testpmd_blast_pps"]
	printf "%-58s %14.1f\n", "testpmd io, raw frames: cycles per packet", v["testpmd_blast_cpp"]
	printf "%-58s %14.0f\n", "testpmd io, 64 TCP flows: packets/s (median of 3)", v["testpmd_io_pps"]
	printf "%-58s %14.1f\n", "testpmd io, 64 TCP flows: cycles per packet (median)", cpp_io
	printf "%-58s %14.0f\n", "testpmd macswap, 64 TCP flows: packets/s", v["testpmd_macswap_pps"]
	printf "%-58s %14.1f\n", "testpmd macswap, 64 TCP flows: cycles per packet", v["testpmd_macswap_cpp"]
	printf "%-58s %14.0f\n", "meshrelay, 64 spliced flows: packets/s (median of 3)", v["mr_stream_pps"]
	printf "%-58s %14.1f\n", "meshrelay, 64 spliced flows: cycles per packet", cpp
	printf "%-58s %14s\n", "  cycles per packet, each round: testpmd io", v["testpmd_io_cpp_all"]
	printf "%-58s %14s\n", "  cycles per packet, each round: meshrelay", v["mr_stream_cpp_all"]
	printf "%-58s %14.2f\n", "  per core vs testpmd io (its cycles/packet over ours)", cpp ? cpp_io / cpp : 0
	printf "%-58s %14.2f\n", "  per core vs testpmd macswap", cpp ? v["testpmd_macswap_cpp"] / cpp : 0
	printf "%-58s %14.2f\n", "  packets/s vs testpmd io, same flows (generator-bound)", v["testpmd_io_pps"] ? v["mr_stream_pps"] / v["testpmd_io_pps"] : 0
	printf "%-58s %14.0f\n", "new connections/s, 256 routes (generator-bound)", v["mr_conn_per_s"]
	printf "%-58s %14.0f\n", "  worker cycles per connection", v["mr_conn_cycles"]
	printf "%-58s %14.0f\n", "  connections per worker core-second", v["mr_conn_per_core_s"]
	printf "%-58s %14s\n", "  latency p50 / p99 (us, SYN to whole answer)", v["mr_conn_p50_us"] " / " v["mr_conn_p99_us"]
	printf "%-58s %14d\n", "flows held (1 M wanted)", v["mem_flows_held"]
	printf "%-58s %14d\n", "  bytes per flow: RSS held less RSS with a 64-entry table", v["mem_bytes_per_flow"]
	printf "%-58s %14d\n", "  bytes per flow: table + hash, as the data plane counts", v["mem_dp_bytes_per_flow"]
	printf "%-58s %14d\n", "  bytes per table entry by RSS (an eighth to spare)", v["mem_bytes_per_entry"]
	printf "%-58s %14s\n", "  RSS 64-entry / idle / held / held again (MB)", sprintf("%d/%d/%d/%d", v["mem_rss_base_kb"] / 1024, v["mem_rss0_kb"] / 1024, v["mem_rss_held_kb"] / 1024, v["mem_rss_held2_kb"] / 1024)
	printf "%-58s %14.0f\n", "SYN flood offered (SYN/s)", v["flood_syn_pps"]
	printf "%-58s %14d\n", "  flows created by it (must be 0)", v["flood_flows_created"]
	printf "%-58s %14d\n", "  most flows in the table meanwhile (64 streams)", v["flood_flows_peak"]
	printf "%-58s %14.0f\n", "  SYNs answered by cookies", v["flood_answered"]
	printf "%-58s %14.0f\n", "  SYNs left unanswered (queue congested, bucket spent)", v["flood_syn_shed"]
	printf "%-58s %14s\n", "  64 streams: data segments/s without / with the flood", sprintf("%.0f / %.0f", v["calm_stream_data_pps"], v["flood_stream_data_pps"])
	printf "%-58s %14s\n", "    of which backend to client", sprintf("%.0f / %.0f", v["calm_stream_b2c_pps"], v["flood_stream_b2c_pps"])
	printf "%-58s %14.2f\n", "    share kept under the flood", v["calm_stream_data_pps"] ? v["flood_stream_data_pps"] / v["calm_stream_data_pps"] : 0
	printf "%-58s %14d\n", "    streams failed under the flood", v["flood_stream_failed"]
}' "$RES"
if command -v gnuplot >/dev/null; then
	gnuplot <<PLOT
set terminal pngcairo size 1100,450 font ",10"
set output "$OUT/bench-gen.png"
set multiplot layout 1,2
set logscale x 2
set title "spliced flows, 64-byte payloads (memif)"
set xlabel "concurrent flows"
set ylabel "packets/s forwarded"
set y2label "worker cycles per packet"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
plot "$OUT/flows.dat" using 1:2 with linespoints title "packets/s", \
     "" using 1:3 axes x1y2 with linespoints title "cycles/packet"
set logscale x 10
set title "new connections (hello, request, answer, close)"
set xlabel "routes"
set ylabel "connections/s"
set y2label "worker cycles per connection"
plot "$OUT/routes.dat" using 1:2 with linespoints title "connections/s", \
     "" using 1:3 axes x1y2 with linespoints title "cycles/connection"
unset multiplot
PLOT
	echo "plot: $OUT/bench-gen.png"
fi
echo "results: $RES"
[ -n "${BENCH_GEN_ONLY:-}" ] && exit 0

# Each script below makes its own namespaces and data planes (its own tag): this run's
# are down by now.
echo "== Linux-like segments by active flows (scripts/bench-linux.sh)"
# shellcheck disable=SC2086
TOPO_TAG=mrgb-lnx OUT_DIR=$OUT/linux scripts/bench-linux.sh "$SECS" 3 ${BENCH_LINUX_FLOWS:-64 4096 65536 262144}
echo "== instructions per spliced segment, per connection, by workers (callgrind, scripts/bench-path.sh)"
scripts/bench-path.sh
scripts/bench-path.sh --plain
scripts/bench-path.sh --connections 300
scripts/bench-path.sh --workers
echo "== the same generator for HAProxy and nginx stream (scripts/bench-proxies.sh)"
TOPO_TAG=mrgb-px scripts/bench-proxies.sh "$SECS" 3 16
