#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Cross-network relay: a client in network a opens TLS to services of network b, which it
# cannot address, by name and by mangled name, and verifies their certificates end to end.
# Gateway B holds a TCP allocation on network a's TURN server (coturn A) and registers its
# relayed address in etcd; gateway A learns it as the way to network b. A connection then
# goes client -> gateway A (SNI route to network b) -> coturn A's relayed address -> RFC
# 6062 ConnectionAttempt to gateway B's control plane -> gateway B's data plane opens the
# data connection, binds it, classifies the same ClientHello and splices it to the service.
# Gateway A has no route to b of its own: gateway B exports its services' names through
# discovery and A imports them, and A's data plane answers DNS for b.mesh.test.
# Checked: openssl s_server and nginx by name, a mangled name, 50 MB each way hash-equal,
# the names resolved through gateway A's DNS by glibc and reached with no address given,
# sshd in b (a plain TCP service, exported as ssh.b.mesh.test:22) reached by ssh through a
# VIP of gateway A, which names the service to gateway B in a PROXY v2 header,
# an export withdrawn live by gateway B, a mangled destination outside b's allow-list
# refused by gateway B, and gateway B killed (its names gone within its lease) and started
# again (data plane and control plane) with the path coming back by itself. coturn
# runs four relay threads, so that binds may land on another thread than the attempt.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh
export MT_TURN_THREADS=${MT_TURN_THREADS:-4}
. test/lib/mesh_topo.sh
trap 'rm -rf "/etc/netns/$MT_CLI"; topo_cleanup' EXIT

MR_CP=${MR_CP:-$MR_BUILD_DIR/controlplane/meshrelay-cp}
CERTS=$TOPO_DIR/certs
D=$TOPO_DIR
ms() { date +%s%3N; }

learned_b() { mt_ctl gw-a show routes 2>/dev/null | grep -q "network b -> gateway gw-b via 10.10.0.3:"; }
imported() { mt_ctl gw-a show routes 2>/dev/null | grep -q "^$1 -> network b"; }
# not_imported NAME: gateway A's routes were read and NAME is not among them (a failed
# read is no answer)
not_imported() { local r; r=$(mt_ctl gw-a show routes 2>/dev/null) && ! grep -q "^$1 -> network b" <<<"$r"; }
verifies() { # verifies NAME [EXPECT]: s_client in network a checks the certificate of NAME
	local out
	out=$(echo | in_ns "$MT_CLI" timeout 15 openssl s_client -connect 10.10.0.1:443 \
		-servername "$1" -CAfile "$CERTS/ca.crt" -verify_return_error \
		-verify_hostname "${2:-$1}" 2>&1)
	s_client_verified "${2:-$1}" "$out"
}
curl_web() {
	in_ns "$MT_CLI" timeout 15 curl -sS --cacert "$CERTS/ca.crt" \
		--resolve web.b.mesh.test:443:10.10.0.1 https://web.b.mesh.test/ 2>&1 | grep -q 'web.b.mesh.test'
}

mt_build
bash test/lib/mkcerts.sh "$CERTS" api.b.mesh.test web.b.mesh.test blob.b.mesh.test
mt_gateway_files "$D"
mt_turn "$MT_TURNA" 10.50.0.3 10.10.0.3 "$D/turnA.log"
mt_turn "$MT_TR" 10.50.0.4 10.50.0.4 "$D/turnB.log"
mt_etcd "$D/etcd.log"
mt_services "$D" "$CERTS"
topo_wait_for 15 in_ns "$MT_TR" etcdctl --endpoints "$MT_ETCD" endpoint health ||
	{ topo_log "etcd did not start"; tail "$D/etcd.log" >&2; exit 1; }

check "network b is unreachable from network a" bash -c \
	"! ip netns exec '$MT_CLI' timeout 3 bash -c 'exec 3<>/dev/tcp/10.20.0.2/8443' 2>/dev/null"
mt_gw_start gw-a "$MT_GWA" || exit 1
t0=$(ms)
mt_gw_start gw-b "$MT_GWB" || exit 1
check "gateway A learns gateway B's relay in network a" topo_wait_for 30 learned_b
echo "# gateway B started (data plane ready, control plane up) to its route in force at" \
	"gateway A: $(($(ms) - t0)) ms"

