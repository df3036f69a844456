#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install dependencies, build, and run every meshrelay test: the CUnit suites (built
# with AddressSanitizer/UBSan) and the integration scripts under test/integration
# (network namespaces, real kernel peers). Ends with "N passed, N failed".
#
#   scripts/test.sh              everything
#   scripts/test.sh PATTERN      only integration scripts whose name contains PATTERN
#                                (exit 2 when none does)
set -uo pipefail
cd "$(dirname "$0")/.."
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac # su without -
export LC_ALL=C # numbers as C writes them, whatever the user's locale

# The integration scripts to run. A PATTERN that names none is a mistake (a typo), not a
# run with nothing failed: said before anything is installed or built.
pattern=${1:-}
scripts=()
for script in test/integration/*.sh; do
	case ${script##*/} in *"$pattern"*) scripts+=("$script") ;; esac # its name, as said
done
if [ ${#scripts[@]} -eq 0 ]; then
	echo "test.sh: no test matches '$pattern'" >&2
	exit 2
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: the integration tests create network namespaces: run as root" >&2
	exit 2
fi
scripts/install-deps.sh || exit 2
scripts/build.sh || exit 2
scripts/build.sh --debug || exit 2

LOG_DIR=$(mktemp -d /tmp/meshrelay-test.XXXXXX)
passed=0
failed=0
failures=()
started=$SECONDS
running=    # the timeout(1) process of the test under way
current=    # its name

# summary: the logs, what failed, and "N passed, N failed" last.
summary() {
	echo "logs: $LOG_DIR ($((SECONDS - started)) s)"
	[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
	echo "$passed passed, $failed failed"
}

# Ctrl-C or TERM: the test under way is stopped (timeout passes TERM on to it and its
# process group, and the test's own cleanup runs), the summary of what ran is printed,
# and the suite ends with 130. The terminal's Ctrl-C reaches only this script: timeout
# puts each test in a process group of its own.
interrupted() {
	trap '' INT TERM # the wait is bounded: timeout kills the test 10 s after passing TERM on
	echo
	if [ -n "$running" ]; then
		echo "interrupted: stopping $current"
		kill -TERM "$running" 2>/dev/null
		wait "$running"
	fi
	summary
	exit 130
}
trap interrupted INT TERM

# bounded LOG SECONDS CMD...: CMD under timeout(1), its output in LOG, waited for in the
# background: bash runs a trap only once a foreground command has ended, while "wait"
# returns at the signal. (LOG is opened here, not around the call: the trap's summary goes
# to the terminal.)
bounded() {
	local log=$1 rc
	shift
	timeout -k 10 "$@" >"$log" 2>&1 &
	running=$!
	wait "$running"
	rc=$?
	running=
	return "$rc"
}

# CUnit binaries: every test case counts, read from CUnit's own run summary.
run_unit() {
	local bin=$1 name
	name=$(basename "$bin")
	[ -x "$bin" ] || { echo "missing unit binary $bin"; failed=$((failed + 1)); failures+=("$name"); return; }
	local log="$LOG_DIR/$name.log"
	current=$name
	# A sanitizer's finding ends the binary (UBSan would else print it and go on, and the
	# binary pass); any report in its log fails it all the same.
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 bounded "$log" 600 "$bin"
	local rc=$?
	grep -qE 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$log" && [ "$rc" -eq 0 ] && rc=1
	rm -rf /var/run/dpdk/"$name"-*
	local line p f
	line=$(grep -E '^ +tests +[0-9]+' "$log" | tail -1)
	if [ -z "$line" ]; then
		echo "FAIL $name: no CUnit summary (exit $rc), see $log"
		tail -20 "$log"
		failed=$((failed + 1))
		failures+=("$name")
		return
	fi
	p=$(awk '{print $4}' <<<"$line")
	f=$(awk '{print $5}' <<<"$line")
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1 # a sanitizer report fails the binary
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		grep -E 'FAILED|ERROR|runtime error|initialization failed' "$log" | head -20
	fi
	echo "unit $name: $p passed, $f failed"
}

# Integration scripts: each is one test; its output is kept in the log directory.
run_script() {
	local script=$1 build=$2 label
	label="$(basename "$script")${3:-}"
	local log="$LOG_DIR/$label.log" t0=$SECONDS
	current=$label
	# Under the sanitizers any finding stops the process, so the script sees it fail.
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
		MR_BUILD_DIR=$build bounded "$log" 900 bash "$script"
	local rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "pass $label ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		failures+=("$label")
		echo "FAIL $label (exit $rc, $((SECONDS - t0)) s):"
		grep -E 'FAIL|rror' "$log" | head -30
	fi
}

if [ -z "$pattern" ]; then
	for bin in build-asan/test/unit/unit-foundation build-asan/test/classifier/unit-classifier \
		build-asan/test/controlplane/unit-controlplane; do
		run_unit "$bin"
	done
fi
for script in "${scripts[@]}"; do
	run_script "$script" build
done
# The packet path and the relay once more under the sanitizers.
if [ -z "$pattern" ]; then
	run_script test/integration/11-pcap-replay.sh build-asan " [asan]"
	run_script test/integration/24-mutated-pcap.sh build-asan " [asan]"
	run_script test/integration/30-relay-tls.sh build-asan " [asan]"
	run_script test/integration/37-relay-ipv6.sh build-asan " [asan]"
fi

summary
[ "$failed" -eq 0 ]
