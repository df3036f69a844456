#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What active health checks cost the worker (not a test): the generator's spliced streams
# (worker cycles per packet) and new connections (connections per worker core-second) on
# a data plane without checked members and on one with MEMBERS members checked by TCP
# every 2 s, in turns; then the medians and the cost of the checks in per cent. The
# members are addresses nobody answers (see gen_topo.sh): each check is scheduled, gets
# a flow and a SYN, resolves its neighbour and times out; an answered check would add a
# SYN-ACK in and a RST out.
#
#   scripts/bench-health.sh [MEMBERS] [ROUNDS] [SECONDS]   (1000, 3, 5)
set -uo pipefail
cd "$(dirname "$0")/.."
MEMBERS=${1:-1000}
ROUNDS=${2:-3}
SECS=${3:-5}
[ -x build/dataplane/meshrelay-dp ] || { echo "bench-health: build first (scripts/build.sh)" >&2; exit 2; }
export TOPO_TAG=${TOPO_TAG:-mrhc}
. test/lib/gen_bench.sh

declare -A cpp per_core checks
for round in $(seq "$ROUNDS"); do
	for side in none checked; do
		export GEN_CHECKED_MEMBERS=0
		[ "$side" = checked ] && GEN_CHECKED_MEMBERS=$MEMBERS
		dp_up 16 4
		sleep 2 # every member's first check is due within one interval
		s=$(stream_run 64)
		dp_down
		dp_up 256 16
		sleep 2
		c0=$(dp_stat "$PREFIX" counters check_sent)
		c=$(connect_run 256)
		c1=$(dp_stat "$PREFIX" counters check_sent)
		dp_down
		cpp[$side]="${cpp[$side]:-} $(gen_field "$s" cpp)"
		per_core[$side]="${per_core[$side]:-} $(gen_field "$c" per_core_s)"
		echo "round $round $side: $(gen_field "$s" cpp) cycles/packet (failed $(gen_field "$s" failed))," \
			"$(gen_field "$c" per_core_s) connections per core-second (failed $(gen_field "$c" failed))," \
			"$((c1 - c0)) checks sent meanwhile"
	done
done
for side in none checked; do
	echo "$side: cycles per packet $(median <<<"${cpp[$side]}") (${cpp[$side]# })," \
		"connections per core-second $(median <<<"${per_core[$side]}") (${per_core[$side]# })"
done
awk -v oc="$(median <<<"${cpp[none]}")" -v nc="$(median <<<"${cpp[checked]}")" \
	-v op="$(median <<<"${per_core[none]}")" -v np="$(median <<<"${per_core[checked]}")" \
	-v m="$MEMBERS" 'BEGIN {
	printf "%d checked members against none: cycles per packet %+.1f %%, connections per core-second %+.1f %%\n",
		m, oc ? (nc / oc - 1) * 100 : 0, op ? (np / op - 1) * 100 : 0 }'
