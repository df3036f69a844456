#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data plane's packet path under libFuzzer for a bounded time (default 30 s,
# $MR_FUZZ_SECONDS to change): arbitrary frames and TCP segments (IPv4 and IPv6) around
# real relayed connections, with ASan/UBSan, and after every input no flow left and no
# mbuf lost; then the IPv6 neighbour discovery codec.
set -u
cd "$(dirname "$0")/../.."
seconds=${MR_FUZZ_SECONDS:-30}
trap 'rm -rf /var/run/dpdk/fuzz-dp-*' EXIT
. test/lib/fuzz_targets.sh
# The IPv6 neighbour discovery codec gets a third of the packet path's time: it is small
# and runs millions of inputs a second.
fuzz_targets "$seconds" dp_frames && fuzz_targets $((seconds / 3)) nd
