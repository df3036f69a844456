#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build meshrelay: release (-O3) into build/, or with --debug a debug build with
# AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
opts=(--buildtype=release)
if [ "${1:-}" = "--debug" ]; then
	dir=build-asan
	# b_lundef=false: the sanitizer runtimes resolve symbols at load time.
	opts=(--buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false)
fi
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir" >/dev/null
echo "build: $dir ready"
