#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs each control-plane fuzz target (the STUN/TURN codec, the JSON reader, the HTTP
# response parser, the control protocol's wire format, the discovery store's gateway
# registrations, the configuration reader) for a bounded time (default 12 s each,
# $MR_FUZZ_SECONDS to change), and the small readers (a scrape's request head, the learned
# report meshrelay-cp reads back, base64, the TURN credentials file) for a third of it, in
# a scratch directory. Any crash, sanitizer report or broken
# invariant fails the test.
set -u
cd "$(dirname "$0")/../.."
. test/lib/fuzz_targets.sh
seconds=${MR_FUZZ_SECONDS:-12}
fuzz_targets "$seconds" stun json http ctl disc config &&
	fuzz_targets $((seconds / 3)) http_req readback b64 secrets
