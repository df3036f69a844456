#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DNS answering on memif, with no kernel in the path (not a test): meshrelay-gen on both
# memif ends of the data plane (scripts/bench-gen.sh's setup, dns on the edge port).
#  1. queries only, as fast as the generator sends them (A for s0..s15.bench.example from
#     4,096 client addresses): answers/s, the worker's busy cycles per answer, queries per
#     core-second; and the ratio to UNBOUND_CYCLES (cycles per query, given by
#     scripts/bench-dns.sh) when given;
#  2. 64 TCP streams alone and beside 100,000 queries/s, in turns: packets/s both ways and
#     the worker's cycles per packet (medians), and the share of a core 100,000 answers
#     a second take (answers/s times cycles per answer over the TSC rate).
#
#   scripts/bench-dns-gen.sh [SECONDS] [ROUNDS] [UNBOUND_CYCLES]   default 5 s, 3 rounds
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
ROUNDS=${2:-3}
UB_CPQ=${3:-}
scripts/build.sh >/dev/null || exit 2

export TOPO_TAG=${TOPO_TAG:-mrdnsg} GEN_DNS=1
. test/lib/gen_bench.sh
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -1; }

dp_up 16 4
declare -a cpa qcs
for round in $(seq "$ROUNDS"); do
	b0=$(busy)
	out=$(gen --mode dns --routes 16 --seconds "$SECS" | grep '^dns ')
	cyc=$(($(busy) - b0))
	n=$(field "$out" answered)
	cpa+=("$(ratio "$cyc" "$n")")
	qcs+=("$(awk -v c="$cyc" -v n="$n" -v h="$(hz)" 'BEGIN { printf "%.0f", c ? n * h / c : 0 }')")
	echo "round $round: $out cycles/answer=${cpa[-1]} per_core_s=${qcs[-1]}"
done
m_cpa=$(median <<<"${cpa[*]}")
echo "meshrelay on memif: $m_cpa cycles per answer, $(median <<<"${qcs[*]}") queries per core-second"
[ -n "$UB_CPQ" ] && awk -v m="$m_cpa" -v u="$UB_CPQ" \
	'BEGIN { printf "meshrelay on memif answers %.1fx the queries of unbound per core-second (%s vs %s cycles)\n", m ? u / m : 0, m, u }'

declare -a alone beside c_alone c_beside
pps() { echo $(($(field "$1" c2b_pps | cut -d. -f1) + $(field "$1" b2c_pps | cut -d. -f1))); }
for round in $(seq "$ROUNDS"); do
	a=$(stream_run 64)
	b=$(stream_run 64 --dns-rate 100000)
	alone+=("$(pps "$a")")
	beside+=("$(pps "$b")")
	c_alone+=("$(field "$a" cpp)")
	c_beside+=("$(field "$b" cpp)")
	echo "round $round: alone ${alone[-1]} pkt/s ${c_alone[-1]} cycles/pkt;" \
		"beside 100k queries/s ${beside[-1]} pkt/s ${c_beside[-1]} cycles/pkt"
done
answered=$(dp_stat "$PREFIX" counters dns_answered)
HZ_SEEN=$(hz)
dp_down
ma=$(median <<<"${alone[*]}")
mb=$(median <<<"${beside[*]}")
echo "64 streams: $ma pkt/s alone, $mb beside 100,000 queries/s (ratio $(ratio "$mb" "$ma"));" \
	"cycles per spliced packet $(median <<<"${c_alone[*]}") alone, $(median <<<"${c_beside[*]}") beside"
echo "100,000 answers a second take $(awk -v c="$m_cpa" -v h="$HZ_SEEN" \
	'BEGIN { printf "%.2f", h ? 100000 * c / h * 100 : 0 }') % of the worker's core" \
	"($answered answered in all)"
