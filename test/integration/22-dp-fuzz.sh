#!/usr/bin/env bash
# The data plane's packet path under libFuzzer for a bounded time (default 60 s,
# $MR_FUZZ_SECONDS to change): arbitrary frames and TCP segments around real relayed
# connections, with ASan/UBSan, and after every input no flow left and no mbuf lost.
set -u
cd "$(dirname "$0")/../.."
seconds=${MR_FUZZ_SECONDS:-60}
out=$(mktemp -d /tmp/mr-dpfuzz.XXXXXX)
trap 'rm -rf "$out"; rm -rf /var/run/dpdk/fuzz-dp-*' EXIT
if scripts/fuzz.sh --seconds "$seconds" --target dp_frames --out "$out"; then
	echo "ok   - fuzz_dp_frames ${seconds}s without findings"
else
	echo "FAIL - fuzz_dp_frames"
	ls "$out/artifacts" 2>/dev/null
	exit 1
fi
