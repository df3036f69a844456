# SPDX-License-Identifier: BSD-3-Clause
# fuzz_targets SECONDS TARGET...: run each scripts/fuzz.sh target for SECONDS in a scratch
# directory (sourced from the project root by the fuzz tests); prints ok/FAIL per target
# and returns how many found something. A finding's inputs and the target's log are kept
# (their directory printed); the scratch directory goes whatever happens. A subshell, so
# that its exit trap is its own and the calling test's stays in place.
fuzz_targets() (
	local seconds=$1 out target fails=0 kept
	shift
	out=$(mktemp -d /tmp/mr-fuzz.XXXXXX)
	trap 'rm -rf "$out"' EXIT
	for target in "$@"; do
		if scripts/fuzz.sh --seconds "$seconds" --target "$target" --out "$out"; then
			echo "ok   - fuzz_$target ${seconds}s without findings"
		else
			kept=$(mktemp -d /tmp/mr-fuzz-finding.XXXXXX)
			cp -r "$out/artifacts" "$out/fuzz_$target.log" "$kept"/ 2>/dev/null
			echo "FAIL - fuzz_$target (inputs and log kept in $kept)"
			ls "$kept/artifacts" 2>/dev/null
			fails=$((fails + 1))
		fi
	done
	exit $fails
)
