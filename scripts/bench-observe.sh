#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What observing costs the worker (not a test), with the generator on memif, in turns:
#  - the connection log: new connections (hello, 256 B request, 1 KB answer, close, every
#    byte checked) per worker core-second with log.connections off and on (the records
#    written to a file under the run's directory); their ratio, medians;
#  - the metrics endpoint: 64 spliced streams' worker cycles per packet alone and while
#    curl scrapes /metrics every second; their ratio, medians.
#
#   scripts/bench-observe.sh [ROUNDS] [SECONDS]   (3, 5)
set -uo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-5}
[ -x build/dataplane/meshrelay-dp ] || { echo "bench-observe: build first (scripts/build.sh)" >&2; exit 2; }
export TOPO_TAG=${TOPO_TAG:-mrobs}
. test/lib/gen_bench.sh

declare -A per_core cpp
for round in $(seq "$ROUNDS"); do
	for side in off on; do
		unset GEN_CONNLOG
		[ "$side" = on ] && export GEN_CONNLOG=$TOPO_DIR/connections-$round.log
		dp_up 256 16
		c=$(connect_run 256)
		q=$(dp_stat "$PREFIX" counters connlog_queued)
		d=$(dp_stat "$PREFIX" counters connlog_dropped)
		dp_down
		per_core[$side]="${per_core[$side]:-} $(gen_field "$c" per_core_s)"
		echo "round $round, log $side: $(gen_field "$c" per_core_s) connections per core-second" \
			"($(gen_field "$c" completed) completed, $(gen_field "$c" failed) failed;" \
			"$q records queued, $d dropped$([ "$side" = on ] && echo ", $(grep -c . "$GEN_CONNLOG") lines"))"
		rm -f "$TOPO_DIR"/connections-*.log
	done
done
unset GEN_CONNLOG
export GEN_METRICS=9480
for round in $(seq "$ROUNDS"); do
	for side in alone scraped; do
		dp_up 16 4
		scraper=""
		if [ "$side" = scraped ]; then
			ip netns exec "$NS" bash -c "for i in \$(seq $((SECS + 15))); do
				curl -s -o /dev/null --max-time 2 http://127.0.0.1:9480/metrics; sleep 1; done" &
			scraper=$!
			topo_track "$scraper"
		fi
		s=$(stream_run 64)
		[ -n "$scraper" ] && kill "$scraper" 2>/dev/null
		dp_down
		cpp[$side]="${cpp[$side]:-} $(gen_field "$s" cpp)"
		echo "round $round, $side: $(gen_field "$s" cpp) cycles per packet (failed $(gen_field "$s" failed))"
	done
done
off=$(median <<<"${per_core[off]}")
on=$(median <<<"${per_core[on]}")
echo "connection log: $off connections per core-second off, $on on: ratio $(ratio "$on" "$off")"
a=$(median <<<"${cpp[alone]}")
b=$(median <<<"${cpp[scraped]}")
echo "metrics scraped every second: $a cycles per packet alone, $b scraped: ratio $(ratio "$b" "$a")"
