#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DNS answered by the data plane (dns = { port = "edge"; zones = [ "svc.example" ]; }),
# asked by real resolvers' tools and by an unmodified client:
#  - dig and kdig: a routed name gets the edge address (A over IPv4, AAAA over IPv6), a
#    wildcard name too, a type it has no record of NODATA, another name of the zone
#    NXDOMAIN, both with the zone's SOA;
#  - a name outside the zone, and a NOTIFY, go to the host through the exception path,
#    where dnsmasq answers them;
#  - the client namespace's resolver points at the gateway: glibc (getent) resolves the
#    service, and openssl s_client reaches it by name alone, its certificate verified;
#  - dig +tcp gets the same answer over TCP, and its FIN after it is acknowledged;
#  - one client asking 400 times at once is held to dns.rate (RRL): the rest unanswered
#    or truncated, counted;
#  - an established flow carries 30 MB each way beside a flood of queries as it does alone.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-dns
CERTS=$TOPO_DIR/certs
trap 'rm -rf "/etc/netns/$RT_CLI"; topo_cleanup' EXIT
ask() { ip netns exec "$RT_CLI" timeout 10 "$@" 2>&1; }
gen_seconds() { tr ' ' '\n' <<<"$1" | sed -n 's/^seconds=//p'; }

rt_build
rt_add_ipv6
bash test/lib/mkcerts.sh "$CERTS" blob.svc.example bulk.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24 fd00:99::1/64),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
pools = ( { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); },
          { name = "bulk"; members = ( { address = "10.98.0.2"; port = 9444; } ); } );
routes = ( { sni = "blob.svc.example"; pool = "blob"; },
           { sni = "bulk.svc.example"; pool = "bulk"; },
           { sni = "*.apps.svc.example"; pool = "blob"; } );
dns = { port = "edge"; zones = [ "svc.example" ]; ttl = 20; rate = 50; };
CONF
ports_before=$(ip netns exec "$RT_DP" cat /proc/sys/net/ipv4/ip_local_port_range)
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
ip netns exec "$RT_SRV" timeout 120 openssl s_server -quiet -accept 10.98.0.2:9443 -www \
	-cert "$CERTS/blob.svc.example.crt" -key "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
topo_track $!
# The host's resolver behind the exception path, on the port's address in its namespace.
ip netns exec "$RT_DP" timeout 120 dnsmasq --no-daemon --no-resolv --no-hosts \
	--listen-address=10.99.0.1 --bind-interfaces --address=/outside.test/192.0.2.7 \
	--pid-file= >"$TOPO_DIR/dnsmasq.log" 2>&1 &
topo_track $!
topo_wait_for 10 bash -c "ip netns exec '$RT_DP' ss -Hlun 'sport = :53' | grep -q 10.99.0.1"

out=$(ask dig @10.99.0.1 blob.svc.example A +norecurse)
check "dig: blob.svc.example A is the edge address, authoritative, TTL 20" \
	bash -c "grep -q 'status: NOERROR' <<<'$out' && grep -q 'flags: qr aa' <<<'$out' &&
		 grep -Eq '^blob.svc.example.\s+20\s+IN\s+A\s+10.99.0.1' <<<'$out'"
out=$(ask kdig @10.99.0.1 Web.Apps.Svc.Example A)
check "kdig: a name under the wildcard route, asked in mixed case" \
	bash -c "grep -q 'NOERROR' <<<'$out' && grep -Eiq '^web.apps.svc.example.\s+20\s+IN\s+A\s+10.99.0.1' <<<'$out'"
out=$(ask dig @fd00:99::1 blob.svc.example AAAA +short)
check "dig over IPv6: its AAAA is the edge's IPv6 address ($out)" test "$out" = fd00:99::1
out=$(ask dig @10.99.0.1 blob.svc.example MX)
check "dig: MX of it is NODATA with the zone's SOA" \
	bash -c "grep -q 'status: NOERROR' <<<'$out' && grep -q 'ANSWER: 0' <<<'$out' &&
		 grep -Eq '^svc.example.\s+20\s+IN\s+SOA\s+ns.svc.example. hostmaster.svc.example.' <<<'$out'"
out=$(ask dig +tcp @10.99.0.1 blob.svc.example A +short)
check "dig +tcp: the same over TCP ($out, $(counter dns_tcp) answered over TCP)" \
	test "$out" = 10.99.0.1 -a "$(counter dns_tcp)" -ge 1
# dig closes its side once answered: the relay acknowledges that FIN, so no socket of the
# client is left resending it (LAST-ACK) a second later.
sleep 1
lastack=$(ip netns exec "$RT_CLI" ss -Htan state last-ack 'dport = :53' | wc -l)
check "dig +tcp: its FIN acknowledged, no socket left in LAST-ACK ($lastack)" test "$lastack" -eq 0
out=$(ask kdig @10.99.0.1 nope.svc.example A)
check "kdig: a name of the zone it does not route is NXDOMAIN" \
	bash -c "grep -q 'NXDOMAIN' <<<'$out' && grep -q 'SOA' <<<'$out'"
