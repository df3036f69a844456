#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds (if needed) and runs bench-sni: ns per ClientHello parse + route lookup for the
# captured hellos against tables of 1, 1k and 100k routes.
#   scripts/bench-sni.sh [iterations]     build directory: $MR_BUILD_DIR (default build)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${MR_BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" test/classifier/bench-sni >/dev/null
exec "$build/test/classifier/bench-sni" "${1:-300000}"
