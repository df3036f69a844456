#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile ARP against a running data plane. What the appliance must do:
#  - An ARP flood (100,000 frames from random MACs and addresses, in the client port's
#    subnet and outside it) neither stops an established 200 MB transfer nor fills the
#    neighbour cache past dataplane.neighbour.entries, nor keeps the relay from resolving
#    a backend it never talked to before (frames nobody asked for may take at most half
#    of the cache; the rest is for the addresses the data plane resolves itself); ping,
#    ARP and new verified TLS connections work during and after it.
#  - A sender is learned only on the port whose subnet holds it: claims of the backend's
#    or the gateway's address arriving on the client port are never learned.
#  - A MAC in use is not moved by an ARP nobody asked for: claims of the backend's and
#    the gateway's addresses with an attacker's MAC on the backend port itself leave the
#    entries alone while the real hosts answer; the established transfer goes on, new
#    connections reach the real backends (certificate verified, bytes hashed), and not
#    one relayed frame is sent to an attacker's MAC (captured on both links).
#  - Afterwards the mbuf pool is back at its idle level: no buffer lost to the floods.
#  - A storm of frames for the host reaches it at exception.rate, the rest dropped and
#    counted (kernel_rate); ping and new connections are answered after it.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-l2
CERTS=$TOPO_DIR/certs
ATK_C=02:00:00:ba:d0:01 # attacker on the client link
ATK_S=02:00:00:ba:d0:02 # attacker on the backend link
flows() { dp_field "$PREFIX" flows flows; }
no_flows() { [ "$(flows)" -eq 0 ]; }
some_flow() { [ "$(flows)" -ge 1 ]; }
mbufs() { dp_status "$PREFIX" mbufs_in_use; }
mbufs_back() { [ "$(mbufs)" -le "$base" ]; }
# neighbours: the neighbour cache, an entry a line. Fails when it cannot be read: an
# unread cache would otherwise look empty, and pass every "at most" and "none outside" check.
neighbours() {
	local out
	out=$("$MR_CTL" -p "$PREFIX" show neighbours) || return 1
	tr A-F a-f <<<"$out" | grep -o 'ip=[0-9.]* state=[a-z]* mac=[0-9a-f:]*'
	return 0 # an empty cache is a cache read
}
# neighbour_count: how many entries; nothing (and a failure) when unreadable
neighbour_count() {
	local list
	list=$(neighbours) || return 1
	awk 'NF {n++} END {print n + 0}' <<<"$list"
}
neigh_mac() { neighbours | awk -v ip="ip=$1" '$1 == ip {sub("mac=", "", $3); print $3}'; }
# every entry is in one of the ports' subnets
all_on_link() {
	local list
	list=$(neighbours) || return 1
	! grep -v -e 'ip=10\.99\.0\.' -e 'ip=10\.98\.0\.' <<<"$list" | grep -q .
}
# verified SNI: openssl s_client through the relay's edge, certificate and name checked
# (the name matched exactly or by the certificate's wildcard)
verified() {
	local out
	out=$(echo | ip netns exec "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
		-servername "$1" -CAfile "$CERTS/ca.crt" -verify_return_error -verify_hostname "$1" 2>&1)
	s_client_verified "$1" "$out"
}
# exchange SNI BYTES: a verified TLS exchange, BYTES each way, hashed at both ends
exchange() {
	ip netns exec "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
		"$1" "$CERTS/ca.crt" "$2" "$2" 2>&1
}
pings() { ip netns exec "$RT_CLI" ping -c 10 -i 0.1 -W 2 10.99.0.1 2>&1 | grep -o '[0-9]* received'; }
# capture NS IFACE FILE: relayed (IP) frames sent to either attacker MAC, until stopped
capture() {
	ip netns exec "$1" timeout 120 tcpdump -l -p -nn -e -i "$2" \
		"(ether dst $ATK_C or ether dst $ATK_S) and ip" >"$3" 2>"$3.err" &
	topo_track $!
	CAPTURES+=($!)
	topo_wait_for 5 grep -q 'listening on' "$3.err"
}
CAPTURES=()

rt_build
# More backends behind the same link: 10.98.0.4 is first contacted during the flood;
# 10.95.0.2 is off-link, reached through the svc port's gateway 10.98.0.3.
ip -n "$RT_SRV" addr add 10.98.0.4/24 dev s0
ip -n "$RT_SRV" addr add 10.95.0.2/32 dev s0
bash test/lib/mkcerts.sh "$CERTS" blob.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = {
  eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
          "--log-level", "pmd.net.tap:error" ];
  neighbour = { entries = 32; };
};
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24 | sed 's|ipv4 = "10.98.0.1/24";|& gateway = "10.98.0.3";|')
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { max_flows = 256; closing_timeout_ms = 500; idle_timeout_ms = 20000; };
pools = (
  { name = "blob";  members = ( { address = "10.98.0.2"; port = 9443; } ); },
  { name = "fresh"; members = ( { address = "10.98.0.4"; port = 9443; } ); },
  { name = "gw";    members = ( { address = "10.95.0.2"; port = 9443; } ); }
);
routes = (
  { sni = "blob.svc.example";       pool = "blob"; },
  { sni = "fresh.blob.svc.example"; pool = "fresh"; },
  { sni = "gw.blob.svc.example";    pool = "gw"; }
);
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 600 || exit 1
for addr in 10.98.0.2 10.98.0.4 10.95.0.2; do
	ip netns exec "$RT_SRV" timeout 600 /usr/bin/python3 test/lib/tls_blob.py server "$addr" 9443 \
		"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
	topo_track $!