# 1. By name, certificate verified end to end.
t0=$(ms)
check "s_server in b by name (api.b.mesh.test), certificate verified" verifies api.b.mesh.test
echo "# first connection across networks (TLS handshake done): $(($(ms) - t0)) ms"
check "nginx in b by name (web.b.mesh.test) through curl" curl_web
check "mangled name: _8443._10-20-0-2._b.mesh.internal reaches s_server" \
	verifies _8443._10-20-0-2._b.mesh.internal api.b.mesh.test
check "label form: nb-i8443-10-20-0-2.mesh.internal reaches s_server" \
	verifies nb-i8443-10-20-0-2.mesh.internal api.b.mesh.test
check "gateway B bound the data connections (RFC 6062)" bash -c \
	"[ \"\$('$MR_CTL' -s '$DP_SOCK_gw_b' --json show counters | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get(\"turn_bind_done\", 0))')\" -ge 4 ]"

# meshrelay-cp's own metrics (metrics.cp_listen), beside the data plane's: its TURN
# allocation, its registration, its link; both pass promtool.
in_ns "$MT_GWA" curl -sS --max-time 5 http://127.0.0.1:9481/metrics >"$D/cp.metrics"
in_ns "$MT_GWA" curl -sS --max-time 5 http://127.0.0.1:9480/metrics >"$D/dp.metrics"
check "gateway A's control plane metrics: allocated on turn-b, registered, linked; promtool clean" bash -c \
	"grep -q '^meshrelay_cp_turn_allocated{server=\"turn-b\",network=\"b\"} 1' '$D/cp.metrics' &&
	 grep -q '^meshrelay_cp_discovery_registered 1' '$D/cp.metrics' &&
	 grep -q '^meshrelay_cp_dataplane_connected 1' '$D/cp.metrics' &&
	 promtool check metrics <'$D/cp.metrics' && promtool check metrics <'$D/dp.metrics'"
grep -E '^meshrelay_cp_(turn_allocate_seconds|discovery_gateways|config_generation)' "$D/cp.metrics"
# A client that connects and says nothing holds neither endpoint: a scrape after it is
# answered while it still waits out its read limit (each was served one connection at a
# time, the silent one first, for 250 ms, in meshrelay-cp's loop too).
scrape_beside_silent() {
	in_ns "$MT_GWA" /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, urllib.request
port, want = int(sys.argv[1]), sys.argv[2].encode()
silent = socket.create_connection(("127.0.0.1", port), timeout=5)
body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
silent.setblocking(False)
try:
    silent.recv(1)
    sys.exit("the silent client was served (or closed) first")
except BlockingIOError:
    pass
sys.exit(0 if want in body else f"no {want!r} in the scrape")
PY
}
check "a scrape beside a silent client: answered at once (control plane)" \
	scrape_beside_silent 9481 'meshrelay_cp_dataplane_connected 1'
check "a scrape beside a silent client: answered at once (data plane)" \
	scrape_beside_silent 9480 'meshrelay_'

# 2. 50 MB each way, hashes compared by tls_blob.
t0=$(ms)
check "50 MB each way through both gateways, sha256 equal" in_ns "$MT_CLI" timeout 300 \
	/usr/bin/python3 test/lib/tls_blob.py client 10.10.0.1 443 blob.b.mesh.test \
	"$CERTS/ca.crt" 52428800 52428800
el=$(($(ms) - t0))
echo "# one flow through both gateways and coturn: 50 MB each way in $el ms" \
	"($((52428800 / 1000 / (el > 0 ? el : 1))) MB/s each way)"

