#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build meshrelay: release (-O3, link-time optimization) into build/, or with --debug a
# debug build with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/.
# Link-time optimization lets the compiler inline across files (the flow index into the
# splice's burst path, the relay's modules into each other): 4 % fewer instructions per
# spliced segment and 5 % per connection (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
opts=(-Dbuildtype=release -Db_lto=true)
if [ "${1:-}" = "--debug" ]; then
	dir=build-asan
	# b_lundef=false: the sanitizer runtimes resolve symbols at load time.
	opts=(-Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false)
fi
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "${opts[@]}" >/dev/null
else
	meson configure "$dir" "${opts[@]}" >/dev/null # a tree set up before an option changed
fi
# Quiet when it builds; what failed, when it does not (the suite would else stop mute).
if ! log=$(ninja -C "$dir" 2>&1); then
	grep -E -B2 -A6 'error|FAILED' <<<"$log" | tail -40 >&2
	echo "build: $dir failed" >&2
	exit 1
fi
echo "build: $dir ready"
