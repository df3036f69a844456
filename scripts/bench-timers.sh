#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What a worker's timers cost while it holds many flows, none of them due (not a test):
# test/bench/timer_cost.c puts FLOWS spliced flows in one worker's table (ARMED of them
# with a retransmission armed), then runs its housekeeping once per millisecond of its
# clock. Printed per build, per second of that clock: the instructions (callgrind, exact)
# and the TSC cycles (the median of ROUNDS runs, the builds taking turns), and the share of
# one core those cycles are.
#   scripts/bench-timers.sh [--flows N] [--armed N] [--seconds S] [--rounds R] [BUILD_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C # numbers as C writes them, whatever the user's locale

flows=1000000
armed=10000
seconds=5
rounds=5
dirs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows=$2; shift 2 ;;
	--armed) armed=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	-*) echo "usage: $0 [--flows N] [--armed N] [--seconds S] [--rounds R] [BUILD_DIR...]" >&2; exit 2 ;;
	*) dirs+=("$1"); shift ;;
	esac
done
[ ${#dirs[@]} -gt 0 ] || dirs=(build)
command -v valgrind >/dev/null || { echo "bench-timers: valgrind missing (scripts/install-deps.sh --bench)" >&2; exit 2; }
for dir in "${dirs[@]}"; do
	[ -x "$dir/test/bench/bench-timers" ] || { echo "bench-timers: $dir not built" >&2; exit 2; }
done

out=$(mktemp -d /tmp/mr-bench-timers.XXXXXX)
trap 'rm -rf "$out"; rm -rf /var/run/dpdk/bench-timers-*' EXIT

# cycles_run DIR -> TSC cycles of the measured seconds
cycles_run() {
	"$1/test/bench/bench-timers" "$flows" "$armed" "$seconds" 2>"$out/stderr.log" |
		sed -n 's/^cycles //p' | grep . || { tail -5 "$out/stderr.log" >&2; exit 1; }
}

tsc_hz=$(awk '/^cpu MHz/ { printf "%.0f", $4 * 1000000; exit }' /proc/cpuinfo)
echo "bench-timers: $flows flows held, $armed with a retransmission armed, $seconds s of the" \
	"worker's clock, $rounds rounds of cycles, builds in turns (${tsc_hz:-?} Hz CPU)"
declare -A cycles
for ((r = 0; r < rounds; r++)); do
	for dir in "${dirs[@]}"; do
		cycles[$dir]+="$(cycles_run "$dir") "
	done
done
for dir in "${dirs[@]}"; do
	valgrind --tool=callgrind --toggle-collect=timer_cost_run \
		--callgrind-out-file="$out/cg.out" "$dir/test/bench/bench-timers" "$flows" "$armed" \
		"$seconds" >/dev/null 2>"$out/valgrind.log" || { tail -20 "$out/valgrind.log" >&2; exit 1; }
	instr=$(sed -n 's/^totals: *//p' "$out/cg.out" | awk '{print $1}')
	# shellcheck disable=SC2086
	median=$(printf '%s\n' ${cycles[$dir]} | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	awk -v d="$dir" -v i="$instr" -v s="$seconds" -v f="$flows" -v m="$median" \
		-v all="${cycles[$dir]}" -v hz="${tsc_hz:-0}" 'BEGIN {
		printf "%s: per second of clock %.0f instructions (%.2f per held flow); %.0f cycles, median of [", d, i / s, i / s / f, m / s
		n = split(all, v, " ")
		for (k = 1; k <= n; k++)
			printf "%s%.0f", (k > 1 ? " " : ""), v[k] / s
		printf "]"
		if (hz > 0)
			printf ", %.2f %% of a core", 100 * m / s / hz
		printf "\n"
	}'
done
