#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Path MTU through the relay: a Linux router sits between the appliance and both its
# client and its server, and its routes to them carry less than the 1500 bytes of every
# link (1200 and 1300 over IPv4, 1280 over IPv6), with no MSS clamping: the ends announce
# MSS 1460 (1440), and only the router's too-big errors, sent to the relay's addresses,
# tell of the smaller path. TLS transfers both ways over both families must come through
# whole (hashes checked at both ends), with two workers, so that errors arriving on one
# worker's queue reach the worker owning the connection they quote. The relay tells a
# client of its server's path, as a too-big error about the client's own connection; it
# does not tell a server of a client's path.
#
#   cli c0 10.95.0.2 -- r0 [rtr] r1 10.99.0.254 -- d0 edge 10.99.0.1 \ meshrelay-dp
#   srv s0 10.94.0.2 -- r3 [rtr] r2 10.98.0.254 -- d1 svc  10.98.0.1 /  (ns dp)
#
# The relay's one gateway is svc's: it reaches its server through it, and answers each
# client on the link and at the MAC the client's segments came from.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-pmtu
CERTS=$TOPO_DIR/certs
RTR=${TOPO_TAG}-rtr
for ns in "$RT_CLI" "$RT_DP" "$RT_SRV" "$RTR"; do
	topo_ns "$ns"
done
topo_veth "$RT_CLI" c0 "$RTR" r0
topo_veth "$RTR" r1 "$RT_DP" d0
topo_veth "$RTR" r2 "$RT_DP" d1
topo_veth "$RT_SRV" s0 "$RTR" r3
for ifc in d0 d1; do
	topo_dp_side "$RT_DP" "$ifc"
done
rtr_addr() { # rtr_addr IF V4/PREFIX V6/PREFIX
	ip -n "$RTR" addr add "$2" dev "$1"
	ip -n "$RTR" addr add "$3" dev "$1" nodad
}
rtr_addr r0 10.95.0.1/24 fd00:95::1/64
rtr_addr r1 10.99.0.254/24 fd00:99::fe/64
rtr_addr r2 10.98.0.254/24 fd00:98::fe/64
rtr_addr r3 10.94.0.1/24 fd00:94::1/64
for ifc in r1 r2; do
	topo_kernel_side "$RTR" "$ifc"
done
ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# The smaller paths, as routes of the router (locked: Linux's forwarding honours them).
ip -n "$RTR" route replace 10.95.0.2/32 dev r0 mtu lock 1200
ip -n "$RTR" route replace 10.94.0.2/32 dev r3 mtu lock 1300
ip -n "$RTR" -6 route replace fd00:95::2/128 dev r0 mtu 1280
ip -n "$RTR" -6 route replace fd00:94::2/128 dev r3 mtu 1280
ip -n "$RT_CLI" addr add 10.95.0.2/24 dev c0
ip -n "$RT_CLI" addr add fd00:95::2/64 dev c0 nodad
ip -n "$RT_CLI" route add default via 10.95.0.1
ip -n "$RT_CLI" -6 route add default via fd00:95::1
ip -n "$RT_SRV" addr add 10.94.0.2/24 dev s0
ip -n "$RT_SRV" addr add fd00:94::2/64 dev s0 nodad
ip -n "$RT_SRV" route add default via 10.94.0.1
ip -n "$RT_SRV" -6 route add default via fd00:94::1

bash test/lib/mkcerts.sh "$CERTS" blob.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
$(rt_dataplane_two_workers)
ports = (
$(rt_port_two_queues edge d0 10.99.0.1/24 fd00:99::1/64),
$(rt_port_two_queues svc d1 10.98.0.1/24 fd00:98::1/64 | sed 's|ipv4 = "10.98.0.1/24";|& gateway = "10.98.0.254"; gateway6 = "fd00:98::fe";|')
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { closing_timeout_ms = 500; };
pools = ( { name = "blob"; members = ( { address = "10.94.0.2"; port = 9443; } ); },
          { name = "blob6"; members = ( { address = "fd00:94::2"; port = 9443; } ); } );
routes = ( { sni = "blob.svc.example"; pool = "blob"; },
           { sni = "v6.blob.svc.example"; pool = "blob6"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
for addr in 10.94.0.2 fd00:94::2; do
	in_ns "$RT_SRV" timeout 300 /usr/bin/python3 test/lib/tls_blob.py server "$addr" 9443 \
		"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
	topo_track $!
done
topo_wait_for 10 bash -c "test \$(ip netns exec '$RT_SRV' ss -Hltn 'sport = :9443' | wc -l) -eq 2"

# transfer ADDR SNI UP DOWN: one connection, verified at both ends.
transfer() {
	in_ns "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/tls_blob.py client "$1" 443 "$2" \
		"$CERTS/ca.crt" "$3" "$4" 2>&1
}
# An upload: the server's path (1300) is told to the client, which then sends segments
# that fit (Linux resends at once); the relay cuts next to none. Not told, it would cut
# some 2,800 segments in two.
split0=$(counter segment_split)
out=$(transfer 10.99.0.1 blob.svc.example 4000000 1000)
split1=$(counter segment_split)
check "IPv4 upload behind a path of 1300 bytes: 4 MB, sha256 equal ($out)" grep -q '^ok ' <<<"$out"
check "the client was told of the server's path ($(counter pmtu_told) told, $(dp_delta "$split0" "$split1") pieces cut)" \
	test "$(counter pmtu_told)" -ge 1 -a "$(dp_delta "$split0" "$split1")" -lt 100
# A download: the client's path (1200) is not told to the server, which would keep it for
# every client's connection to the relay's address: the relay cuts its segments.
told=$(counter pmtu_told)
out=$(transfer 10.99.0.1 blob.svc.example 1000 4000000)
split2=$(counter segment_split)
check "IPv4 download behind a path of 1200 bytes: 4 MB, sha256 equal ($out)" grep -q '^ok ' <<<"$out"
check "the server was not told; the relay cut its segments ($(dp_delta "$split1" "$split2") pieces)" \
	test "$(counter pmtu_told)" -eq "$told" -a "$(dp_delta "$split1" "$split2")" -gt 1000
out=$(transfer fd00:99::1 v6.blob.svc.example 4000000 4000000)
check "IPv6 behind paths of 1280 bytes: 4 MB each way, sha256 equal ($out)" \
	grep -q '^ok ' <<<"$out"
# Each connection's path was lowered once per side that was too small.
check "the router's errors lowered a side of each connection, both of the last ($(counter pmtu_lowered))" \
	test "$(counter pmtu_lowered)" -ge 4
echo "too-big errors quoting bytes no longer in flight: $(drop icmp_quote_stale)"
# The relay's own address still answers the router's errors about the host's traffic:
# a ping too big for the client's path from the appliance's host is told to fragment.
out=$(in_ns "$RT_DP" ping -c 1 -W 2 -M do -s 1300 -I mr-svc 10.95.0.2 2>&1)
check "the host's own too-big errors still reach it ($(grep -m1 -i 'frag' <<<"$out"))" \
	grep -q 'Frag needed and DF set (mtu = 1200)' <<<"$out"
check "data plane still running" kill -0 "$DP_PID"
check_done "path-mtu"
