#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Mutated captures through the whole packet path on a net_pcap port: TCP conversations
# with a relay listener (captured ClientHellos), ARP, ICMP and IPv4 edge cases, each frame
# mutated (bits, header bytes, truncation, garbage, checksums fixed again for half). The
# data plane must read every frame, stay up and answering, leave no flow behind once its
# timers ran, and give back every mbuf: the pool's use returns to what an idle data plane
# with the same configuration holds. No conversation gets past its SYN cookie here (the
# key is the data plane's secret), so this covers parsing and refusal through a real PMD;
# hellos and spliced flows under mutation are the in-process fuzzer's (test 22).
# $MR_PCAP_SEED replays a run; $MR_PCAP_FRAMES sizes it.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

T=$TOPO_TAG
DP_MAC=02:70:63:61:70:00   # net_pcap's address for its first port
FRAMES=${MR_PCAP_FRAMES:-40000}
SEED=${MR_PCAP_SEED:-$(date +%s)}

# run_dp NAME PCAP: a data plane replaying PCAP; PREFIX_<NAME> is its telemetry prefix.
run_dp() {
	cat >"$TOPO_DIR/$1.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256" ]; };
ports = ( { name = "replay"; device = "net_pcap_${T}$1,rx_pcap=$2,tx_pcap=$TOPO_DIR/$1.out.pcap";
            ipv4 = "10.98.0.1/24"; exception = { enabled = false; }; } );
listeners = ( { name = "tls"; port = "replay"; tcp_port = 443; } );
relay = { hello_timeout_ms = 400; connect_timeout_ms = 100; syn_retries = 1;
          closing_timeout_ms = 200; max_flows = 4096; };
pools = ( { name = "api"; members = ( { address = "10.98.0.200"; port = 8443; } ); } );
routes = ( { default = true; pool = "api"; } );
CONF
	dp_start "${T}-dp" "$TOPO_DIR/$1.conf" "${T}-$1" "$TOPO_DIR/$1.log" 300
}

topo_ns "${T}-dp"
echo "# seed $SEED, $FRAMES frames"
/usr/bin/python3 test/lib/mutate_pcap.py "$TOPO_DIR/in.pcap" "$DP_MAC" 10.98.0.1 \
	test/classifier/fixtures "$FRAMES" "$SEED" >/dev/null
/usr/bin/python3 test/lib/mutate_pcap.py "$TOPO_DIR/idle.pcap" "$DP_MAC" 10.98.0.1 \
	test/classifier/fixtures 1 "$SEED" >/dev/null

run_dp idle "$TOPO_DIR/idle.pcap" || exit 1
sleep 1.5 # its one frame and every timer it could start are over
idle_mbufs=$(dp_status "${T}-idle" mbufs_in_use)
kill -INT "$DP_PID"
wait "$DP_PID" 2>/dev/null

run_dp replay "$TOPO_DIR/in.pcap" || exit 1
P=${T}-replay
for _ in $(seq 300); do # bounded: 30 s for the replay to be read
	[ "$(dp_stat "$P" counters rx_frames)" -ge "$FRAMES" ] && break
	sleep 0.1
done
check "all $FRAMES mutated frames read" test "$(dp_stat "$P" counters rx_frames)" -ge "$FRAMES"
flows_zero() { [ "$(dp_status "$P" flows)" = 0 ]; }
check "no flow left once the timers ran" topo_wait_for 10 flows_zero
mbufs_back() { [ "$(dp_status "$P" mbufs_in_use)" -le "$idle_mbufs" ]; }
check "every mbuf given back ($(dp_status "$P" mbufs_in_use) in use, idle $idle_mbufs)" \
	topo_wait_for 5 mbufs_back
check "the data plane still runs and answers" bash -c "kill -0 $DP_PID && '$MR_CTL' -p '$P' show status >/dev/null"
drops=$("$MR_CTL" -p "$P" show drops | awk '$2 > 0 {n++} END {print n + 0}')
echo "# $(dp_stat "$P" counters flow_created) flows created, $(dp_stat "$P" counters syncookie_out) cookies sent, $drops drop reasons seen"
kill -INT "$DP_PID"
wait "$DP_PID"
check "clean exit (status $?)" test "$?" -eq 0 -o "$?" -eq 124
if [ "$CHECK_FAILS" -gt 0 ]; then
	echo "# replay with MR_PCAP_SEED=$SEED MR_PCAP_FRAMES=$FRAMES"
	tail -20 "$TOPO_DIR/replay.log" >&2
fi
check_done "mutated pcap replay"
