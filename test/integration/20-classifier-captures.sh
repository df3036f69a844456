#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Captures fresh ClientHellos from this machine's openssl and curl, then runs the
# classifier unit tests against them (exact SNI, every truncation and split).
# Build directory: $MR_BUILD_DIR (default build). Exit 0 only when both steps pass.
set -u
cd "$(dirname "$0")/../.."

build=${MR_BUILD_DIR:-build}
unit=$build/test/classifier/unit-classifier
dir=$(mktemp -d /tmp/mr-hellos.XXXXXX)
trap 'rm -rf "$dir"' EXIT

if [ ! -x "$unit" ]; then
	echo "FAIL - $unit is not built"
	exit 1
fi
echo "capturing ClientHellos into $dir"
if ! timeout 120 test/classifier/capture-hellos.sh "$dir"; then
	echo "FAIL - capture-hellos.sh"
	exit 1
fi
echo "captured $(ls "$dir" | wc -l) hellos; running $unit with MR_HELLO_DIR=$dir"
MR_HELLO_DIR=$dir timeout 600 "$unit" >"$dir/unit.log" 2>&1
rc=$?
grep -E '^ +(suites|tests|asserts) ' "$dir/unit.log"
if [ $rc -ne 0 ]; then
	grep -E 'FAILED|\.c:[0-9]+ |runtime error' "$dir/unit.log" | head -40
	echo "FAIL - unit-classifier on fresh captures (exit $rc)"
	exit 1
fi
echo "ok   - unit-classifier on fresh captures"
exit 0
