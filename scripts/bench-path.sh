#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions the data plane spends per spliced segment, counted by callgrind (exact and
# repeatable, whatever else the machine does): test/bench/path_cost.c drives bursts of
# Linux-like segments (1,400 bytes, timestamps) both ways through one worker on ring
# ports. Several build directories are measured in turns on the same frames, so an old
# and a new build compare side by side. With --connections N it counts instead what one
# whole connection costs (handshake, hello, answer, FINs, the flow's end), N in a row;
# with --dns N what one DNS answer costs (N bursts of 32 UDP queries to the edge port):
# --rx-cksum: the ports check receive checksums (IPv4 header and TCP), as a NIC with that
# offload does;
# --plain: the spliced segments carry 64 bytes and no options (the generator's default).
# With --workers: the spliced segment with 1, 2 and 4 workers (lcores on one CPU), each
# handed its own flows' bursts (a NIC steering them), then with 2 and 4 workers all bursts
# handed to worker 0 (the software fallback): what that adds per segment handed over;
# then with 2 and 4 workers behind an RSS table, each burst to the worker the NIC's hash
# picks, the relay's source ports aimed at it (none should be handed over); then what
# picking one such source port costs, with every port free and with one in ten.
#   scripts/bench-path.sh [--rx-cksum] [--plain] [--bursts N | --connections N | --dns N | --workers]
#                         [BUILD_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C # numbers as C writes them, whatever the user's locale

bursts=200
mode=()
nic=()
toggle=path_cost_burst
unit=segments
what="spliced segment"
dirs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--bursts) bursts=$2; shift 2 ;;
	--rx-cksum) nic=(rx-cksum "${nic[@]}"); shift ;; # before --plain or after it
	--plain) nic+=(plain); what="spliced segment (64 bytes, no options)"; shift ;;
	--connections) bursts=$2; mode=(connections); toggle=path_cost_step; unit=connections
		what="connection"; shift 2 ;;
	--dns) bursts=$2; mode=(dns); unit=queries; what="DNS answer"; shift 2 ;;
	--workers) workers=1; shift ;;
	-*) echo "usage: $0 [--rx-cksum] [--plain] [--bursts N | --connections N | --dns N | --workers] [BUILD_DIR...]" >&2; exit 2 ;;
	*) dirs+=("$1"); shift ;;
	esac
done
[ ${#dirs[@]} -gt 0 ] || dirs=(build)
command -v valgrind >/dev/null || { echo "bench-path: valgrind missing (scripts/install-deps.sh --bench)" >&2; exit 2; }

out=$(mktemp -d /tmp/mr-bench-path.XXXXXX)
# Only this run's EAL directories (bench-path-PID-CHILD): another run's are not ours.
export BENCH_PATH_PREFIX=bench-path-$$
trap 'rm -rf "$out" /var/run/dpdk/"$BENCH_PATH_PREFIX"-*' EXIT

# workers_run BIN N [handoff] -> "SEGMENTS HANDED INSTRUCTIONS"
workers_run() {
	local log
	log=$(valgrind --tool=callgrind --toggle-collect=path_cost_workers \
		--callgrind-out-file="$out/cg.out" "$1" "${nic[@]}" workers "${@:2}" "$bursts" \
		2>"$out/valgrind.log") || { tail -20 "$out/valgrind.log" >&2; exit 1; }
	echo "$(sed -n 's/^segments //p' <<<"$log") $(sed -n 's/^handed over //p' <<<"$log")" \
		"$(sed -n 's/^totals: *//p' "$out/cg.out" | awk '{print $1}')"
}
if [ -n "${workers:-}" ]; then
	for dir in "${dirs[@]}"; do
		bin=$dir/test/bench/bench-path
		declare -A steered=()
		for n in 1 2 4; do
			read -r seg _ ins <<<"$(workers_run "$bin" $n)"
			steered[$n]=$ins
			awk -v d="$dir" -v n=$n -v t="$ins" -v s="$seg" 'BEGIN {
				printf "%s: %d worker(s), each its own flows: %.1f instructions per spliced segment\n", d, n, t / s }'
		done
		for n in 2 4; do
			read -r seg handed ins <<<"$(workers_run "$bin" $n handoff)"
			awk -v d="$dir" -v n=$n -v t="$ins" -v s="$seg" -v h="$handed" -v base="${steered[$n]}" 'BEGIN {
				printf "%s: %d workers, every burst to worker 0: %.1f per segment; %d of %d handed over, +%.1f instructions each\n",
					d, n, t / s, h, s, (t - base) / h }'
		done
		for n in 2 4; do
			read -r seg handed ins <<<"$(workers_run "$bin" $n rss)"
			awk -v d="$dir" -v n=$n -v t="$ins" -v s="$seg" -v h="$handed" 'BEGIN {
				printf "%s: %d workers, each burst where RSS puts it (source ports aimed): %.1f per segment; %d of %d handed over\n",
					d, n, t / s, h, s }'
		done
		for free in picks picks-scarce; do
			log=$(valgrind --tool=callgrind --toggle-collect=path_cost_pick \
				--callgrind-out-file="$out/cg.out" "$bin" workers 4 "$free" 2000 \
				2>"$out/valgrind.log") || { tail -20 "$out/valgrind.log" >&2; exit 1; }
			awk -v d="$dir" -v f="$free" -v p="$(sed -n 's/^picks //p' <<<"$log")" \
				-v got="$(sed -n 's/^found //p' <<<"$log")" \
				-v t="$(sed -n 's/^totals: *//p' "$out/cg.out" | awk '{print $1}')" 'BEGIN {
				printf "%s: a source port aimed by RSS for one of 4 workers, %s: %.1f instructions per pick (%d of %d found)\n",
					d, f == "picks" ? "every port free" : "one port in ten free", t / p, got, p }'
		done
	done
	exit 0
fi
for dir in "${dirs[@]}"; do
	bin=$dir/test/bench/bench-path
	[ -x "$bin" ] || { echo "bench-path: $bin not built" >&2; exit 2; }
	segments=$(valgrind --tool=callgrind --toggle-collect=$toggle \
		--callgrind-out-file="$out/cg.out" "$bin" "${nic[@]}" "${mode[@]}" "$bursts" 2>"$out/valgrind.log" |
		sed -n "s/^$unit //p")
	[ -n "$segments" ] || { tail -20 "$out/valgrind.log" >&2; exit 1; }
	total=$(sed -n 's/^totals: *//p' "$out/cg.out" | awk '{print $1}')
	awk -v d="$dir" -v t="$total" -v s="$segments" -v w="$what" -v u="$unit" \
		'BEGIN { printf "%s: %.1f instructions per %s (%d %s, %d in all)\n", d, t / s, w, s, u, t }'
done
