#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data plane as an L2/L3 endpoint on an af_packet port: ARP and ping answered by the
# fast path, a kernel TCP service reached through the exception path, malformed IPv4
# and ARP frames dropped and counted by reason while ping keeps working.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

T=$TOPO_TAG
CLI=${T}-cli
DPNS=${T}-dp
PREFIX=${T}-l2l3

topo_ns "$CLI"
topo_ns "$DPNS"
topo_veth "$CLI" c0 "$DPNS" d0
topo_kernel_side "$CLI" c0
ip -n "$CLI" addr add 10.99.0.2/24 dev c0

cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = {
  eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256", "--log-level", "pmd.net.tap:error" ];
  neighbour = { entries = 256; retry_ms = 200; };
};
ports = ( {
  name = "edge";
  device = "net_af_packet_${T},iface=d0,blocksz=4096,framesz=2048,framecnt=512,qpairs=1";
  ipv4 = "10.99.0.1/24";
  gateway = "10.99.0.2";
  exception = { iface = "mr-edge"; };
} );
CONF
# The kernel settings of d0 the af_packet port changes while it runs, as they were.
knobs() {
	ip netns exec "$DPNS" cat /proc/sys/net/ipv4/conf/d0/rp_filter \
		/proc/sys/net/ipv4/conf/d0/arp_ignore /proc/sys/net/ipv6/conf/d0/disable_ipv6 | tr '\n' ' '
}
knobs_before=$(knobs)
port_range() { ip netns exec "$DPNS" cat /proc/sys/net/ipv4/ip_local_port_range; }
range_before=$(port_range)
dp_start "$DPNS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" || exit 1
check "d0 quieted while the data plane runs ($(knobs))" test "$(knobs)" = "1 8 1 "

# ARP: answered by the data plane with the port's MAC.
dp_mac=$(ip -n "$DPNS" -br link show d0 | awk '{print tolower($3)}')
before=$(dp_stat "$PREFIX" counters arp_request_in)
out=$(ip netns exec "$CLI" arping -c 3 -w 5 -I c0 10.99.0.1 2>&1)
check "arping answered 3 times" grep -q 'Received 3 response' <<<"$out"
check "arping reply carries the port MAC" grep -qi "$dp_mac" <<<"$out"
after=$(dp_stat "$PREFIX" counters arp_request_in)
check "data plane counted the ARP requests ($before -> $after)" test "$(dp_delta "$before" "$after")" -ge 3

# Ping: answered by the fast path (counted there), never twice.
before=$(dp_stat "$PREFIX" counters icmp_echo_in)
out=$(ip netns exec "$CLI" ping -c 10 -i 0.05 -W 2 10.99.0.1 2>&1)
check "ping: 10 of 10 answered" grep -q '10 received, 0% packet loss' <<<"$out"
check "ping: no duplicate replies" bash -c "! grep -q DUP <<<'$out'"
after=$(dp_stat "$PREFIX" counters icmp_echo_in)
check "data plane answered every echo ($before -> $after)" test "$(dp_delta "$before" "$after")" -eq 10
echo "ping rtt through the data plane: $(grep -o 'rtt.*' <<<"$out")"

# The gateway was resolved by the data plane's own ARP request.
check "gateway 10.99.0.2 resolved in the neighbour cache" topo_wait_for 5 \
	bash -c "'$MR_CTL' -p '$PREFIX' show neighbours | grep -q 'ip=10.99.0.2 state=reachable'"

# Exception path: a kernel TCP service on the appliance address, bytes checked.
head -c 4000000 /dev/urandom >"$TOPO_DIR/blob"
want=$(sha256sum <"$TOPO_DIR/blob" | cut -d' ' -f1)
ip netns exec "$DPNS" timeout 30 /usr/bin/python3 test/lib/tcp_sink.py 10.99.0.1 2222 \
	>"$TOPO_DIR/sink.out" 2>&1 &
topo_track $!
check "the kernel service listens on 10.99.0.1:2222" topo_wait_for 5 \
	bash -c "ip netns exec '$DPNS' ss -Hltn 'sport = :2222' | grep -q LISTEN"
before=$(dp_stat "$PREFIX" counters to_kernel)
got=$(ip netns exec "$CLI" timeout 30 /usr/bin/python3 test/lib/tcp_send.py 10.99.0.1 2222 \
	"$TOPO_DIR/blob")
check "4 MB through the exception path, sha256 equal" test "$got" = "$want"
after=$(dp_stat "$PREFIX" counters to_kernel)
check "exception path counted the frames ($before -> $after, $(dp_stat "$PREFIX" drops kernel_rate) past its rate)" \
	test "$(dp_delta "$before" "$after")" -gt 1000

# Malformed frames: each defect five times, each counted under its own reason.
# (Fragments are absent here: the af_packet PMD asks the kernel to reassemble them before
# they reach the port; 11-pcap-replay.sh sends them through a port that does not.)
declare -A expect=([ipv4_version]=5 [ipv4_ihl]=5 [ipv4_total_length]=5 [ipv4_checksum]=5
	[runt]=5 [ipv4_martian_src]=5 [ipv4_not_for_us]=5 [arp_malformed]=5
	[l2_not_for_us]=5)
declare -A base
for r in "${!expect[@]}"; do base[$r]=$(dp_stat "$PREFIX" drops "$r"); done
ip netns exec "$CLI" /usr/bin/python3 test/lib/bad_frames.py c0 "$dp_mac" 10.99.0.1 5 ||
	check "malformed frames sent" false
sleep 0.5
for r in "${!expect[@]}"; do
	now=$(dp_stat "$PREFIX" drops "$r")
	check "drop reason $r counted ${expect[$r]} times (got $(dp_delta "${base[$r]}" "$now"))" \
		test "$(dp_delta "${base[$r]}" "$now")" -eq "${expect[$r]}"
done
out=$(ip netns exec "$CLI" ping -c 3 -i 0.1 -W 2 10.99.0.1 2>&1)
check "ping still answered after the malformed frames" grep -q '3 received' <<<"$out"
check "data plane still running" kill -0 "$DP_PID"

# A crash (SIGKILL: nothing put back), a new data plane, then its clean stop: the host's
# own settings come back, not the ones the crashed one left (which the new one took for
# the host's before they were kept apart).
kill -KILL "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
wait "$DP_PID" 2>/dev/null || true
check "after a crash, d0 is left quieted ($(knobs))" test "$(knobs)" = "1 8 1 "
dp_start "$DPNS" "$TOPO_DIR/dp.conf" "$PREFIX-2" "$TOPO_DIR/dp-2.log" || exit 1
out=$(ip netns exec "$CLI" ping -c 2 -i 0.1 -W 2 10.99.0.1 2>&1)
check "the next data plane answers ping" grep -q '2 received' <<<"$out"
kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
wait "$DP_PID" 2>/dev/null || true
check "d0's kernel settings put back on exit ($knobs_before)" test "$(knobs)" = "$knobs_before"
check "and the kernel's ephemeral ports ($range_before)" test "$(port_range)" = "$range_before"

check_done "l2l3 endpoint"