# 3. By name alone: the client's resolver is gateway A, which answers for b.mesh.test.
imported_all() { imported api.b.mesh.test && imported web.b.mesh.test && imported blob.b.mesh.test; }
check "gateway A imported the names b exports (api, web, blob)" imported_all
check "show services: B exports four names (ssh as plain TCP), A imported them from b" bash -c \
	"[ \"\$('$MR_CTL' -s '$DP_SOCK_gw_b' show services | grep -c '^exported .* pool ')\" = 4 ] &&
	 [ \"\$('$MR_CTL' -s '$DP_SOCK_gw_a' show services | grep -c '^imported .* from network b')\" = 4 ] &&
	 '$MR_CTL' -s '$DP_SOCK_gw_a' show services | grep -q '^imported ssh.b.mesh.test tcp/22 vip 240.240.'"
mkdir -p "/etc/netns/$MT_CLI"
echo "nameserver 10.10.0.1" >"/etc/netns/$MT_CLI/resolv.conf"
check "glibc in network a resolves api.b.mesh.test through gateway A's DNS" \
	bash -c "ip netns exec '$MT_CLI' getent ahosts api.b.mesh.test | grep -q '^10.10.0.1 '"
check "curl https://web.b.mesh.test/ with no address given, certificate verified" bash -c \
	"ip netns exec '$MT_CLI' timeout 15 curl -sS --cacert '$CERTS/ca.crt' https://web.b.mesh.test/ | grep -q web.b.mesh.test"
# A plain TCP service of b (sshd speaks first): a VIP at gateway A, which tells gateway B the
# service in a PROXY v2 header (authority and port); B strips it before its sshd.
ssh_vip=$(ip netns exec "$MT_CLI" dig +short @10.10.0.1 ssh.b.mesh.test A)
check "dig: ssh.b.mesh.test has a VIP at gateway A ($ssh_vip)" bash -c "[[ '$ssh_vip' == 240.240.* ]]"
head -c 8388608 /dev/urandom >"$D/ssh.blob"
t0=$(ms)
got=$(sshd_client "$MT_CLI" "$D/ssh" ssh.b.mesh.test 22 sha256sum <"$D/ssh.blob" | cut -d' ' -f1)
check "ssh ssh.b.mesh.test from network a through both gateways, host key checked: 8 MB hashed alike ($(($(ms) - t0)) ms)" \
	test "$got" = "$(sha256sum <"$D/ssh.blob" | cut -d' ' -f1)"
# counter NAME of gateway B's data plane
b_counter() {
	"$MR_CTL" -s "$DP_SOCK_gw_b" --json show counters |
		/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"
}
check "gateway B routed it by the PROXY header's authority ($(b_counter plain_via_gateway) connection(s))" \
	test "$(b_counter plain_via_gateway)" -ge 1
check "TLS connections reached B with their client named by A ($(b_counter client_via_gateway))" \
	test "$(b_counter client_via_gateway)" -ge 1
check "a name b does not export is NXDOMAIN" bash -c \
	"ip netns exec '$MT_CLI' dig +short @10.10.0.1 nope.b.mesh.test | grep -c . | grep -q '^0$' &&
	 ip netns exec '$MT_CLI' dig @10.10.0.1 nope.b.mesh.test | grep -q 'status: NXDOMAIN'"
# Gateway B stops exporting blob (its file changed, SIGHUP): gateway A forgets the name.
sed -i 's/{ sni = "blob.b.mesh.test"; pool = "blob"; export = true; }/{ sni = "blob.b.mesh.test"; pool = "blob"; }/' "$MT_DIR/gw-b.conf"
t0=$(ms)
kill -HUP "$(cat "$MT_DIR/gw-b.cp.pid")"
check "an export withdrawn at gateway B leaves gateway A" topo_wait_for 15 not_imported blob.b.mesh.test
echo "# export withdrawn to the name gone at gateway A: $(($(ms) - t0)) ms"
check "and its name is NXDOMAIN there" bash -c \
	"ip netns exec '$MT_CLI' dig @10.10.0.1 blob.b.mesh.test | grep -q 'status: NXDOMAIN'"
sed -i 's/{ sni = "blob.b.mesh.test"; pool = "blob"; }/{ sni = "blob.b.mesh.test"; pool = "blob"; export = true; }/' "$MT_DIR/gw-b.conf"
t0=$(ms)
kill -HUP "$(cat "$MT_DIR/gw-b.cp.pid")"
check "exported again: back at gateway A" topo_wait_for 15 imported blob.b.mesh.test
echo "# export added to the name answered at gateway A: $(($(ms) - t0)) ms"

# 4. Outside b's allow-list: gateway A lets it through (its list for b is wide), B refuses.
b_refusals() { dp_stat "${TOPO_TAG}-gw-b" drops route_not_allowed; }
refused_by_b() { [ "$(b_refusals)" -gt "$1" ]; }
gets_certificate() {
	echo | in_ns "$MT_CLI" timeout 10 openssl s_client -connect 10.10.0.1:443 \
		-servername "$1" 2>&1 | grep -q 'BEGIN CERTIFICATE'
}
no_certificate() { ! gets_certificate "$1"; }
before=$(b_refusals)
check "mangled destination outside b's allow-list (port 22) gets no connection" \
	no_certificate _22._10-20-0-2._b.mesh.internal
check "refused by gateway B's allow-list" topo_wait_for 5 refused_by_b "$before"

# 5. Gateway B killed outright (SIGKILL: no lease revoked, no withdrawal): its names and
# its relay leave gateway A when its lease (3 s) expires. Then it starts again: it
# allocates and registers anew; the path comes back.
t0=$(ms)
kill -KILL "$(cat "$MT_DIR/gw-b.cp.pid")" "$(pgrep -P "$DP_PID_gw_b" -x meshrelay-dp)" 2>/dev/null
gone_from_a() { # both lists read (a failed read is no answer), neither with b in it
	local services routes
	services=$("$MR_CTL" -s "$DP_SOCK_gw_a" show services) &&
		routes=$("$MR_CTL" -s "$DP_SOCK_gw_a" show routes) &&
		! grep -q 'from network b' <<<"$services" && ! grep -q 'gateway gw-b' <<<"$routes"
}
check "gateway B killed: its names and route leave gateway A within the lease" \
	topo_wait_for 15 gone_from_a
echo "# exporter killed (SIGKILL) to its names gone at gateway A: $(($(ms) - t0)) ms (lease 3 s)"
check "and their names are NXDOMAIN there" bash -c \
	"ip netns exec '$MT_CLI' dig @10.10.0.1 ssh.b.mesh.test | grep -q 'status: NXDOMAIN'"
topo_wait_for 10 bash -c "! kill -0 '$DP_PID_gw_b' 2>/dev/null"
rm -f "$MT_DIR/gw-b.cp.pid"
t0=$(ms)
mt_gw_start gw-b "$MT_GWB" || exit 1
check "gateway B back: gateway A learns its new relay" topo_wait_for 30 learned_b
check "and the path works again" topo_wait_for 20 verifies api.b.mesh.test
echo "# gateway B restart to a verified connection across: $(($(ms) - t0)) ms"

# 6. Discovery hung (etcd stopped), then gateway A's control plane restarted (an upgrade, a
# crash): it reads back what its data plane learned, and the push it makes once its wait
# for discovery (10 s) is over keeps the route to b and b's names. Before, that push of
# the file alone dropped them for as long as discovery stayed down.
kill -STOP "$MT_ETCD_PID"
cp_pid=$(cat "$MT_DIR/gw-a.cp.pid")
kill -TERM "$cp_pid"
topo_wait_for 10 bash -c "! kill -0 '$cp_pid' 2>/dev/null"
rm -f "$MT_DIR/gw-a.cp.pid"
from=$(($(wc -l <"$D/gw-a.cp.log") + 1))
mt_cp_start gw-a "$MT_GWA"
new_log() { tail -n +"$from" "$D/gw-a.cp.log"; }
pushed_since() { new_log | grep -q 'pushed generation'; }
check "gateway A's new control plane keeps what its data plane learned" \
	topo_wait_for 10 bash -c "tail -n +$from '$D/gw-a.cp.log' | grep -q 'kept from the data plane'"
check "and pushes its file past the wait for discovery" topo_wait_for 20 pushed_since
kept_b() {
	learned_b && imported api.b.mesh.test &&
		mt_ctl gw-a show services | grep -q "^imported ssh.b.mesh.test tcp/22 vip $ssh_vip "
}
check "the route to b and b's names stay in force, ssh's VIP unchanged" kept_b
check "and a connection across is verified" verifies api.b.mesh.test
kill -CONT "$MT_ETCD_PID"

if [ "$CHECK_FAILS" -gt 0 ]; then
	for f in gw-a.cp.log gw-b.cp.log gw-a.dp.log gw-b.dp.log; do
		echo "--- $f" >&2
		tail -25 "$D/$f" >&2
	done
fi
check_done 50-cross-network
