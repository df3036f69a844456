#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A neighbour that cached another MAC for the port's addresses (the appliance replaced, a
# VM moved to another NIC) takes the port's own as soon as the data plane starts, without
# sending anything itself: ARP announcements and unsolicited neighbour advertisements
# (override) update its IPv4 and IPv6 entries. The same when the port's link goes down
# and comes back up (counted link_down, link_up). Before, the neighbour kept the old MAC
# until its cache timed out, hours on some routers.
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
topo_kernel_side "$CLI" c0
OURS=$(ip -n "$DPNS" -br link show d0 | awk '{print $3}')

# stale_entries: the client believes the port's addresses are at $OLD (older than the
# kernel's one-second lock on changes).
stale_entries() {
	ip -n "$CLI" neigh replace 10.99.0.1 lladdr "$OLD" dev c0 nud stale
	ip -n "$CLI" -6 neigh replace fd00:99::1 lladdr "$OLD" dev c0 nud stale
	sleep 1.2
}
at_ours() { # at_ours ADDRESS: the client's entry for it names the port's MAC
	ip -n "$CLI" neigh show "$1" dev c0 | grep -qi "lladdr $OURS"
}

cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24 fd00:99::1/64)
);
CONF
stale_entries
check "the client starts out with the old MAC" \
	bash -c "ip -n '$CLI' neigh show 10.99.0.1 dev c0 | grep -qi 'lladdr $OLD'"
dp_start "$DPNS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
check "the IPv4 entry takes the port's MAC at start" topo_wait_for 5 at_ours 10.99.0.1
check "the IPv6 entry takes the port's MAC at start" topo_wait_for 5 at_ours fd00:99::1
# Asked nothing, the port says nothing more: two rounds only.
sleep 4
check "two rounds of announcements, no more ($(counter announce_out))" \
	test "$(counter announce_out)" -eq 4
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
check "the link going down is seen" topo_wait_for 5 link_seen down
ip -n "$DPNS" link set d0 up
check "the link coming back up is seen" topo_wait_for 5 link_seen up
check "the IPv4 entry is learned from the announcement" topo_wait_for 5 at_ours 10.99.0.1
eight_announced() { [ "$(counter announce_out)" -ge 8 ]; }
check "announced twice more after the link came back" topo_wait_for 5 eight_announced
out=$(in_ns "$CLI" ping -c 2 -i 0.2 -W 2 10.99.0.1 2>&1)
check "ping answered after the flap" grep -q '2 received' <<<"$out"

kill -INT "$DP_PID"
wait "$DP_PID"
check "clean exit on SIGINT" test $? -eq 0
check_done "announce"