done
topo_wait_for 10 bash -c "[ \$(ip netns exec '$RT_SRV' ss -Hltn 'sport = :9443' | grep -c LISTEN) -eq 3 ]"
dp_mac=$(ip -n "$RT_DP" -br link show d0 | awk '{print tolower($3)}')
svc_mac=$(ip -n "$RT_DP" -br link show d1 | awk '{print tolower($3)}')
srv_mac=$(ip -n "$RT_SRV" -br link show s0 | awk '{print tolower($3)}')

check "before: blob.svc.example verified through the relay" verified blob.svc.example
check "before: gw.blob.svc.example (via the gateway) verified" verified gw.blob.svc.example
topo_wait_for 10 no_flows
base=$(mbufs)
echo "idle mbufs in use: $base"

# 1. The flood, while 100 MB go each way on an established connection. The frames are
# built first; sending starts once the transfer's flow exists and is paced (12,500 a
# second) so that it outlasts the checks made during it.
ip netns exec "$RT_CLI" timeout 90 /usr/bin/python3 test/lib/arp_flood.py flood c0 "$dp_mac" \
	10.99.0.1 100000 40 --pps 12500 --start-file "$TOPO_DIR/flood.go" >"$TOPO_DIR/flood.out" 2>&1 &
flood=$!
topo_track "$flood"
topo_wait_for 30 grep -q ready "$TOPO_DIR/flood.out"
ip netns exec "$RT_CLI" timeout 300 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 100000000 100000000 >"$TOPO_DIR/long1.out" 2>&1 &
long=$!
topo_track "$long"
topo_wait_for 20 some_flow
touch "$TOPO_DIR/flood.go"
t0=$SECONDS
check "the flood started while the transfer was running" kill -0 "$long"
sleep 0.5
n=$(neighbour_count)
check "during the flood: the neighbour cache holds ${n:-unreadable} entries, at most 32" test "$n" -le 32
out=$(exchange fresh.blob.svc.example 1000000)
check "during the flood: a backend never contacted before is reached, 1 MB each way ($out)" \
	grep -q '^ok ' <<<"$out"
check "during the flood: blob.svc.example verified" verified blob.svc.example
got=$(pings)
check "during the flood: ping answered ($got of 10)" test "$got" = "10 received"
check "the flood was still going on during those checks" kill -0 "$flood"
wait "$flood"
check "flood: $(tail -1 "$TOPO_DIR/flood.out")" grep -q 'sent 100000 frames' "$TOPO_DIR/flood.out"
wait "$long"
check "the established transfer completed through the flood ($(cat "$TOPO_DIR/long1.out"))" \
	grep -q '^ok ' "$TOPO_DIR/long1.out"
echo "flood and transfer: $((SECONDS - t0)) s"
n=$(neighbour_count)
check "after the flood: ${n:-unreadable} neighbour entries, at most 32" test "$n" -le 32
check "after the flood: no entry outside the ports' subnets" all_on_link
for ip in 10.98.0.2 10.98.0.3 10.98.0.4; do
	check "after the flood: $ip still at the backend link's MAC ($(neigh_mac $ip))" \
		test "$(neigh_mac $ip)" = "$srv_mac"
done
check "after the flood: senders off the port's subnet were not learned ($(counter arp_off_link))" \
	test "$(counter arp_off_link)" -gt 0
out=$(ip netns exec "$RT_CLI" arping -c 3 -w 5 -I c0 10.99.0.1 2>&1)
check "after the flood: arping answered 3 times" grep -q 'Received 3 response' <<<"$out"
got=$(pings)
check "after the flood: ping answered ($got of 10)" test "$got" = "10 received"
check "after the flood: blob.svc.example verified" verified blob.svc.example
check "after the flood: the flows are gone" topo_wait_for 10 no_flows
check "after the flood: mbufs in use back to the idle level ($base)" \
	topo_wait_for 10 mbufs_back

# 2. Spoofing, while 50 MB go each way on an established connection: on the client link
# (the wrong port) and on the backend link, the backend's, the gateway's and the
# appliance's own addresses claimed for an attacker's MAC.
check "before spoofing: the backend's entry is in use" verified blob.svc.example
check "before spoofing: the gateway's entry is in use" verified gw.blob.svc.example
capture "$RT_SRV" s0 "$TOPO_DIR/cap-s0"
capture "$RT_CLI" c0 "$TOPO_DIR/cap-c0"
topo_wait_for 10 no_flows # the next flow is the transfer's
conflict0=$(counter neigh_conflict)
offlink0=$(counter arp_off_link)
ip netns exec "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/arp_flood.py spoof c0 "$dp_mac" \
	10.99.0.1 10.98.0.2,10.98.0.3,10.99.0.1 "$ATK_C" 10000 12 --pps 1000 \
	--start-file "$TOPO_DIR/spoof.go" >"$TOPO_DIR/spoof-c0.out" 2>&1 &
