#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay end to end with real peers: TLS clients (openssl s_client, curl, Python ssl)
# in one namespace reach TLS servers (openssl s_server, nginx, Python ssl) in another by
# SNI through meshrelay-dp, certificates verified at the client, bytes hashed at both
# ends; a hello split in three segments; 1,000 concurrent connections; refusals that
# never reach a backend; PROXY v2 to nginx, from both of the svc port's addresses; and the
# same over lossy, reordering, duplicating links.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-relay
CERTS=$TOPO_DIR/certs
blob() { # blob NS SNI UP DOWN: one verified TLS exchange through the relay's edge
	local addr=10.99.0.1
	[ "$1" = "$RT_CLI2" ] && addr=10.97.0.1
	in_ns "$1" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client "$addr" 443 "$2" \
		"$CERTS/ca.crt" "$3" "$4"
}

rt_build
bash test/lib/mkcerts.sh "$CERTS" api.svc.example blob.svc.example web.svc.example mesh.internal

# The svc port has a second address for the relay's own connections (source_addresses):
# connections to backends take the two addresses in turn.
svc_port=$(rt_port svc d1 10.98.0.1/24)
svc_port=${svc_port/ipv4 = \"10.98.0.1\/24\";/ipv4 = \"10.98.0.1\/24\"; source_addresses = [ \"10.98.0.11\" ];}
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = {
  eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "768",
          "--log-level", "pmd.net.tap:error" ];
  mbufs = 32767;
};
ports = (
$(rt_port edge d0 10.99.0.1/24),
$svc_port,
$(rt_port lossy d2 10.97.0.1/24),
$(rt_port svc2 d3 10.96.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; },
              { name = "tls-lossy"; port = "lossy"; tcp_port = 443; } );
relay = { max_flows = 8192; closing_timeout_ms = 1000; idle_timeout_ms = 20000;
          client = { max_hellos = 1024; }; }; # 1,000 at once from one address (case 5)
