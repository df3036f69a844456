#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Plain TCP services by VIP (dns.vip_range = "240.240.0.0/16"): no ClientHello, so each
# service gets an address of its own, which the data plane owns on the edge port.
#  - dig: ssh.svc.example and echo.svc.example get two different VIPs of the range (not
#    the edge address), stable across a reload of the configuration;
#  - ssh (a server that speaks first) reaches sshd through its VIP by name alone, the host
#    key checked; 8 MB through it come back with the same hash;
#  - a client-first echo service on another VIP, reached over an on-link route (ARP for
#    the VIP): 4 MB back byte-identical;
#  - the VIP answers ping; a port of it without a service refuses at once (RST);
#  - SYN cookies hold: the flows are made by the handshake's ACK, counted.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh
. test/lib/sshd.sh

PREFIX=${TOPO_TAG}-plain
SSH_DIR=$TOPO_DIR/ssh
trap 'rm -rf "/etc/netns/$RT_CLI"; topo_cleanup' EXIT
ask() { ip netns exec "$RT_CLI" timeout 10 "$@" 2>&1; }

rt_build
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
pools = ( { name = "ssh"; members = ( { address = "10.98.0.2"; port = 2222; } ); },
          { name = "echo"; members = ( { address = "10.98.0.2"; port = 7000; } ); } );
routes = ( { name = "ssh.svc.example"; protocol = "tcp"; port = 22; pool = "ssh"; },
           { name = "echo.svc.example"; protocol = "tcp"; port = 7; pool = "echo"; } );
dns = { port = "edge"; zones = [ "svc.example" ]; vip_range = "240.240.0.0/16"; };
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
sshd_start "$RT_SRV" 10.98.0.2 2222 "$SSH_DIR" ssh.svc.example
ip netns exec "$RT_SRV" timeout 120 /usr/bin/python3 test/lib/tcp_echo.py 10.98.0.2 7000 \
	>"$TOPO_DIR/echo.log" 2>&1 &
topo_track $!
topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :7000' | grep -q LISTEN"

ssh_vip=$(ask dig @10.99.0.1 ssh.svc.example A +short)
echo_vip=$(ask dig @10.99.0.1 echo.svc.example A +short)
check "dig: ssh.svc.example is $ssh_vip, echo.svc.example is $echo_vip: two VIPs of the range" \
	bash -c "[[ '$ssh_vip' == 240.240.* && '$echo_vip' == 240.240.* && '$ssh_vip' != '$echo_vip' ]]"
out=$(ask dig @10.99.0.1 ssh.svc.example AAAA)
check "dig: no AAAA for a plain service (NODATA)" \
	bash -c "grep -q 'status: NOERROR' <<<'$out' && grep -q 'ANSWER: 0' <<<'$out'"

mkdir -p "/etc/netns/$RT_CLI"
echo "nameserver 10.99.0.1" >"/etc/netns/$RT_CLI/resolv.conf"
routed0=$(counter plain_routed)
banner=$(ip netns exec "$RT_CLI" timeout 10 /usr/bin/python3 -c '
import socket
s = socket.create_connection(("ssh.svc.example", 22), timeout=5)
print(s.recv(64).decode().strip())')
check "the server speaks first: sshd's banner through the VIP ($banner)" grep -q '^SSH-2.0-' <<<"$banner"
head -c 8388608 /dev/urandom >"$TOPO_DIR/blob"
want=$(sha256sum <"$TOPO_DIR/blob" | cut -d' ' -f1)
got=$(sshd_client "$RT_CLI" "$SSH_DIR" ssh.svc.example 22 sha256sum <"$TOPO_DIR/blob" | cut -d' ' -f1)
check "ssh by name through the VIP, host key checked: 8 MB hashed alike" test "$got" = "$want"
back=$(sshd_client "$RT_CLI" "$SSH_DIR" ssh.svc.example 22 "head -c 4194304 /dev/zero" | wc -c)
check "ssh: 4 MB back from the server ($back bytes)" test "$back" = 4194304

# The echo VIP on-link: the client asks ARP for it, the edge port answers.
ip -n "$RT_CLI" route add "$echo_vip/32" dev c0
got=$(ip netns exec "$RT_CLI" timeout 30 /usr/bin/python3 test/lib/tcp_echo.py client \
	"$echo_vip" 7 4194304)
check "echo on its VIP over an on-link route: 4 MB back byte-identical ($got)" test "$got" = "ok 4194304"
check "the client learned the VIP by ARP: the edge port's MAC" \
	bash -c "ip -n '$RT_CLI' neigh show '$echo_vip' | grep -q lladdr"
check "ping: the VIP answers" bash -c "ip netns exec '$RT_CLI' ping -q -c 1 -W 2 '$ssh_vip' >/dev/null"
start=$(date +%s%N)
out=$(ip netns exec "$RT_CLI" timeout 10 /usr/bin/python3 -c "
import socket
try:
    socket.create_connection(('$ssh_vip', 23), timeout=5)
    print('connected')
except ConnectionRefusedError:
    print('refused')
except OSError as e:
    print(e)")
check "a VIP port without a service refuses at once ($out, $((($(date +%s%N) - start) / 1000000)) ms, $(drop vip_no_service) counted)" \
	test "$out" = refused -a "$(drop vip_no_service)" -ge 1
check "flows made by the handshake's ACK: $(dp_delta "$routed0" "$(counter plain_routed)") routed" \
	test "$(dp_delta "$routed0" "$(counter plain_routed)")" -ge 4

# A reload with one more service: the existing VIPs stay.
sed -i 's|{ name = "echo.svc.example"|{ name = "db.svc.example"; protocol = "tcp"; port = 5432; pool = "echo"; },\n           &|' \
	"$TOPO_DIR/dp.conf"
out=$("$MR_CTL" -s "$DP_SOCK" push "$TOPO_DIR/dp.conf" 2>&1)
check "push of the file with one more service ($out)" test $? -eq 0
db_vip=$(ask dig @10.99.0.1 db.svc.example A +short)
check "reload: a new service has its VIP ($db_vip); ssh and echo keep theirs" \
	bash -c "[[ '$db_vip' == 240.240.* && '$(ask dig @10.99.0.1 ssh.svc.example A +short)' == '$ssh_vip' &&
		    '$(ask dig @10.99.0.1 echo.svc.example A +short)' == '$echo_vip' ]]"
check "data plane still running" kill -0 "$DP_PID"
check_done "plain-tcp"
