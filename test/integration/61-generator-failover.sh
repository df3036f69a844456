#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A backend stops answering in the middle of a full-rate connection run: meshrelay-gen
# connects as fast as it can over 16 routes whose pools hold all 4 backend addresses,
# and backend 10.201.0.2 takes no frame from second 2 to second 4. The relay's connect
# timeout (200 ms) passes a hello it still holds to the next member, and 3 failed
# connections eject the member (for 3 s). What must hold: every failed connection is
# one whose client had bytes from that backend already (no redispatch can save those);
# connections complete in each phase; the rates before, during and after are printed.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh
. test/lib/gen_topo.sh

NS=${TOPO_TAG}-gfo
PREFIX=${TOPO_TAG}-gfodp
topo_ns "$NS"
GEN_POOLED=1 GEN_CONNECT_MS=200 gen_topo_conf "$TOPO_DIR/dp.conf" 16 4 262144 1024 100
dp_start "$NS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1

out=$(gen_run "$NS" "${TOPO_TAG}-g1" 0 --mode connect --concurrency 128 --routes 16 \
	--backends 4 --pooled --silence 0,2,4 --seconds 6)
echo "$out"
phases=$(tail -1 <<<"$out")
check "connections completed before, during and after the silence ($(gen_field "$phases" conn_per_s_before), $(gen_field "$phases" conn_per_s_during), $(gen_field "$phases" conn_per_s_after) per second)" \
	test "$(gen_field "$phases" conn_per_s_before)" -gt 0 -a \
	"$(gen_field "$phases" conn_per_s_during)" -gt 0 -a "$(gen_field "$phases" conn_per_s_after)" -gt 0
check "the backend was silent: $(gen_field "$phases" silenced_frames) frames to it not taken" \
	test "$(gen_field "$phases" silenced_frames)" -gt 0
check "failures only among connections with backend bytes ($(gen_field "$out" failed) failed, $(gen_field "$phases" failed_after_bytes) of them after bytes)" \
	test "$(gen_field "$out" failed)" = "$(gen_field "$phases" failed_after_bytes)" -a \
	"$(gen_field "$out" bad_checksum)" = 0 -a "$(gen_field "$out" wrong_backend)" = 0
check "unanswered SYNs were redispatched ($(counter redispatch_timeout)), then the ejected member passed over ($(counter member_avoided) connections)" \
	test "$(counter redispatch_timeout)" -gt 0 -a "$(counter member_avoided)" -gt 0
check "its failures are on record: $("$MR_CTL" -p "$PREFIX" show pools | grep -m1 10.201.0.2:)" \
	bash -c "'$MR_CTL' -p '$PREFIX' show pools | grep -m1 '10.201.0.2:' | grep -qv ' failed=0 '"
"$MR_CTL" -p "$PREFIX" show counters | grep -e redispatch -e member_ -e pool_ | sed 's/^/  /'
check "data plane still running" kill -0 "$DP_PID"
check_done "generator failover"
