#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What one patient client or a blind spoofer tries, with kernel peers:
#   a ClientHello one byte per segment is routed and the backend's certificate verifies
#   (the relay copies tiny segments instead of pinning a buffer each);
#   a blind spoofer fires 3,000 RSTs at guessed sequence numbers at an open TLS connection
#   (it knows the 4-tuple, not the stream), which then carries 30 MB each way: hashes
#   equal, the RSTs counted as not exact, those inside the window challenged;
#   one address opens 100 connections that each hold part of a hello: 64 get a flow
#   (client.max_hellos), the rest are reset at once, and another address of the same
#   client network still gets through while they are held;
#   a client connects three times in a row from one port, each within the last one's
#   closing time: each new SYN takes over the closing flow at once.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-hard
CERTS=$TOPO_DIR/certs
flows() { dp_field "$PREFIX" flows flows; }

rt_build
bash test/lib/mkcerts.sh "$CERTS" api.svc.example blob.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { hello_timeout_ms = 4000; closing_timeout_ms = 500; };
pools = ( { name = "api"; members = ( { address = "10.98.0.2"; port = 8443; } ); },
          { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); } );
routes = ( { sni = "api.svc.example"; pool = "api"; },
           { sni = "blob.svc.example"; pool = "blob"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
ip netns exec "$RT_SRV" timeout 300 openssl s_server -accept 10.98.0.2:8443 \
	-cert "$CERTS/api.svc.example.crt" -key "$CERTS/api.svc.example.key" -www -quiet \
	>/dev/null 2>&1 &
topo_track $!
ip netns exec "$RT_SRV" timeout 300 /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
topo_track $!
for port in 8443 9443; do
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN"
done
dp_mac=$(ip -n "$RT_DP" -br link show d0 | awk '{print tolower($3)}')

# 1. A hello one byte per segment.
large0=$(drop hello_too_large)
out=$(in_ns "$RT_CLI" timeout 30 /usr/bin/python3 test/lib/split_hello.py 10.99.0.1 443 \
	api.svc.example "$CERTS/ca.crt" 1 2>&1)
check "a hello one byte per segment is routed, certificate verified ($out)" \
	grep -q 'verified=api.svc.example' <<<"$out"
check "... and not refused as too large" test "$(drop hello_too_large)" -eq "$large0"

# 2. Blind RSTs into a transfer.
exact0=$(drop rst_not_exact)
in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 30000000 30000000 10 >"$TOPO_DIR/blob.out" 2>&1 &
blob=$!
topo_track "$blob"
sport=
for _ in $(seq 50); do
	sport=$(in_ns "$RT_CLI" ss -Htn state established dst 10.99.0.1:443 | awk '{split($3, a, ":"); print a[2]}' | head -1)
	[ -n "$sport" ] && break
	sleep 0.1
done
check "the transfer's connection is up (client port ${sport:-none})" test -n "$sport"
out=$(in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/blind_rst.py c0 "$dp_mac" \
	10.99.0.2 "${sport:-1}" 10.99.0.1 443 3000 2>&1)
check "its flow outlived them" test "$(flows)" -ge 1
wait "$blob"
check "then it carried 30 MB each way, hashes equal ($(cat "$TOPO_DIR/blob.out"))" \
	grep -q '^ok ' "$TOPO_DIR/blob.out"
spoofed=$(dp_delta "$exact0" "$(drop rst_not_exact)")
check "the RSTs were refused as not exact ($spoofed; $out)" test "$spoofed" -ge 2900
echo "# challenge ACKs sent $(counter challenge_ack_out), rationed $(counter challenge_ack_limited)"

# 3. One address holds hellos: 64 get a flow, the rest are reset at once.
limit0=$(drop client_hello_limit)
in_ns "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/hold_hellos.py 10.99.0.1 443 100 6 9 \
	>"$TOPO_DIR/hold.out" 2>&1 &
hold=$!
topo_track "$hold"
held() { [ "$(flows)" -ge 64 ]; }
topo_wait_for 15 held
check "one address holds 64 hellos, the rest refused ($(dp_delta "$limit0" "$(drop client_hello_limit)") refused)" \
	test "$(dp_delta "$limit0" "$(drop client_hello_limit)")" -eq 36
ip -n "$RT_CLI" addr add 10.99.0.3/24 dev c0
out=$(echo | in_ns "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 -bind 10.99.0.3:0 \
	-servername api.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname api.svc.example 2>&1)
check "another address of the same network gets through meanwhile" \
	s_client_verified api.svc.example "$out"
wait "$hold"
check "the held hellos end ($(cat "$TOPO_DIR/hold.out"))" grep -q 'open=0' "$TOPO_DIR/hold.out"
no_flows() { [ "$(flows)" -eq 0 ]; }

# 4. A client that comes back from the same port (a NAT, a fixed source port) within the
# closing time (500 ms here): the server closes first, so the client keeps no TIME-WAIT
# and reuses the port at once. Its new SYN (a kernel's ISN has moved on) takes the closing
# flow's 4-tuple without a challenge; the old way, the client waited out a SYN timeout.
topo_wait_for 10 no_flows
reopened0=$(counter closing_reopened)
challenged0=$(counter challenge_ack_out)
out=$(in_ns "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/tls_same_port.py 10.99.0.1 443 \
	api.svc.example "$CERTS/ca.crt" 10.99.0.2 40404 3 2>&1)
check "three connections from one port, certificates verified ($out)" grep -q '^ok 3 ' <<<"$out"
check "the second and third took the closing flow's 4-tuple, unchallenged" \
	test "$(dp_delta "$reopened0" "$(counter closing_reopened)")" -eq 2 -a \
	"$(counter challenge_ack_out)" -eq "$challenged0"
check "no flow left" topo_wait_for 10 no_flows
"$MR_CTL" -p "$PREFIX" show drops | awk '$2 > 0' | sed 's/^/  /'
check_done "relay hardening"
