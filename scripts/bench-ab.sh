#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two data-plane builds side by side on the same generator (not a test): in each round
# each build forwards 64 spliced streams (worker cycles per packet) and takes new
# connections over 256 routes (connections per worker core-second), the builds taking
# turns; then the medians and the new build's cost against the old, in per cent.
#
#   scripts/bench-ab.sh OLD_BUILD_DIR [NEW_BUILD_DIR] [ROUNDS] [SECONDS]   (build, 3, 5)
# The generator is the new build's.
set -uo pipefail
cd "$(dirname "$0")/.."
OLD=${1:?usage: $0 OLD_BUILD_DIR [NEW_BUILD_DIR] [ROUNDS] [SECONDS]}
NEW=${2:-build}
ROUNDS=${3:-3}
SECS=${4:-5}
for dir in "$OLD" "$NEW"; do
	[ -x "$dir/dataplane/meshrelay-dp" ] || { echo "bench-ab: no $dir/dataplane/meshrelay-dp" >&2; exit 2; }
done

export MR_BUILD_DIR=$NEW TOPO_TAG=${TOPO_TAG:-mrab}
. test/lib/gen_bench.sh
gen_memory_note

declare -A cpp per_core
for round in $(seq "$ROUNDS"); do
	for side in old new; do
		dir=$OLD
		[ "$side" = new ] && dir=$NEW
		MR_DP=$dir/dataplane/meshrelay-dp
		dp_up 16 4     # the routes and backends stream_run's flows use
		s=$(stream_run 64)
		dp_down
		dp_up 256 16
		c=$(connect_run 256)
		dp_down
		cpp[$side]="${cpp[$side]:-} $(gen_field "$s" cpp)"
		per_core[$side]="${per_core[$side]:-} $(gen_field "$c" per_core_s)"
		echo "round $round $side: $(gen_field "$s" cpp) cycles/packet (failed $(gen_field "$s" failed))," \
			"$(gen_field "$c" per_core_s) connections per core-second (failed $(gen_field "$c" failed))"
	done
done
for side in old new; do
	echo "$side ($([ "$side" = old ] && echo "$OLD" || echo "$NEW")): cycles per packet" \
		"$(median <<<"${cpp[$side]}") (${cpp[$side]# }), connections per core-second" \
		"$(median <<<"${per_core[$side]}") (${per_core[$side]# })"
done
awk -v oc="$(median <<<"${cpp[old]}")" -v nc="$(median <<<"${cpp[new]}")" \
	-v op="$(median <<<"${per_core[old]}")" -v np="$(median <<<"${per_core[new]}")" 'BEGIN {
	printf "new against old: cycles per packet %+.1f %%, connections per core-second %+.1f %%\n",
		oc ? (nc / oc - 1) * 100 : 0, op ? (np / op - 1) * 100 : 0 }'