out=$(ask dig @10.99.0.1 www.outside.test A +short)
check "dig: a name outside the zone answered by the host's resolver ($out)" test "$out" = 192.0.2.7
check "counted: $(counter dns_answered) answered, $(counter dns_nodata) NODATA, $(counter dns_nxdomain) NXDOMAIN, $(counter dns_to_host) to the host" \
	test "$(counter dns_answered)" -ge 2 -a "$(counter dns_nodata)" -ge 1 -a \
	"$(counter dns_nxdomain)" -ge 1 -a "$(counter dns_to_host)" -ge 1
# A message that is not a standard query (a primary's NOTIFY) is the host's server's to
# answer, as the names outside the zones are. Before, the relay answered it NOTIMP.
to_host=$(counter dns_to_host)
formerr=$(counter dns_formerr)
out=$(ask dig @10.99.0.1 +opcode=notify +norecurse +tries=1 +timeout=2 www.outside.test SOA)
check "a NOTIFY goes to the host's server ($(counter dns_to_host) to the host, $(counter dns_formerr) FORMERR or NOTIMP)" \
	test "$(counter dns_to_host)" -gt "$to_host" -a "$(counter dns_formerr)" -eq "$formerr"

# An unmodified client: its resolver is the gateway.
mkdir -p "/etc/netns/$RT_CLI"
echo "nameserver 10.99.0.1" >"/etc/netns/$RT_CLI/resolv.conf"
out=$(ask getent ahosts blob.svc.example)
check "glibc (getent ahosts) resolves blob.svc.example to the gateway" grep -q '^10.99.0.1 ' <<<"$out"
out=$(echo | ask openssl s_client -connect blob.svc.example:443 -servername blob.svc.example \
	-CAfile "$CERTS/ca.crt" -verify_return_error -verify_hostname blob.svc.example)
check "s_client reaches blob.svc.example by name alone, certificate verified" \
	s_client_verified blob.svc.example "$out"

# One client asking 400 times at once: at most 50 full answers a second (fewer when its
# queries above fell in the same second).
limited0=$(counter dns_rate_limited)
out=$(ip netns exec "$RT_CLI" timeout 20 /usr/bin/python3 - <<'PY'
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04blob\x03svc\x07example\x00\x00\x01\x00\x01"
for i in range(400):
    s.sendto(struct.pack(">H", i) + q[2:], ("10.99.0.1", 53))
full = tc = 0
s.settimeout(1)
try:
    while True:
        a = s.recv(2048)
        if a[2] & 2:
            tc += 1
        else:
            full += 1
except socket.timeout:
    pass
print(full, tc)
PY
)
read -r full tc <<<"$out"
check "RRL: 400 queries at once, $full full answers, $tc truncated, $(dp_delta "$limited0" "$(counter dns_rate_limited)") unanswered" \
	test "${full:-0}" -gt 0 -a "${full:-999}" -le 100 -a "${tc:-0}" -gt 0 -a \
	"$(dp_delta "$limited0" "$(counter dns_rate_limited)")" -gt 0
# An established flow beside a query flood: 30 MB each way, alone, then while one client
# sends 150,000 queries as fast as it can (bounded at 15 s): both byte-identical; times
# printed.
ip netns exec "$RT_SRV" timeout 120 /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9444 \
	"$CERTS/bulk.svc.example.crt" "$CERTS/bulk.svc.example.key" >/dev/null 2>&1 &
topo_track $!
topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :9444' | grep -q LISTEN"
bulk() {
	ip netns exec "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
		bulk.svc.example "$CERTS/ca.crt" 31457280 31457280 2>&1
}
alone=$(bulk)
check "30 MB each way alone ($(gen_seconds "$alone") s)" grep -q '^ok ' <<<"$alone"
limited0=$(counter dns_rate_limited)
ip netns exec "$RT_CLI" timeout 15 /usr/bin/python3 - >"$TOPO_DIR/flood.out" 2>&1 <<'PY' &
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
q = b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04blob\x03svc\x07example\x00\x00\x01\x00\x01"
sent = 0
for i in range(150000):
    try:
        s.sendto(struct.pack(">H", i & 0xffff) + q, ("10.99.0.1", 53))
        sent += 1
    except BlockingIOError:
        pass
    try:
        while True:
            s.recv(2048)
    except BlockingIOError:
        pass
print("sent", sent)
PY
flood=$!
topo_track "$flood"
beside=$(bulk)
wait "$flood"
check "30 MB each way beside the flood ($(gen_seconds "$beside") s; $(cat "$TOPO_DIR/flood.out"), $(dp_delta "$limited0" "$(counter dns_rate_limited)") unanswered by RRL)" \
	grep -q '^ok ' <<<"$beside"
check "data plane still running" kill -0 "$DP_PID"
# With an exception path the data plane moves the kernel's ephemeral ports out of its
# source ports; stopped, it puts them back (before, the host kept the narrower range).
ports_during=$(ip netns exec "$RT_DP" cat /proc/sys/net/ipv4/ip_local_port_range)
kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
wait "$DP_PID" 2>/dev/null || true
ports_after=$(ip netns exec "$RT_DP" cat /proc/sys/net/ipv4/ip_local_port_range)
check "the kernel's ephemeral ports: $(tr -s '\t' ' ' <<<"$ports_before") before, $(tr -s '\t' ' ' <<<"$ports_during") while it ran, $(tr -s '\t' ' ' <<<"$ports_after") after" \
	test "$ports_after" = "$ports_before" -a "$ports_during" != "$ports_before"
check_done "dns"
