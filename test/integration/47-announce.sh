#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A neighbour that cached another MAC for the port's addresses (the appliance replaced, a
# VM moved to another NIC) takes the port's own as soon as the data plane starts, without
# sending anything itself: ARP announcements and unsolicited neighbour advertisements
# (override) update its IPv4 and IPv6 entries, and its entry for a plain service's VIP
# (the service served by another appliance before). The same when the port's link goes
# down and comes back up (counted link_down, link_up); a push announces only the VIP it
# brings. Before, the neighbour kept the old MAC until its cache timed out, hours on some
# routers, and no VIP was ever announced.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

T=$TOPO_TAG
CLI=${T}-cli
DPNS=${T}-dp
PREFIX=${T}-announce
OLD=02:00:00:00:00:99
topo_ns "$CLI"
topo_ns "$DPNS"
topo_veth "$CLI" c0 "$DPNS" d0
topo_dp_side "$DPNS" d0
ip -n "$CLI" addr add 10.99.0.2/24 dev c0
ip -n "$CLI" addr add fd00:99::2/64 dev c0 nodad
ip -n "$CLI" route add 240.240.0.0/16 dev c0 # the VIPs, on the link as the DNS port has them
topo_kernel_side "$CLI" c0
OURS=$(ip -n "$DPNS" -br link show d0 | awk '{print $3}')

# stale_entries: the client believes the port's addresses are at $OLD (older than the
# kernel's one-second lock on changes).
stale_entries() {
	ip -n "$CLI" neigh replace 10.99.0.1 lladdr "$OLD" dev c0 nud stale
	ip -n "$CLI" -6 neigh replace fd00:99::1 lladdr "$OLD" dev c0 nud stale
	ip -n "$CLI" neigh replace 240.240.0.5 lladdr "$OLD" dev c0 nud stale
	sleep 1.2
}
at_ours() { # at_ours ADDRESS: the client's entry for it names the port's MAC
	ip -n "$CLI" neigh show "$1" dev c0 | grep -qi "lladdr $OURS"
}

# One plain service, at a VIP of the DNS port's range.
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24 fd00:99::1/64)
);
pools = ( { name = "ssh"; members = ( { address = "10.99.0.5"; port = 22; } ); } );
routes = ( { name = "ssh.svc.example"; protocol = "tcp"; port = 22; pool = "ssh";
             vip = "240.240.0.5"; } );
dns = { port = "edge"; zones = [ "svc.example" ]; vip_range = "240.240.0.0/16"; };
CONF
stale_entries
check "the client starts out with the old MAC" \
	bash -c "ip -n '$CLI' neigh show 10.99.0.1 dev c0 | grep -qi 'lladdr $OLD'"
dp_start "$DPNS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
check "the IPv4 entry takes the port's MAC at start" topo_wait_for 5 at_ours 10.99.0.1
check "the IPv6 entry takes the port's MAC at start" topo_wait_for 5 at_ours fd00:99::1
check "the VIP's entry takes the port's MAC at start" topo_wait_for 5 at_ours 240.240.0.5
# Asked nothing, the port says nothing more: two rounds only (its two addresses, the VIP).
sleep 4
check "two rounds of announcements, no more ($(counter announce_out))" \
	test "$(counter announce_out)" -eq 6

# A push with a second service: its VIP announced (twice), the first one not again.
ip -n "$CLI" neigh replace 240.240.0.6 lladdr "$OLD" dev c0 nud stale
sleep 1.2
sed -i 's|vip = "240.240.0.5"; }|&,\n           { name = "db.svc.example"; protocol = "tcp"; port = 5432; pool = "ssh"; vip = "240.240.0.6"; }|' \
	"$TOPO_DIR/dp.conf"
out=$("$MR_CTL" -s "$DP_SOCK" push "$TOPO_DIR/dp.conf" 2>&1)
check "push of the file with a second service ($out)" test $? -eq 0
check "the new VIP's entry takes the port's MAC" topo_wait_for 5 at_ours 240.240.0.6
sleep 3
check "the new VIP announced twice, nothing else ($(counter announce_out))" \
	test "$(counter announce_out)" -eq 8
out=$(in_ns "$CLI" ping -c 2 -i 0.2 -W 2 10.99.0.1 2>&1)
check "ping answered" grep -q '2 received' <<<"$out"

# The port's link goes down and comes back up (its kernel interface, which an af_packet
# port's link is): counted, and the addresses announced again. The client's kernel
# forgets its neighbours when its carrier drops: here it takes IPv4 ones from
# announcements (arp_accept), so that what it learns is what was announced. (It creates
# IPv6 entries from unsolicited advertisements of routers only; the unit suite
# "announce" checks the advertisement after a link comes back up.)
in_ns "$CLI" sysctl -qw net.ipv4.conf.c0.arp_accept=1
ip -n "$DPNS" link set d0 down
link_seen() { [ "$(counter "link_$1")" -ge 1 ]; }
# The port's report says the link as the interface has it (the af_packet PMD says "up"
# whatever the interface does; the report used to repeat it).
port_link_is() {
	[ "$("$MR_CTL" -p "$PREFIX" --json show port edge 2>/dev/null | /usr/bin/python3 -c \
		'import json,sys; print(list(json.load(sys.stdin).values())[0]["link"])' \
		2>/dev/null)" = "$1" ]
}
check "the link going down is seen" topo_wait_for 5 link_seen down
check "... and the port's report says it is down" topo_wait_for 3 port_link_is down
ip -n "$DPNS" link set d0 up
check "the link coming back up is seen" topo_wait_for 5 link_seen up
check "... and the port's report says it is up" topo_wait_for 3 port_link_is up
check "the IPv4 entry is learned from the announcement" topo_wait_for 5 at_ours 10.99.0.1
both_vips_ours() { at_ours 240.240.0.5 && at_ours 240.240.0.6; }
check "both VIPs' entries are learned from the announcements" topo_wait_for 5 both_vips_ours
all_announced() { [ "$(counter announce_out)" -ge 16 ]; }
check "announced twice more after the link came back (both addresses, both VIPs)" \
	topo_wait_for 5 all_announced
out=$(in_ns "$CLI" ping -c 2 -i 0.2 -W 2 10.99.0.1 2>&1)
check "ping answered after the flap" grep -q '2 received' <<<"$out"

kill -INT "$DP_PID"
wait "$DP_PID"
check "clean exit on SIGINT" test $? -eq 0
check_done "announce"
