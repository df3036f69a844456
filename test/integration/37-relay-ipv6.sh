#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay over IPv6 with real kernel peers: neighbour discovery and ping to the data
# ports' IPv6 addresses, openssl s_client, curl and bulk TLS to IPv6 backends with
# certificates verified end to end, IPv6 clients to IPv4 backends and IPv4 clients to
# IPv6 backends, PROXY v2 carrying an IPv6 client to nginx, mangled IPv6 destinations
# inside and outside the allow-list, many connections at once; every flow gone at the end.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-relay6
CERTS=$TOPO_DIR/certs
blob() { # blob ADDR SNI UP DOWN: one verified TLS exchange from the client namespace
	in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client "$1" 443 "$2" \
		"$CERTS/ca.crt" "$3" "$4"
}

rt_build
rt_add_ipv6
bash test/lib/mkcerts.sh "$CERTS" api.svc.example blob.svc.example web.svc.example mesh.internal

cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = {
  eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
          "--log-level", "pmd.net.tap:error" ];
};
ports = (
$(rt_port edge d0 10.99.0.1/24 fd00:99::1/64),
$(rt_port svc d1 10.98.0.1/24 fd00:98::1/64)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { max_flows = 4096; closing_timeout_ms = 1000; idle_timeout_ms = 20000; };
networks = ( { name = "blue"; local = true; allow = [ "fd00:98::2/128" ]; ports = ( 9444 ); } );
pools = (
  { name = "api";   members = ( { address = "fd00:98::2"; port = 8443; } ); },
  { name = "blob";  members = ( { address = "fd00:98::2"; port = 9443; } ); },
  { name = "blob4"; members = ( { address = "10.98.0.2"; port = 9443; } ); },
  { name = "web";   members = ( { address = "fd00:98::2"; port = 8444; } ); },
  { name = "webpp"; members = ( { address = "fd00:98::2"; port = 8445; } ); }
);
routes = (
  { sni = "api.svc.example";    pool = "api"; },
  { sni = "blob.svc.example";   pool = "blob"; },
  { sni = "v4.blob.svc.example"; pool = "blob4"; },
  { sni = "web.svc.example";    pool = "web"; },
  { sni = "pp.web.svc.example"; pool = "webpp"; proxy_protocol = true; }
);
mangled = ( { suffix = "mesh.internal"; forms = [ "label" ]; network = "blue"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 600 || exit 1

srv() {
	ip netns exec "$RT_SRV" timeout 600 "$@" >>"$TOPO_DIR/servers.log" 2>&1 &
	topo_track $!
}
srv openssl s_server -accept '[fd00:98::2]:8443' -cert "$CERTS/api.svc.example.crt" \
	-key "$CERTS/api.svc.example.key" -www -quiet
srv /usr/bin/python3 test/lib/tls_blob.py server fd00:98::2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key"
srv /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key"
srv /usr/bin/python3 test/lib/tls_blob.py server fd00:98::2 9444 \
	"$CERTS/mesh.internal.crt" "$CERTS/mesh.internal.key"
srv /usr/bin/python3 test/lib/canary.py fd00:98::3 9444 "$TOPO_DIR/canary" 600
mkdir -p "$TOPO_DIR/www" "$TOPO_DIR/nginx-tmp"
head -c 5000000 /dev/urandom >"$TOPO_DIR/www/blob5m"
sed -e "s|@DIR@|$TOPO_DIR|g" -e 's|listen 10.98.0.2:|listen [fd00:98::2]:|' \
	test/lib/nginx.conf.in >"$TOPO_DIR/nginx.conf"
srv nginx -p "$TOPO_DIR" -c "$TOPO_DIR/nginx.conf"
for port in 8443 8444 8445 9443 9444; do
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN" ||
		echo "backend on $port did not start"
done

# 1. The edge port answers neighbour solicitations and echo requests on its IPv6 address.
out=$(in_ns "$RT_CLI" ping -6 -c 3 -i 0.2 -W 2 fd00:99::1 2>&1)
check "ping -6 to the edge port: 3 of 3 answered" grep -q '3 received' <<<"$out"
check "the client's kernel learned the edge port's MAC by ND" \
	bash -c "ip -n '$RT_CLI' -6 neigh show fd00:99::1 | grep -Eq 'REACHABLE|STALE|DELAY'"

# 2. openssl s_client over IPv6 to an IPv6 backend: its certificate verifies at the client.
out=$(echo | in_ns "$RT_CLI" timeout 10 openssl s_client -connect '[fd00:99::1]:443' \
	-servername api.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname api.svc.example 2>&1)
check "s_client over IPv6: a session, the certificate verified for api.svc.example" \
	s_client_verified api.svc.example "$out"
check "the data plane resolved the backend by ND" \
	bash -c "'$MR_CTL' -p '$PREFIX' show neighbours | grep -q 'ip=fd00:98::2 state=reachable'"

# 3. curl to nginx over IPv6: 5 MB, hash equal.
want=$(sha256sum <"$TOPO_DIR/www/blob5m" | cut -d' ' -f1)
got=$(in_ns "$RT_CLI" timeout 60 curl -sS --cacert "$CERTS/ca.crt" \
	--resolve 'web.svc.example:443:[fd00:99::1]' https://web.svc.example/blob5m | sha256sum | cut -d' ' -f1)
check "curl over IPv6 to nginx on IPv6: 5 MB, sha256 equal" test "$got" = "$want"

# 4. Bulk both ways, in every pairing of families.
out=$(blob fd00:99::1 blob.svc.example 30000000 30000000 2>&1)
check "IPv6 client to IPv6 backend: 30 MB each way, sha256 equal ($out)" grep -q '^ok ' <<<"$out"
out=$(blob fd00:99::1 v4.blob.svc.example 10000000 10000000 2>&1)
check "IPv6 client to IPv4 backend: 10 MB each way, sha256 equal ($out)" grep -q '^ok ' <<<"$out"
out=$(blob 10.99.0.1 blob.svc.example 10000000 10000000 2>&1)
check "IPv4 client to IPv6 backend: 10 MB each way, sha256 equal ($out)" grep -q '^ok ' <<<"$out"

# 5. PROXY v2 carries the IPv6 client's address: nginx logs it.
code=$(in_ns "$RT_CLI" timeout 20 curl -sS -o /dev/null -w '%{http_code}' --cacert "$CERTS/ca.crt" \
	--resolve 'pp.web.svc.example:443:[fd00:99::1]' https://pp.web.svc.example/blob5m)
check "PROXY v2 route over IPv6: HTTP $code" test "$code" = 200
check "nginx logged the IPv6 client fd00:99::2 from the PROXY header" \
	grep -q '^fd00:99::2:[0-9]* fd00:98::1 "GET /blob5m' "$TOPO_DIR/pp.log"

# 6. Mangled IPv6 destinations: inside the allow-list reaches it, outside is refused.
out=$(blob fd00:99::1 p9444-fd00-98--2.mesh.internal 1000 1000 2>&1)
check "mangled IPv6 name inside the allow-list reaches [fd00:98::2]:9444 ($out)" grep -q '^ok ' <<<"$out"
syn0=$(counter backend_syn)
na0=$(drop route_not_allowed)
for name in p9444-fd00-98--3.mesh.internal p9443-fd00-98--2.mesh.internal; do
	blob fd00:99::1 "$name" 10 10 >/dev/null 2>&1
done
check "mangled IPv6 names outside the allow-list: 2 refusals counted" \
	test "$(dp_delta "$na0" "$(drop route_not_allowed)")" -eq 2
check "mangled IPv6 names outside the allow-list: no SYN to any backend" \
	test "$(counter backend_syn)" -eq "$syn0"
check "the IPv6 address outside the allow-list never saw a connection" test ! -s "$TOPO_DIR/canary"

# 7. Many IPv6 connections at once, each exchanging 20 KB both ways.
out=$(in_ns "$RT_CLI" bash -c "ulimit -n 4096; timeout 300 /usr/bin/python3 test/lib/tls_blob.py \
	many fd00:99::1 443 blob.svc.example '$CERTS/ca.crt' 20000 20000 300" 2>&1)
grep -v '^ok ' <<<"$out" | sort | uniq -c | head -10
check "300 concurrent IPv6 connections: $(tail -1 <<<"$out")" grep -q '^ok 300 of 300' <<<"$out"

# 8. Everything closed: the flow table empties; the data plane still runs.
check "flows drain to zero" topo_wait_for 40 bash -c \
	"'$MR_CTL' -p '$PREFIX' show flows | grep -q '^flows 0$'"
echo "relay counters:"
"$MR_CTL" -p "$PREFIX" show counters | grep -v ' 0$' | sed 's/^/  /'
echo "relay drops:"
"$MR_CTL" -p "$PREFIX" show drops | grep -v ' 0$' | sed 's/^/  /'
check "IPv6 neighbour solicitations answered" test "$(counter nd_solicit_in)" -gt 0
check "no malformed ICMPv6 from kernel peers" test "$(drop icmp6_malformed)" -eq 0
check "data plane still running" kill -0 "$DP_PID"
check_done "relay ipv6"
