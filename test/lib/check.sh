# SPDX-License-Identifier: BSD-3-Clause
# Checks for integration scripts (sourced): each prints "ok   - ..." or "FAIL - ...";
# check_done prints the count and gives the script's exit status.
CHECK_FAILS=0

# check DESCRIPTION CMD...: run CMD, report, count a failure.
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok   - $what"
	else
		echo "FAIL - $what"
		CHECK_FAILS=$((CHECK_FAILS + 1))
	fi
}

# check_done NAME: summary line; returns non-zero when any check failed.
check_done() {
	echo "$1: $CHECK_FAILS failure(s)"
	[ "$CHECK_FAILS" -eq 0 ]
}
