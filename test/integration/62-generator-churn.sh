#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A memif peer comes and goes 30 times while the data plane runs: meshrelay-gen connects,
# runs connections for 0.3 s and leaves, each time with the data plane's ports paused
# around its coming and going (gen_run: `meshrelayctl port NAME pause|resume`). DPDK
# 22.11's memif driver maps and unmaps the rings in its interrupt thread, under a worker's
# running burst: without the pause the worker faults, within a few runs on a loaded host
# (two busy loops share the two CPUs here, as other processes would). What must hold: the
# data plane survives every run and relays in each; the control command refuses what it
# cannot do; `show port` tells a paused port.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh
. test/lib/gen_topo.sh

NS=${TOPO_TAG}-gch
PREFIX=${TOPO_TAG}-gchdp
RUNS=30
topo_ns "$NS"
gen_topo_conf "$TOPO_DIR/dp.conf" 4 2 65536 768 100
dp_start "$NS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1

check "an unknown port is refused" bash -c \
	"'$MR_CTL' -s '$DP_SOCK' port nosuch pause 2>&1 | grep -q 'no port named nosuch'"
check "an unknown action is a usage error" \
	bash -c "'$MR_CTL' -s '$DP_SOCK' port edge sideways 2>/dev/null; test \$? = 2"
check "before any peer, the ports are polled" \
	bash -c "'$MR_CTL' -s '$DP_SOCK' show port edge | grep -q '^polling *on$'"

# The host's other load: two busy loops, bounded in time, ended by the cleanup.
for i in 1 2; do
	timeout 120 bash -c 'while :; do :; done' &
	topo_track $!
done
ok=0
for ((r = 1; r <= RUNS; r++)); do
	out=$(gen_run "$NS" "${TOPO_TAG}-g$r" 0 --mode connect --concurrency 64 --routes 4 \
		--backends 2 --seconds 0.3)
	kill -0 "$DP_PID" 2>/dev/null || break
	if [ "$(gen_field "$out" completed)" -gt 0 ] && [ "$(gen_field "$out" failed)" = 0 ]; then
		ok=$((ok + 1))
	else # what went wrong, for the log
		echo "run $r failed; the generator said: ${out:0:700}"
		echo "the data plane holds: $("$MR_CTL" -s "$DP_SOCK" show flows | head -5 | tr -s ' \n' ' ')"
		echo "its drops: $("$MR_CTL" -s "$DP_SOCK" show drops | grep -v ' 0$' | tr -s ' \n' ' ')"
	fi
done
check "the data plane outlived $RUNS generators coming and going" kill -0 "$DP_PID"
check "each run relayed connections, none failed ($ok of $RUNS)" test "$ok" = "$RUNS"
check "between runs the ports stay paused" \
	bash -c "'$MR_CTL' -s '$DP_SOCK' show port svc | grep -q '^polling *paused$'"
check "and resume on request" bash -c "'$MR_CTL' -s '$DP_SOCK' port svc resume >/dev/null &&
	'$MR_CTL' -s '$DP_SOCK' show port svc | grep -q '^polling *on$'"
echo "connections: $(counter flow_created); frames dropped for a paused port: $(drop port_paused)"
check_done "generator churn"
