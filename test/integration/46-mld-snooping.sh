#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The edge port's IPv6 address behind a switch that snoops MLD: a Linux bridge with
# snooping and its own querier, which floods no unregistered multicast to the appliance's
# port. The data plane's reports put its solicited-node group in the bridge's table, its
# answers to the querier keep it there past the membership interval, a client's neighbour
# solicitation reaches it (ping -6 answered), and its leave at stop takes the group out.
# Before, the port never reported: behind such a switch, no neighbour found it.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

T=$TOPO_TAG
CLI=${T}-cli
BR=${T}-br
DPNS=${T}-dp
PREFIX=${T}-mld
GROUP=ff02::1:ff00:1
for ns in "$CLI" "$BR" "$DPNS"; do
	topo_ns "$ns"
done
topo_veth "$CLI" c0 "$BR" bc
topo_veth "$DPNS" d0 "$BR" bd
topo_dp_side "$DPNS" d0
# Times in centiseconds: a query every 2 s with 1 s to answer; a group not heard of for
# 5 s is dropped from the table.
# After a leave, the bridge asks twice, 0.1 s apart, then drops the group.
ip -n "$BR" link add br0 type bridge mcast_snooping 1 mcast_querier 1 mcast_mld_version 2 \
	mcast_query_interval 200 mcast_query_response_interval 100 \
	mcast_membership_interval 500 mcast_startup_query_interval 100 \
	mcast_last_member_interval 10
ip -n "$BR" link set bc master br0
ip -n "$BR" link set bd master br0
ip netns exec "$BR" bridge link set dev bd mcast_flood off
ip -n "$BR" link set br0 up
ip -n "$CLI" addr add fd00:99::2/64 dev c0 nodad
topo_kernel_side "$CLI" c0

member() { ip netns exec "$BR" bridge mdb show dev br0 | grep -q "port bd grp $GROUP"; }

cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24 fd00:99::1/64)
);
CONF
dp_start "$DPNS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1

check "the bridge lists the port in the solicited-node group of fd00:99::1" \
	topo_wait_for 10 member
# The bridge floods multicast for its first seconds (but not to this port), then forwards
# by its table alone: from then on only the port's report brings it the client's
# neighbour solicitations. Asked again each second until answered, within 20 s.
answered() { in_ns "$CLI" ping -6 -c 1 -W 1 fd00:99::1; }
check "ping -6 through the snooping bridge answered" topo_wait_for 20 answered
check "the client learned the port's MAC by ND" \
	bash -c "ip -n '$CLI' -6 neigh show fd00:99::1 | grep -Eq 'REACHABLE|STALE|DELAY'"
# Past the membership interval (5 s) twice over: only answers to the querier keep it.
sleep 11
check "queries about the group answered ($(counter mld_query_in) heard)" test "$(counter mld_query_in)" -ge 3
check "still in the bridge's table after 11 s" member
ip -n "$CLI" -6 neigh flush dev c0
out=$(in_ns "$CLI" ping -6 -c 2 -i 0.2 -W 2 fd00:99::1 2>&1)
check "ping -6 answered again, the neighbour asked anew" grep -q '2 received' <<<"$out"

kill -INT "$DP_PID"
wait "$DP_PID"
check "clean exit on SIGINT" test $? -eq 0
# The last answer was at most 3 s before the stop, so the group would stay 2 s more
# without the leave.
not_member() { ! member; }
check "the leave took the group out of the bridge's table within 1 s" topo_wait_for 1 not_member
check_done "mld snooping"
