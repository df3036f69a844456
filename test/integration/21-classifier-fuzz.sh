#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs each classifier fuzz target for a bounded time (default 15 s each, $MR_FUZZ_SECONDS
# to change) in a scratch directory. Any crash, sanitizer report or broken invariant
# fails the test.
set -u
cd "$(dirname "$0")/../.."
. test/lib/fuzz_targets.sh
fuzz_targets "${MR_FUZZ_SECONDS:-15}" sni_parse sni_mangle dns_msg proxy_v2 tls_answer
