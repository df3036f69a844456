#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meshrelay demo: install, build, and relay real TLS by SNI through the appliance.
#
#   mr-demo-client 10.200.0.2 --veth-- [edge 10.200.0.1] meshrelay-dp [svc 10.201.0.1] --veth-- mr-demo-servers 10.201.0.2
#                  fd00:200::2             [     fd00:200::1]             [     fd00:201::1]                   fd00:201::2
#                                              (namespace mr-demo-appl)
#
# openssl s_server (api.demo.example:8443) and nginx (web.demo.example:8444) hold
# certificates from a throw-away CA. The client reaches both by name through the relay,
# which never terminates TLS: the client verifies each server's certificate itself. The
# api pool has a second member; it is killed while clients connect, and none notices.
# Then meshrelay-cp takes over the configuration and a route is withdrawn and restored
# live with meshrelayctl reload.
#   scripts/demo.sh                   run the demo and tear it down
#   scripts/demo.sh --keep            leave it running until Ctrl-C
#   scripts/demo.sh --multi-network   two networks joined through TURN (scripts/demo-mesh.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true

scripts/install-deps.sh
scripts/build.sh
[ "${1:-}" = "--multi-network" ] && exec scripts/demo-mesh.sh "${@:2}"

export TOPO_TAG=mr-demo
. test/lib/topo.sh
. test/lib/dp.sh
trap topo_end EXIT
CLI=mr-demo-client
APPL=mr-demo-appl
SRV=mr-demo-servers
PREFIX=meshrelay-local   # the file prefix in conf/local-test.conf
CERTS=$TOPO_DIR/certs
step() { printf '\n== %s\n' "$*"; }
# claim_failed WHAT: something the demo shows did not happen; say what, and stop (the exit
# status is 1, and the EXIT trap tears the topology down).
claim_failed() { printf '\n== demo FAILED: %s\n' "$*" >&2; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Left over from an interrupted run: its processes (a data plane holding the EAL file
# prefix and the control socket) go with them, or the new data plane cannot start.
topo_ns_end "$CLI" "$APPL" "$SRV"
step "topology: $CLI <-> $APPL (meshrelay) <-> $SRV"
topo_ns "$CLI"
topo_ns "$APPL"
topo_ns "$SRV"
topo_veth "$CLI" mr-cli0 "$APPL" mr-dp0
topo_veth "$SRV" mr-srv0 "$APPL" mr-dp1
topo_kernel_side "$CLI" mr-cli0
topo_kernel_side "$SRV" mr-srv0
ip -n "$CLI" addr add 10.200.0.2/24 dev mr-cli0
ip -n "$SRV" addr add 10.201.0.2/24 dev mr-srv0
ip -n "$SRV" addr add 10.201.0.3/24 dev mr-srv0
ip -n "$SRV" route add default via 10.201.0.1
ip -n "$CLI" addr add fd00:200::2/64 dev mr-cli0 nodad
ip -n "$SRV" addr add fd00:201::2/64 dev mr-srv0 nodad
ip -n "$SRV" -6 route add default via fd00:201::1

step "certificates from a throw-away CA"
bash test/lib/mkcerts.sh "$CERTS" api.demo.example web.demo.example
cp "$CERTS/web.demo.example.crt" "$CERTS/web.svc.example.crt" # nginx template's names
cp "$CERTS/web.demo.example.key" "$CERTS/web.svc.example.key"
echo "  $CERTS/ca.crt signs api.demo.example and web.demo.example"

step "data plane: meshrelay-dp -c conf/local-test.conf (in $APPL)"
topo_eal_prefix "$PREFIX"
rm -f /run/meshrelay/local-test-connections.log # this run's connections only
ip netns exec "$APPL" "$MR_DP" -c conf/local-test.conf >"$TOPO_DIR/dp.log" 2>&1 &
DP_PID=$!
topo_track "$DP_PID"
topo_wait_for 20 grep -q 'meshrelay-dp ready' "$TOPO_DIR/dp.log" || { cat "$TOPO_DIR/dp.log"; exit 1; }
grep -E 'port |relay|ready' "$TOPO_DIR/dp.log" | sed 's/^/  /'

step "servers: openssl s_server on 10.201.0.2:8443, 10.201.0.3:8443 and [fd00:201::2]:8443, nginx on 10.201.0.2:8444"
for addr in 10.201.0.2:8443 10.201.0.3:8443 '[fd00:201::2]:8443'; do
	ip netns exec "$SRV" openssl s_server -accept "$addr" -cert "$CERTS/api.demo.example.crt" \
		-key "$CERTS/api.demo.example.key" -www -quiet >/dev/null 2>&1 &
	topo_track $!
	[ "$addr" = 10.201.0.3:8443 ] && MEMBER3=$!
done
mkdir -p "$TOPO_DIR/www" "$TOPO_DIR/nginx-tmp"
head -c 5000000 /dev/urandom >"$TOPO_DIR/www/file5m"
sed -e "s|@DIR@|$TOPO_DIR|g" -e 's|10.98.0.2:8444|10.201.0.2:8444|' -e '/8445/d' \
	test/lib/nginx.conf.in >"$TOPO_DIR/nginx.conf"
ip netns exec "$SRV" nginx -p "$TOPO_DIR" -c "$TOPO_DIR/nginx.conf" &
topo_track $!
for port in 8443 8444; do
	topo_wait_for 10 bash -c "ip netns exec '$SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN"
done

step "ping the appliance (answered by the data plane itself)"
in_ns "$CLI" ping -c 3 -i 0.2 10.200.0.1 | tail -2 | sed 's/^/  /' ||
	claim_failed "the appliance did not answer ping"

step "openssl s_client -servername api.demo.example -connect 10.200.0.1:443 (certificate verified)"
out=$(echo | in_ns "$CLI" timeout 10 openssl s_client -connect 10.200.0.1:443 \
	-servername api.demo.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname api.demo.example 2>&1) || true
grep -E '^(subject|issuer)=|Verification|Verified peername' <<<"$out" | sed 's/^/  /' || true
grep -qx 'Verified peername: api.demo.example' <<<"$out" ||
	claim_failed "s_client did not verify api.demo.example through the relay"

step "the same over IPv6: s_client -connect [fd00:200::1]:443 -servername v6.api.demo.example"
out=$(echo | in_ns "$CLI" timeout 10 openssl s_client -connect '[fd00:200::1]:443' \
	-servername v6.api.demo.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname v6.api.demo.example 2>&1) || true
grep -E 'Verification|Verified peername' <<<"$out" | sed 's/^/  /' || true
# The peername is the certificate's name that matched: here its wildcard.
grep -q '^Verified peername: ' <<<"$out" ||
	claim_failed "s_client did not verify v6.api.demo.example over IPv6 through the relay"

step "curl https://web.demo.example/file5m via the relay, bytes checked"
want=$(sha256sum <"$TOPO_DIR/www/file5m" | cut -d' ' -f1)
got=$(in_ns "$CLI" curl -sS --cacert "$CERTS/ca.crt" --resolve web.demo.example:443:10.200.0.1 \
	-w '%{stderr}  HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' \
	https://web.demo.example/file5m | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || claim_failed "the file came through changed: sha256 $got, not $want"
echo "  sha256 equal: $got"

step "a pool member goes down; its clients do not notice"
api() { # the whole answer read before it is judged: grep -q stopping early is no failure
	local out
	out=$(printf 'GET / HTTP/1.0\r\n\r\n' | in_ns "$CLI" timeout 10 openssl s_client \
		-connect 10.200.0.1:443 -servername api.demo.example -CAfile "$CERTS/ca.crt" \
		-verify_return_error -verify_hostname api.demo.example -ign_eof 2>&1)
	grep -q 'HTTP/1.0 200' <<<"$out"
}
api_failures() { local n=0; for _ in $(seq "$1"); do api || n=$((n + 1)); done; echo "$n"; }
echo "  pool api, 2 members checked by TLS every second:"
"$MR_CTL" -p "$PREFIX" show pools | sed -n 's/^\(api .*\)/    \1/p'
failures=$(api_failures 10)
echo "  10 verified connections: $failures failed"
[ "$failures" -eq 0 ] || claim_failed "$failures of 10 connections to api.demo.example failed with both members up"
{
	kill -KILL "$MEMBER3"
	wait "$MEMBER3" || true # its status is the SIGKILL
} 2>/dev/null
failures=$(api_failures 10)
echo "  killed the s_server of 10.201.0.3; 10 verified connections at once: $failures failed"
[ "$failures" -eq 0 ] || claim_failed "$failures of 10 connections failed once a member was down: its clients noticed"
echo "  (refused connections went to 10.201.0.2 with the hello the relay kept:" \
	"$("$MR_CTL" -p "$PREFIX" show counters | awk '$1 == "redispatch_refused" {print $2}') redispatched)"
sleep 2.5
"$MR_CTL" -p "$PREFIX" show pools | sed -n 's/^\(api .*\)/    \1/p'

step "a name with no route is refused (the connection is reset, no backend is asked)"
no_route0=$(dp_stat "$PREFIX" drops route_no_route) || claim_failed "the relay's counters cannot be read"
rc=0
out=$(echo | in_ns "$CLI" timeout 10 openssl s_client -connect 10.200.0.1:443 \
	-servername nope.demo.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname nope.demo.example 2>&1) || rc=$?
grep -E 'errno|alert|CONNECTED' <<<"$out" | sed 's/^/  /' || true
# Refused: s_client failed by itself (124 is timeout's: the relay kept it waiting), saw no
# certificate and made no session.
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || grep -qE 'BEGIN CERTIFICATE|Verified peername|^New, TLS' <<<"$out"; then
	claim_failed "the connection to nope.demo.example was not refused (s_client status $rc)"
fi
no_route=$(dp_delta "$no_route0" "$(dp_stat "$PREFIX" drops route_no_route)") || no_route=
echo "  counted by the relay as route_no_route: ${no_route:-unreadable}"
[ "$no_route" = 1 ] || claim_failed "the relay did not count the refusal once as route_no_route (${no_route:-unreadable})"

step "control plane: meshrelay-cp keeps a copy of the file in force; routes change live"
LIVE=$TOPO_DIR/live.conf
cp conf/local-test.conf "$LIVE"
# In the appliance's namespace: a run killed before its cleanup leaves it there, and the
# next run ends it with the namespace rather than meet it holding the new data plane.
in_ns "$APPL" "$MR_BUILD_DIR/controlplane/meshrelay-cp" -c "$LIVE" --pidfile "$TOPO_DIR/cp.pid" \
	>"$TOPO_DIR/cp.log" 2>&1 &
topo_track $!
ctl() { "$MR_CTL" -c "$LIVE" --pidfile "$TOPO_DIR/cp.pid" "$@"; }
web() { # "HTTP 200", or what curl says went wrong
	in_ns "$CLI" curl -sS -o /dev/null -w 'HTTP %{http_code}' --max-time 5 --cacert "$CERTS/ca.crt" \
		--resolve web.demo.example:443:10.200.0.1 https://web.demo.example/file5m 2>&1 |
		sed 's/curl: ([0-9]*) //' | tr '\n' ' ' || true
}
served() { [[ $1 == *"HTTP 200"* ]]; }
topo_wait_for 10 test -s "$TOPO_DIR/cp.pid" ||
	{ tail -5 "$TOPO_DIR/cp.log" >&2; claim_failed "meshrelay-cp did not start"; }
topo_wait_for 10 bash -c "'$MR_CTL' -c '$LIVE' status | grep -Eq '^generation +1$'" ||
	claim_failed "meshrelay-cp did not push its file to the data plane"
ctl status | sed 's/^/  /'
answer=$(web)
echo "  web.demo.example: $answer"
served "$answer" || claim_failed "web.demo.example not served before the change"
sed -i 's/sni = "web.demo.example"/sni = "web-retired.demo.example"/' "$LIVE"
echo "  renamed the web.demo.example route in the file; meshrelayctl reload:"
ctl reload | sed 's/^/    /' || claim_failed "meshrelayctl reload (route withdrawn) did not take"
answer=$(web)
echo "  web.demo.example: $answer  (established flows would have kept going)"
served "$answer" && claim_failed "web.demo.example still served after its route was withdrawn"
cp conf/local-test.conf "$LIVE"
ctl reload | sed 's/^/    /' || claim_failed "meshrelayctl reload (route restored) did not take"
answer=$(web)
echo "  route back: web.demo.example: $answer"
served "$answer" || claim_failed "web.demo.example not served again once its route was restored"

step "meshrelayctl show counters"
ctl show counters | grep -v ' 0$' | sed 's/^/  /'
step "meshrelayctl show drops"
ctl show drops | grep -v ' 0$' | sed 's/^/  /'
step "the connection log (log.connections): the last 3 of its $(grep -c . /run/meshrelay/local-test-connections.log) records"
tail -3 /run/meshrelay/local-test-connections.log | sed 's/^/  /'
step "Prometheus metrics (curl http://127.0.0.1:9480/metrics in $APPL), a few of them"
in_ns "$APPL" curl -sS --max-time 5 http://127.0.0.1:9480/metrics |
	grep -E '^meshrelay_(flow_created_total |pool_connections_total\{|member_up\{|member_connections_total\{|drops_total\{reason="route_no_route"|port_rx_packets_total\{|mbufs_in_use )' |
	sed 's/^/  /'
step "meshrelayctl top 1: the last second's rates"
ctl top 1 | sed 's/^/  /'

if $keep; then
	step "running; try: ip netns exec $CLI curl --cacert $CERTS/ca.crt --resolve web.demo.example:443:10.200.0.1 https://web.demo.example/file5m -o /dev/null   (Ctrl-C to stop)"
	wait "$DP_PID" || true
fi
step "demo done"
