#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What meshrelay-cp spends on a large mesh's exported names (not a test): 4,096 remote
# gateways of one network with 16 names each (65,536, the most it imports), TLS names and
# then plain TCP services, through test/bench/discovery_cost.c. Printed per build, the
# builds taking turns, the median of ROUNDS runs in wall seconds: the imports worked out
# of discovery's records, the configuration composed and validated with them, and again
# beside the first's (a later discovery event).
#   scripts/bench-discovery.sh [--gateways N] [--names N] [--rounds R] [BUILD_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."

gateways=4096
names=16
rounds=3
dirs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--gateways) gateways=$2; shift 2 ;;
	--names) names=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	-*) echo "usage: $0 [--gateways N] [--names N] [--rounds R] [BUILD_DIR...]" >&2; exit 2 ;;
	*) dirs+=("$1"); shift ;;
	esac
done
[ ${#dirs[@]} -gt 0 ] || dirs=(build)
for dir in "${dirs[@]}"; do
	[ -x "$dir/test/bench/bench-discovery" ] || { echo "bench-discovery: $dir not built" >&2; exit 2; }
done

out=$(mktemp -d /tmp/mr-bench-discovery.XXXXXX)
trap 'rm -rf "$out"' EXIT

for kind in tls plain; do
	for ((r = 0; r < rounds; r++)); do
		for i in "${!dirs[@]}"; do
			flag=()
			[ "$kind" = plain ] && flag=(--plain)
			"${dirs[$i]}/test/bench/bench-discovery" "$gateways" "$names" "${flag[@]}" \
				>>"$out/$kind.$i"
		done
	done
done
# median FILE FIELD
median() {
	sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf "%-8s %-28s %10s %12s %16s\n" names build imports_s learned_s learned_again_s
for kind in tls plain; do
	for i in "${!dirs[@]}"; do
		f=$out/$kind.$i
		printf "%-8s %-28s %10s %12s %16s\n" "$kind" "${dirs[$i]}" "$(median "$f" imports_s)" \
			"$(median "$f" learned_s)" "$(median "$f" learned_again_s)"
	done
done
