# SPDX-License-Identifier: BSD-3-Clause
# fuzz_targets SECONDS TARGET...: run each scripts/fuzz.sh target for SECONDS in a scratch
# directory (sourced from the project root by the fuzz tests); prints ok/FAIL per target
# and returns how many found something.
fuzz_targets() {
	local seconds=$1 out target fails=0
	shift
	out=$(mktemp -d /tmp/mr-fuzz.XXXXXX)
	for target in "$@"; do
		if scripts/fuzz.sh --seconds "$seconds" --target "$target" --out "$out"; then
			echo "ok   - fuzz_$target ${seconds}s without findings"
		else
			echo "FAIL - fuzz_$target"
			ls "$out/artifacts" 2>/dev/null
			fails=$((fails + 1))
		fi
	done
	rm -rf "$out"
	return $fails
}