networks = ( { name = "blue"; local = true; allow = [ "10.98.0.2/32" ]; ports = ( 9444 ); } );
pools = (
  { name = "api";   members = ( { address = "10.98.0.2"; port = 8443; } ); },
  { name = "blob";  members = ( { address = "10.98.0.2"; port = 9443; } ); },
  { name = "web";   members = ( { address = "10.98.0.2"; port = 8444; } ); },
  { name = "webpp"; members = ( { address = "10.98.0.2"; port = 8445; } ); },
  { name = "far";   members = ( { address = "10.96.0.2"; port = 9443; } ); }
);
routes = (
  { sni = "api.svc.example";    pool = "api"; },
  { sni = "blob.svc.example";   pool = "blob"; },
  { sni = "web.svc.example";    pool = "web"; },
  { sni = "pp.web.svc.example"; pool = "webpp"; proxy_protocol = true; },
  { sni = "*.blob.svc.example"; pool = "far"; }
);
mangled = ( { suffix = "mesh.internal"; forms = [ "underscore", "label" ]; network = "blue"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 900 || exit 1

# Backends, each started here and tracked for cleanup.
srv() {
	local ns=$1
	shift
	ip netns exec "$ns" timeout 900 "$@" >>"$TOPO_DIR/servers.log" 2>&1 &
	topo_track $!
}
srv "$RT_SRV" openssl s_server -accept 10.98.0.2:8443 -cert "$CERTS/api.svc.example.crt" \
	-key "$CERTS/api.svc.example.key" -www -quiet
srv "$RT_SRV" /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key"
srv "$RT_SRV" /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9444 \
	"$CERTS/mesh.internal.crt" "$CERTS/mesh.internal.key"
srv "$RT_SRV2" /usr/bin/python3 test/lib/tls_blob.py server 10.96.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key"
srv "$RT_SRV" /usr/bin/python3 test/lib/canary.py 10.98.0.3 9444 "$TOPO_DIR/canary" 900
mkdir -p "$TOPO_DIR/www" "$TOPO_DIR/nginx-tmp"
head -c 10000000 /dev/urandom >"$TOPO_DIR/www/blob10m"
sed "s|@DIR@|$TOPO_DIR|g" test/lib/nginx.conf.in >"$TOPO_DIR/nginx.conf"
srv "$RT_SRV" nginx -p "$TOPO_DIR" -c "$TOPO_DIR/nginx.conf"
for port in 8443 8444 8445 9443 9444; do
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN" ||
		echo "backend on $port did not start"
done

# 1. openssl s_client: the backend's certificate verifies at the client.
out=$(echo | in_ns "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
	-servername api.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname api.svc.example 2>&1)
check "s_client: a session, the certificate verified for api.svc.example" \
	s_client_verified api.svc.example "$out"

# 2. curl to nginx: 10 MB, hash equal.
want=$(sha256sum <"$TOPO_DIR/www/blob10m" | cut -d' ' -f1)
got=$(in_ns "$RT_CLI" timeout 60 curl -sS --cacert "$CERTS/ca.crt" \
	--resolve web.svc.example:443:10.99.0.1 https://web.svc.example/blob10m | sha256sum | cut -d' ' -f1)
check "curl through the relay to nginx: 10 MB, sha256 equal" test "$got" = "$want"

# 3. A ClientHello in three TCP segments.
out=$(in_ns "$RT_CLI" timeout 20 /usr/bin/python3 test/lib/split_hello.py 10.99.0.1 443 \
	api.svc.example "$CERTS/ca.crt" 2>&1)
check "hello split in 3 segments: $out" grep -q 'hello segments=3 .* verified=api.svc.example' <<<"$out"

# 4. 100 MB each way on one connection.
out=$(blob "$RT_CLI" blob.svc.example 100000000 100000000 2>&1)
check "100 MB up and 100 MB down, sha256 equal at both ends ($out)" grep -q '^ok ' <<<"$out"
secs=$(grep -o 'seconds=[0-9.]*' <<<"$out" | cut -d= -f2)
[ -n "$secs" ] && echo "figure: single flow $(awk -v s="$secs" 'BEGIN {printf "%.1f", 200 / s}') MB/s (200 MB in $secs s)"

# 5. 1,000 connections open at once, each exchanging 20 KB both ways. All from one
# address: with the default client.max_hellos (64), those still in their hello when the
# 65th arrives are refused, as they should be, which a slow run (ASan, a loaded host) meets
# and a fast one does not; the limit is test 31's, raised here.
t0=$(date +%s.%N)
out=$(in_ns "$RT_CLI" bash -c "ulimit -n 8192; timeout 300 /usr/bin/python3 test/lib/tls_blob.py \
	many 10.99.0.1 443 blob.svc.example '$CERTS/ca.crt' 20000 20000 1000" 2>&1 | tail -1)
t1=$(date +%s.%N)
check "1000 concurrent connections: $out" grep -q '^ok 1000 of 1000' <<<"$out"
echo "figure: 1000 TLS connections (handshake + 40 KB each) in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s"

# 6. An SNI with no route: reset, no backend ever asked.
syn0=$(counter backend_syn)
nr0=$(drop route_no_route)
out=$(echo | in_ns "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
	-servername nope.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname nope.svc.example 2>&1)
rc=$?
check "no route: the client's handshake fails (s_client status $rc)" s_client_refused "$rc" "$out"
check "no route: counted once" test "$(dp_delta "$nr0" "$(drop route_no_route)")" -eq 1
check "no route: no SYN to any backend" test "$(counter backend_syn)" -eq "$syn0"

# 7. Mangled names: inside the allow-list reaches the backend; outside is refused.
out=$(blob "$RT_CLI" i9444-10-98-0-2.mesh.internal 1000 1000 2>&1)
check "mangled name inside the allow-list reaches 10.98.0.2:9444 ($out)" grep -q '^ok ' <<<"$out"
syn0=$(counter backend_syn)
na0=$(drop route_not_allowed)
for name in i9444-10-98-0-3.mesh.internal _9444._10-98-0-3._blue.mesh.internal \
	i9443-10-98-0-2.mesh.internal _9444._10.98.0.3._blue.mesh.internal; do
	blob "$RT_CLI" "$name" 10 10 >/dev/null 2>&1
done
check "mangled names outside the allow-list: 4 refusals counted" \
	test "$(dp_delta "$na0" "$(drop route_not_allowed)")" -eq 4
check "mangled names outside the allow-list: no SYN to any backend" test "$(counter backend_syn)" -eq "$syn0"
check "the address outside the allow-list never saw a connection" test ! -s "$TOPO_DIR/canary"

# 8. PROXY protocol v2 in front of the relayed bytes: nginx logs the real client. Four
# requests: the relay's connections to nginx come from both of the svc port's addresses
# (nginx's kernel resolves the second by ARP, which the relay answers).
for i in 1 2 3 4; do
	code=$(in_ns "$RT_CLI" timeout 20 curl -sS -o /dev/null -w '%{http_code}' --cacert "$CERTS/ca.crt" \
		--resolve pp.web.svc.example:443:10.99.0.1 https://pp.web.svc.example/blob10m)
	check "PROXY v2 route, request $i: HTTP $code" test "$code" = 200
done
check "nginx logged the client address 10.99.0.2 from the PROXY header, 4 times" \
	test "$(grep -cE '^10.99.0.2:[0-9]* 10.98.0.(1|11) "GET /blob10m' "$TOPO_DIR/pp.log")" -eq 4
check "nginx saw the relay's connections from 10.98.0.1" \
	grep -q '^10.99.0.2:[0-9]* 10.98.0.1 ' "$TOPO_DIR/pp.log"
check "nginx saw the relay's connections from the source address 10.98.0.11" \
	grep -q '^10.99.0.2:[0-9]* 10.98.0.11 ' "$TOPO_DIR/pp.log"
check "the source address answers ping" in_ns "$RT_SRV" ping -c 1 -W 2 10.98.0.11
check "show port svc lists the source address" \
	bash -c "'$MR_CTL' -p '$PREFIX' show port svc | grep -q '^source_addresses *10.98.0.11$'"

# 9. Lossy, reordering, duplicating links on both sides of the relay.
rt_wire_start "$RT_WIRE1" wa wb 300 0.05 0.02 0.10
rt_wire_start "$RT_WIRE2" wc wd 300 0.05 0.02 0.10
sleep 0.5
out=$(echo | in_ns "$RT_CLI2" timeout 20 openssl s_client -connect 10.97.0.1:443 \
	-servername a.blob.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname a.blob.svc.example 2>&1)
check "lossy links: s_client verifies a.blob.svc.example" s_client_verified a.blob.svc.example "$out"
for i in 1 2 3; do
	out=$(blob "$RT_CLI2" "x$i.blob.svc.example" 3000000 3000000 2>&1)
	check "lossy links: 3 MB each way, sha256 equal ($out)" grep -q '^ok ' <<<"$out"
done
out=$(in_ns "$RT_CLI2" bash -c "ulimit -n 4096; timeout 300 /usr/bin/python3 test/lib/tls_blob.py \
	many 10.97.0.1 443 m.blob.svc.example '$CERTS/ca.crt' 20000 20000 100" 2>&1)
grep -v '^ok ' <<<"$out" | sort | uniq -c | head -10
check "lossy links: 100 concurrent connections: $(tail -1 <<<"$out")" grep -q '^ok 100 of 100' <<<"$out"
echo "wire1: $(cat "$TOPO_DIR/$RT_WIRE1.impair" 2>/dev/null) (counts print at its end)"

# 9b. A client that sends no timestamps (Windows' default; Linux with tcp_timestamps=0):
# its SYN asks for window scaling and SACK alone, and the relay's cookie keeps both, so
# the connection is not held to 64 KB windows. Checked from the client's own tcp_info,
# then with a transfer whose hashes are compared.
in_ns "$RT_CLI" sysctl -qw net.ipv4.tcp_timestamps=0
tcp_info_opts() {
	in_ns "$RT_CLI" /usr/bin/python3 - <<'PY'
import socket, struct
s = socket.create_connection(("10.99.0.1", 443), timeout=5)
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
opts, scales = info[5], info[6]
s.close()
# TCPI_OPT_TIMESTAMPS 1, _SACK 2, _WSCALE 4; the send scale in the low nibble
print(f"ts={opts & 1} sack={opts >> 1 & 1} wscale={opts >> 2 & 1} snd_wscale={scales & 15}")
PY
}
out=$(tcp_info_opts 2>&1)
check "no timestamps: window scaling and SACK negotiated ($out)" \
	grep -q '^ts=0 sack=1 wscale=1 snd_wscale=7$' <<<"$out"
out=$(blob "$RT_CLI" blob.svc.example 20000000 20000000 2>&1)
check "no timestamps: 20 MB each way, sha256 equal ($out)" grep -q '^ok ' <<<"$out"
in_ns "$RT_CLI" sysctl -qw net.ipv4.tcp_timestamps=1

# 10. Everything closed: the flow table empties. Flows whose last RST was lost (af_packet
# rings drop frames when the 2 cores are busy, and RSTs are never resent) go at the idle
# timeout, 20 s here.
check "flows drain to zero" topo_wait_for 40 bash -c \
	"'$MR_CTL' -p '$PREFIX' show flows | grep -q '^flows 0$'"
"$MR_CTL" -p "$PREFIX" show flows; [ -n "${MR_TEST_HOLD:-}" ] && sleep "$MR_TEST_HOLD"
echo "relay counters:"
"$MR_CTL" -p "$PREFIX" show counters | grep -v ' 0$' | sed 's/^/  /'
echo "relay drops:"
"$MR_CTL" -p "$PREFIX" show drops | grep -v ' 0$' | sed 's/^/  /'
check "data plane still running" kill -0 "$DP_PID"
check_done "relay tls"
