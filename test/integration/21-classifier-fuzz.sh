#!/usr/bin/env bash
# Runs each classifier fuzz target for a bounded time (default 45 s each, $MR_FUZZ_SECONDS
# to change) in a scratch directory. Any crash, sanitizer report or broken invariant
# fails the test.
set -u
cd "$(dirname "$0")/../.."

seconds=${MR_FUZZ_SECONDS:-45}
out=$(mktemp -d /tmp/mr-fuzz.XXXXXX)
trap 'rm -rf "$out"' EXIT
fails=0
for target in sni_parse sni_mangle; do
	if scripts/fuzz.sh --seconds "$seconds" --target "$target" --out "$out"; then
		echo "ok   - fuzz_$target ${seconds}s without findings"
	else
		echo "FAIL - fuzz_$target"
		ls "$out/artifacts" 2>/dev/null
		fails=$((fails + 1))
	fi
done
exit $fails
