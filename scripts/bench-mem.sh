#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Memory per flow at 1 M held flows (not a test), for one or more builds in turn: the
# generator holds 1 M connections through the data plane (a table of 1.125 M), twice;
# printed per build: the flows held, bytes per flow by RSS (less the RSS of a 64-entry
# table), bytes per table entry by RSS and as the data plane counts its table (which it
# does per entry, and the table has an eighth to spare), and the RSS figures behind them.
#
# GEN_IPV6=1 gives the edge port an IPv6 address, so the tables hold IPv6 connections too:
# what that costs the same IPv4 flows.
#
#   [GEN_IPV6=1] scripts/bench-mem.sh [BUILD_DIR...]      (default: build)
set -uo pipefail
cd "$(dirname "$0")/.."
DIRS=("$@")
[ ${#DIRS[@]} -gt 0 ] || DIRS=(build)
export TOPO_TAG=${TOPO_TAG:-mrmem}
# No hugepages to reserve: mem_per_flow runs on 4 KB pages (RSS does not count hugepages).
export GEN_HUGE=0
. test/lib/gen_bench.sh
gen_memory_note
for dir in "${DIRS[@]}"; do
	[ -x "$dir/dataplane/meshrelay-dp" ] || { echo "bench-mem: $dir not built" >&2; exit 2; }
	declare -A v=()
	record() { v[$1]=$2; }
	MR_DP=$dir/dataplane/meshrelay-dp mem_per_flow record >/dev/null
	dp_down
	printf '%s: %s flows held; bytes per flow %s by RSS; per table entry %s by RSS, %s by the table'"'"'s count; RSS 64-entry / idle / held / held again %s / %s / %s / %s MB\n' \
		"$dir" "${v[mem_flows_held]}" "${v[mem_bytes_per_flow]}" "${v[mem_bytes_per_entry]}" \
		"${v[mem_dp_bytes_per_flow]}" \
		$((v[mem_rss_base_kb] / 1024)) $((v[mem_rss0_kb] / 1024)) $((v[mem_rss_held_kb] / 1024)) \
		$((v[mem_rss_held2_kb] / 1024))
	unset v
done