spoof_c=$!
topo_track "$spoof_c"
ip netns exec "$RT_SRV" timeout 60 /usr/bin/python3 test/lib/arp_flood.py spoof s0 "$svc_mac" \
	10.98.0.1 10.98.0.2,10.98.0.3,10.98.0.1 "$ATK_S" 10000 12 --pps 1000 \
	--start-file "$TOPO_DIR/spoof.go" >"$TOPO_DIR/spoof-s0.out" 2>&1 &
spoof_s=$!
topo_track "$spoof_s"
topo_wait_for 30 grep -q ready "$TOPO_DIR/spoof-c0.out"
topo_wait_for 30 grep -q ready "$TOPO_DIR/spoof-s0.out"
ip netns exec "$RT_CLI" timeout 300 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 50000000 50000000 >"$TOPO_DIR/long2.out" 2>&1 &
long=$!
topo_track "$long"
topo_wait_for 20 some_flow
touch "$TOPO_DIR/spoof.go"
check "the spoofing started while the transfer was running" kill -0 "$long"
sleep 1
for round in 1 2 3; do
	check "spoofing, round $round: blob.svc.example verified" verified blob.svc.example
	out=$(exchange blob.svc.example 1000000)
	check "spoofing, round $round: 1 MB each way to the real backend ($out)" grep -q '^ok ' <<<"$out"
	out=$(exchange gw.blob.svc.example 1000000)
	check "spoofing, round $round: 1 MB each way through the real gateway ($out)" grep -q '^ok ' <<<"$out"
done
check "the spoofing went on during those rounds" kill -0 "$spoof_c"
wait "$spoof_c" "$spoof_s"
echo "spoofed: client link $(tail -1 "$TOPO_DIR/spoof-c0.out"), backend link $(tail -1 "$TOPO_DIR/spoof-s0.out")"
for ip in 10.98.0.2 10.98.0.3; do
	check "after spoofing: $ip still at the backend link's MAC ($(neigh_mac $ip))" \
		test "$(neigh_mac $ip)" = "$srv_mac"
done
check "after spoofing: no entry outside the ports' subnets" all_on_link
check "after spoofing: claims from the wrong port counted as off-link" \
	test "$(counter arp_off_link)" -gt "$offlink0"
check "after spoofing: claims of another MAC for addresses in use counted as conflicts" \
	test "$(counter neigh_conflict)" -gt "$conflict0"
wait "$long"
check "the established transfer completed through the spoofing ($(cat "$TOPO_DIR/long2.out"))" \
	grep -q '^ok ' "$TOPO_DIR/long2.out"
check "a new connection after spoofing reaches the real backend" verified blob.svc.example
for pid in "${CAPTURES[@]}"; do kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
for cap in cap-s0 cap-c0; do
	check "no relayed frame sent to an attacker's MAC (captured on ${cap#cap-}: $(grep -c . "$TOPO_DIR/$cap"))" \
		test "$(grep -c . "$TOPO_DIR/$cap")" -eq 0
	check "the capture on ${cap#cap-} ran to the end" grep -q 'packets captured' "$TOPO_DIR/$cap.err"
done
check "the flows are gone" topo_wait_for 10 no_flows
check "mbufs in use back to the idle level ($base) after the floods" \
	topo_wait_for 10 mbufs_back

# 3. A storm of frames only the host could want (broadcast, an experimental ethertype):
# the exception path takes exception.rate a second of them (20,000 by default, from a
# bucket of 2,000), the rest dropped as kernel_rate rather than each costing the worker a
# write to the tap; the relay keeps answering.
host0=$(counter to_kernel)
limited0=$(drop kernel_rate)
ip netns exec "$RT_CLI" timeout 30 /usr/bin/python3 test/lib/arp_flood.py storm c0 "$dp_mac" \
	10.99.0.1 100000 8 >"$TOPO_DIR/storm.out" 2>&1
# The sender's time, rounded up, and a second for the queues that drain after it.
secs=$(awk '/^sent/ {print int($5) + 2}' "$TOPO_DIR/storm.out")
host=$(dp_delta "$host0" "$(counter to_kernel)")
limited=$(dp_delta "$limited0" "$(drop kernel_rate)")
check "storm: $(tail -1 "$TOPO_DIR/storm.out"); $host to the host, $limited held to its rate" \
	test "$limited" -gt 0 -a "$host" -le $((20000 * ${secs:-0} + 2000))
check "after the storm: ping answered ($(pings) of 10)" test "$(pings)" = "10 received"
check "after the storm: blob.svc.example verified" verified blob.svc.example
"$MR_CTL" -p "$PREFIX" show counters | grep -e arp -e neigh -e kernel | sed 's/^/  /'
check "data plane still running" kill -0 "$DP_PID"
check_done "hostile l2"
