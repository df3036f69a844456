#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# TURN allocations and discovery of meshrelay-cp against a real coturn and a real etcd on
# loopback. Gateway "blue" allocates on the TURN servers of networks red and green: TCP
# (RFC 6062) and UDP relays, over TCP and over TLS, with long-term credentials (nonces go
# stale every few seconds, so 438 answers come up), refreshes every 2 s and a permission
# for its peer (an IPv6 peer beside it is left out: the relay is IPv4, and coturn would
# refuse the whole request with 443); a peer connecting to the TCP relay is announced to it as a
# ConnectionAttempt, and turn-probe (the same client code) binds RFC 6062 data connections
# both ways. coturn runs one relay thread: with several, a ConnectionBind can reach a
# thread that does not know the id ("400 Wrong connection id"). A wrong password gives a clear error and a slow retry, never a crash
# loop, and no password reaches the log; SIGHUP keeps the allocations when nothing changed
# and starts TURN over when the credentials file was put right, also after a reload whose
# TURN could not start. The registration is visible to etcdctl, and put back when deleted
# or overwritten there; a second
# gateway (red) that registers a relay in blue's network becomes a route pushed to blue's
# data plane. Then faults: coturn restarted (re-allocated, the route follows red's new
# relay), etcd stopped and restarted (routes kept, registration back; blue's control plane
# restarted meanwhile keeps them too), red's control
# plane killed (its lease expires and the route goes), blue stopped (lease revoked at once).
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-turn
NS=${TOPO_TAG}t
MR_CP=${MR_CP:-$MR_BUILD_DIR/controlplane/meshrelay-cp}
TURN_PORT=${MR_TURN_PORT:-34781}
TURN_TLS_PORT=$((TURN_PORT + 1))
ETCD_PORT=${MR_ETCD_PORT:-23792}
ETCD=http://127.0.0.1:$ETCD_PORT
KEY_BLUE=/meshrelay/networks/blue/gateways/gw-blue-1
KEY_RED=/meshrelay/networks/red/gateways/gw-red-1
D=$TOPO_DIR

etcdctl_() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD" --dial-timeout 2s "$@"; }
# field STATUSFILE PYEXPR: a value from a control plane's status file (d: the JSON)
field() {
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1" "$2" 2>/dev/null
}
turn_field() { field "$D/blue.status" "[t for t in d['turn'] if t['name']=='$1'][0]['$2']"; }
turn_is() { [ "$(turn_field "$1" state)" = "$2" ]; }
turn_at_least() { [ "$(turn_field "$1" "$2")" -ge "$3" ] 2>/dev/null; }
routes() { "$MR_CTL" -s "$DP_SOCK" show routes 2>/dev/null; }
has_route() { routes | grep -q "network red -> gateway gw-red-1 via $1"; }
# no_route: the routes were read and red's is not among them (a failed read is no answer)
no_route() { local r; r=$(routes) && ! grep -q "gateway gw-red-1" <<<"$r"; }
# key_gone KEY: etcd answered and holds nothing at KEY (a failed etcdctl prints nothing too)
key_gone() { local v; v=$(etcdctl_ get "$1" --print-value-only) && [ -z "$v" ]; }
ms() { date +%s%3N; }

# ours_on PORT PID: PID (a process of ours) listens on loopback TCP PORT. A leftover of an
# earlier run on the port would else pass for ours, and ours, dead on the busy port, go
# unnoticed until a later step stopped nothing.
ours_on() { kill -0 "$2" 2>/dev/null && ss -Hltnp "sport = :$1" | grep -q "pid=$2,"; }
turn_start() {
	turnserver -n --listening-ip 127.0.0.1 --relay-ip 127.0.0.1 --listening-port "$TURN_PORT" \
		--tls-listening-port "$TURN_TLS_PORT" --cert "$D/certs/turn.test.crt" \
		--pkey "$D/certs/turn.test.key" --no-dtls --min-port 49400 --max-port 49600 \
		--lt-cred-mech --realm mesh.test --user blue:pw-Blue-4417 --user red:pw-Red-7731 \
		--stale-nonce=5 --no-cli --allow-loopback-peers \
		--pidfile "$D/turn.pid" --userdb "$D/turndb" --log-file stdout --simple-log \
		>>"$D/turn.log" 2>&1 &
	TURN_PID=$!
	topo_track "$TURN_PID"
	topo_wait_for 10 ours_on "$TURN_PORT" "$TURN_PID"
}
etcd_start() {
	etcd --name t --data-dir "$D/etcd" --listen-client-urls "$ETCD" \
		--advertise-client-urls "$ETCD" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 10))" \
		--initial-cluster "t=http://127.0.0.1:$((ETCD_PORT + 10))" --initial-cluster-state new \
		>>"$D/etcd.log" 2>&1 &
	ETCD_PID=$!
	topo_track "$ETCD_PID"
	topo_wait_for 15 etcdctl_ endpoint health && ours_on "$ETCD_PORT" "$ETCD_PID"
}
stop_pid() { # stop_pid PID SIGNAL: signal one of our processes and wait for it
	kill "-$2" "$1" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
}

# Gateway blue: the data plane (null ports: nothing is forwarded here) and its files.
cat >"$D/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256" ]; };
ports = ( { name = "edge"; device = "net_null0"; ipv4 = "10.97.0.1/24";
            exception = { enabled = false; }; } );
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
networks = ( { name = "blue"; local = true; allow = [ "10.97.0.0/24" ]; },
             { name = "red"; }, { name = "green"; } );
CONF
mesh_conf() { # mesh_conf ID NETWORK CREDENTIALS SERVERS: the mesh sections of a gateway
	cat <<CONF
gateway = { id = "$1"; network = "$2"; };
turn = { credentials = "$3"; lifetime = 60; refresh = 2; servers = ( $4 ); };
discovery = { endpoints = [ "$ETCD" ]; lease_ttl = 3; timeout_ms = 1000; };
log = { level = "info"; };
CONF
}
{
	cat "$D/dp.conf"
	mesh_conf gw-blue-1 blue "$D/blue.secrets" "
  { name = \"red-tcp\"; network = \"red\"; address = \"127.0.0.1\"; port = $TURN_PORT;
    peers = [ \"127.0.0.1\", \"::1\" ]; },
  { name = \"red-udp\"; network = \"red\"; address = \"127.0.0.1\"; port = $TURN_PORT;
    relay = \"udp\"; },
  { name = \"green-tls\"; network = \"green\"; address = \"127.0.0.1\"; port = $TURN_TLS_PORT;
    transport = \"tls\"; server_name = \"turn.test\"; ca_file = \"$D/certs/ca.crt\"; },
  { name = \"green-bad\"; network = \"green\"; address = \"127.0.0.1\"; port = $TURN_PORT; }"
} >"$D/blue.conf"
sed -e 's/"blue"; local = true/"blue"/' -e 's/{ name = "red"; }/{ name = "red"; local = true; allow = [ "10.96.0.0\/24" ]; }/' \
	"$D/dp.conf" | sed 's#dataplane = {#dataplane = { control_socket = "'"$D"'/none.sock";#' >"$D/red.conf"
mesh_conf gw-red-1 red "$D/red.secrets" "
  { name = \"blue-tcp\"; network = \"blue\"; address = \"127.0.0.1\"; port = $TURN_PORT; }" \
	>>"$D/red.conf"
printf '# server user password\nred-tcp blue pw-Blue-4417\nred-udp blue pw-Blue-4417\n' >"$D/blue.secrets"
printf 'green-tls blue pw-Blue-4417\ngreen-bad blue pw-Wrong-0000\n' >>"$D/blue.secrets"
printf 'blue-tcp red pw-Red-7731\n' >"$D/red.secrets"
chmod 600 "$D/blue.secrets" "$D/red.secrets"

bash test/lib/mkcerts.sh "$D/certs" turn.test
turn_start || { topo_log "coturn did not start"; cat "$D/turn.log" >&2; exit 1; }
etcd_start || { topo_log "etcd did not start"; tail "$D/etcd.log" >&2; exit 1; }
topo_ns "$NS"
dp_start "$NS" "$D/dp.conf" "$PREFIX" "$D/dp.log" 300 || exit 1

# 0. Refusals before anything runs.
chmod 644 "$D/blue.secrets"
timeout 10 "$MR_CP" -c "$D/blue.conf" -s "$DP_SOCK" --pidfile "" >"$D/refused.log" 2>&1
check "credentials readable by others: refused at start (exit $?)" \
	grep -q 'lets others read or write it' "$D/refused.log"
chmod 600 "$D/blue.secrets"

# 1. Allocations.
t0=$(ms)
timeout -s TERM 300 "$MR_CP" -c "$D/blue.conf" -s "$DP_SOCK" --pidfile "" \
	--status "$D/blue.status" >>"$D/blue.log" 2>&1 &
BLUE=$!
topo_track "$BLUE"
check "TCP allocation (RFC 6062) on red's server" topo_wait_for 10 turn_is red-tcp allocated
check "UDP allocation on red's server" topo_wait_for 10 turn_is red-udp allocated
check "allocation over TLS, server certificate verified" topo_wait_for 10 turn_is green-tls allocated
echo "# allocation latency (connect to allocated): tcp $(turn_field red-tcp last_allocate_ms) ms," \
	"udp $(turn_field red-udp last_allocate_ms) ms, tls $(turn_field green-tls last_allocate_ms) ms;" \
	"start to all allocated $(($(ms) - t0)) ms"
check "the IPv6 peer left out of the permission, in the log" test "$(grep -c "1 peer(s) of the other address family left out" "$D/blue.log")" -ge 1
check "permission for the configured peer" topo_wait_for 10 turn_at_least red-tcp permissions 1
relay=$(turn_field red-tcp relayed)
/usr/bin/python3 - "${relay%:*}" "${relay##*:}" <<'PY' >>"$D/blue.log" 2>&1
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.settimeout(2)
try:
    s.recv(1)  # nobody binds the attempt here: the server gives up on it in time
except OSError:
    pass
PY
check "a peer connecting to the TCP relay arrives as a ConnectionAttempt" \
	topo_wait_for 10 turn_at_least red-tcp connection_attempts 1
check "on the allocation's own control connection, from a permitted peer: none ignored" \
	test "$(turn_field red-tcp attempts_refused)" = 0

# RFC 6062 data connections with the same client code: Connect to a peer and bind, and
# bind an incoming attempt; 64 KiB each way must come through unchanged.
PROBE=$MR_BUILD_DIR/test/controlplane/turn-probe
/usr/bin/python3 - 34950 <<'PY' >>"$D/peers.log" 2>&1 &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20)
while (d := c.recv(65536)):
    c.sendall(d)
PY
topo_track $!
topo_wait_for 5 bash -c "ss -Hltn 'sport = :34950' | grep -q LISTEN"
check "RFC 6062 Connect + ConnectionBind: 64 KiB echoed through the relay" \
	timeout 30 "$PROBE" connect 127.0.0.1 "$TURN_PORT" red pw-Red-7731 127.0.0.1 34950
timeout 30 "$PROBE" accept 127.0.0.1 "$TURN_PORT" red pw-Red-7731 127.0.0.1 "$D/probe.relay" \
	>>"$D/peers.log" 2>&1 &
PROBE_PID=$!
topo_track "$PROBE_PID"
topo_wait_for 10 test -s "$D/probe.relay"
# The peer speaks first and waits for an answer, as a TLS client does, before it sends
# the bulk: until the client's ConnectionBind is done coturn keeps only 16 reads of what a
# peer sends (RFC 6062 lets a server buffer; the rest it drops without a word), so 256 KiB
# sent at once into a bind still under way were cut short about one run in six.
check "RFC 6062 ConnectionAttempt + ConnectionBind: 256 KiB echoed to the peer" \
	/usr/bin/python3 - "$(cat "$D/probe.relay")" <<'PY'
import hashlib, os, socket, sys, threading
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=20)
s.sendall(b"hello")
first = b""
while len(first) < 5 and (d := s.recv(5 - len(first))):
    first += d
if first != b"hello":
    sys.exit(1)
data = os.urandom(256 * 1024)
threading.Thread(target=s.sendall, args=(data,)).start()
got = b""  # a TURN relay does not carry half-closes: read it all back before closing
while len(got) < len(data) and (d := s.recv(65536)):
    got += d
s.close()
sys.exit(0 if hashlib.sha256(got).digest() == hashlib.sha256(data).digest() else 1)
PY
check "the accepting side echoed until the peer left" wait "$PROBE_PID"

# 2. Wrong password: a clear error and a slow retry; the others are untouched.
check "wrong password: refused with a clear error" topo_wait_for 10 \
	grep -q 'TURN green-bad.*credentials refused' "$D/blue.log"
check "wrong password: never allocated" bash -c "! grep -q 'TURN green-bad: allocated' '$D/blue.log'"

# 3. Refresh under coturn's 8 s lifetime cap, through stale nonces.
check "allocations refreshed every 2 s (configured), nonces going stale" topo_wait_for 15 turn_at_least red-tcp refreshes 2
check "refreshed over TLS too" topo_wait_for 10 turn_at_least green-tls refreshes 2
check "stale nonces (438) answered with the fresh nonce" topo_wait_for 10 turn_at_least red-tcp stale_nonces 1
check "no allocation lost meanwhile" test "$(turn_field red-tcp allocations)" -eq 1
bad=$(turn_field green-bad auth_failures)
check "wrong password retried slowly: $bad attempts in $((($(ms) - t0) / 1000)) s" \
	test "${bad:-0}" -ge 1 -a "${bad:-99}" -le 7
check "meshrelay-cp still runs" kill -0 "$BLUE"

# 3b. SIGHUP: the same file keeps the allocations; a rotated password is taken at once.
relay_before=$(turn_field red-tcp relayed)
# The control plane itself: its timeout wrapper would pass the signal on once, then die
# of the next one.
BLUE_CP=$(pgrep -P "$BLUE" -x meshrelay-cp)
kill -HUP "$BLUE_CP"
check "SIGHUP with nothing changed: reloaded" topo_wait_for 10 grep -q 'reloaded .* as generation' "$D/blue.log"
check "and the allocations kept (relay $relay_before)" \
	test "$(turn_field red-tcp relayed)" = "$relay_before" -a "$(turn_field red-tcp allocations)" -eq 1
sed -i 's/^green-bad blue pw-Wrong-0000$/green-bad blue pw-Blue-4417/' "$D/blue.secrets"
kill -HUP "$BLUE_CP"
check "SIGHUP after the password was put right: TURN starts over with it" topo_wait_for 10 \
	grep -q 'TURN credentials changed' "$D/blue.log"
check "the server that refused it now allocates" topo_wait_for 15 turn_is green-bad allocated
check "and the others allocated again" topo_wait_for 15 turn_is red-tcp allocated
# 3c. A reload whose TURN could not start (a setting changed, a server's credentials line
# missing) is refused whole, and the relays that run stay (before, TURN and discovery
# stopped, every relay released, until a later SIGHUP); the next SIGHUP, the line put
# back, takes the change and starts them over.
cp "$D/blue.secrets" "$D/blue.secrets.good"
sed -i '/^green-bad /d' "$D/blue.secrets"
sed -i 's/lifetime = 60;/lifetime = 90;/' "$D/blue.conf"
relay_before=$(turn_field red-tcp relayed)
kill -HUP "$BLUE_CP"
check "a reload whose TURN could not start: refused, said why" topo_wait_for 10 \
	grep -q "reload refused, generation .* stays in force: .*no credentials for TURN server 'green-bad'" \
	"$D/blue.log"
check "and the relays kept (relay $relay_before)" \
	test "$(turn_field red-tcp relayed)" = "$relay_before" -a "$(turn_field red-tcp allocations)" -ge 1
cp "$D/blue.secrets.good" "$D/blue.secrets"
restarts=$(grep -c 'TURN or discovery settings changed' "$D/blue.log")
started_over() { [ "$(grep -c 'TURN or discovery settings changed' "$D/blue.log")" -gt "$restarts" ]; }
kill -HUP "$BLUE_CP"
check "the next SIGHUP, the line put back: TURN and discovery start over" topo_wait_for 10 \
	started_over
check "allocated again" topo_wait_for 15 turn_is red-tcp allocated

# 4. Discovery: our registration, then a second gateway becomes a pushed route.
relay=$(turn_field red-tcp relayed) # a new allocation since 3b
check "registration visible to etcdctl" topo_wait_for 10 bash -c \
	"ETCDCTL_API=3 etcdctl --endpoints $ETCD get $KEY_BLUE --print-value-only | grep -q '\"address\":\"127.0.0.1\",\"port\":${relay##*:}'"
# An operator deletes our key, then writes another value under it: both seen in the
# watch, and the registration put back (before, it stayed gone while our lease lived).
etcdctl_ del "$KEY_BLUE" >/dev/null
check "our key deleted in the store: put back" topo_wait_for 10 bash -c \
	"ETCDCTL_API=3 etcdctl --endpoints $ETCD get $KEY_BLUE --print-value-only | grep -q '\"port\":${relay##*:}'"
etcdctl_ put "$KEY_BLUE" '{"id":"stale"}' >/dev/null
check "our key overwritten in the store: put back" topo_wait_for 10 bash -c \
	"ETCDCTL_API=3 etcdctl --endpoints $ETCD get $KEY_BLUE --print-value-only | grep -q '\"port\":${relay##*:}'"
check "both logged" test "$(grep -c 'our registration was .* in the store' "$D/blue.log")" -ge 2
t0=$(ms)
timeout -s TERM 300 "$MR_CP" -c "$D/red.conf" --pidfile "$D/red.pid" --status "$D/red.status" \
	>>"$D/red.log" 2>&1 &
topo_track $!
topo_wait_for 10 test -s "$D/red.pid"
RED=$(cat "$D/red.pid") # the control plane itself: a KILL must not stop at its wrapper
topo_wait_for 10 bash -c "[ \"\$(/usr/bin/python3 -c 'import json; print(json.load(open(\"$D/red.status\"))[\"turn\"][0][\"state\"])' 2>/dev/null)\" = allocated ]"
red_relay=$(field "$D/red.status" "d['turn'][0]['relayed']")
check "second gateway registered ($red_relay)" topo_wait_for 10 etcdctl_ get "$KEY_RED"
check "its relay in our network is a route in our data plane" topo_wait_for 10 has_route "$red_relay"
echo "# new gateway started to route in force at our data plane: $(($(ms) - t0)) ms"
# 4b. A second live instance with red's id (a resumed VM, a copied file) puts its own
# relays under red's key: each puts its own back at most every 10 s, saying why, not in a
# loop at the store's speed (before, the key's revision climbed by the thousand, and every
# gateway pushed a new generation each time). Once it stops, red's is back.
revision() { etcdctl_ get "$KEY_RED" -w json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])'; }
rev0=$(revision)
timeout -s TERM 120 "$MR_CP" -c "$D/red.conf" --pidfile "$D/twin.pid" --status "$D/twin.status" \
	>>"$D/twin.log" 2>&1 &
TWIN_WRAP=$!
topo_track "$TWIN_WRAP"
topo_wait_for 10 test -s "$D/twin.pid"
TWIN=$(cat "$D/twin.pid")
check "a twin of red registers too" topo_wait_for 15 grep -q 'another instance registers gateway gw-red-1' \
	"$D/red.log" "$D/twin.log"
sleep 6
rev1=$(revision)
check "... and the key is not put in a loop (revision $rev0 to $rev1)" test $((rev1 - rev0)) -lt 20
stop_pid "$TWIN" TERM
wait "$TWIN_WRAP" 2>/dev/null
red_registered() { etcdctl_ get "$KEY_RED" --print-value-only | grep -q "\"port\":${red_relay##*:}"; }
check "the twin gone: red's registration back" topo_wait_for 20 red_registered
check "and its route in our data plane" topo_wait_for 15 has_route "$red_relay"
# 4c. A value no registration can be (over 16 KB) put at red's key by another writer: blue
# forgets red, saying why; before, it kept red's old record in silence. Red puts its own
# back, and its route returns.
head -c 20000 /dev/zero | tr '\0' 'x' | etcdctl_ put "$KEY_RED" >/dev/null
check "a value over 16 KB at red's key: blue says it ignores it" topo_wait_for 10 \
	grep -q "discovery: ignoring $KEY_RED: a value that is not base64, or over 16 KB" "$D/blue.log"
red_back() { red_registered && has_route "$red_relay"; }
check "red's registration put back, its route in our data plane" topo_wait_for 30 red_back

# 5. coturn restarted: both gateways allocate again; the route follows red's new relay.
stop_pid "$TURN_PID" TERM
t0=$(ms)
turn_start
check "re-allocated after the TURN server restarted" topo_wait_for 20 turn_at_least red-tcp allocations 2
check "and allocated again" topo_wait_for 10 turn_is red-tcp allocated
echo "# TURN server restart: blue allocated again after $(turn_field red-tcp last_recovery_ms) ms" \
	"from losing it ($(($(ms) - t0)) ms after the restart began)"
topo_wait_for 15 bash -c "[ \"\$(/usr/bin/python3 -c 'import json; print(json.load(open(\"$D/red.status\"))[\"turn\"][0][\"relayed\"])' 2>/dev/null)\" != '$red_relay' ] && [ \"\$(/usr/bin/python3 -c 'import json; print(json.load(open(\"$D/red.status\"))[\"turn\"][0][\"state\"])' 2>/dev/null)\" = allocated ]"
new_relay=$(field "$D/red.status" "d['turn'][0]['relayed']")
check "the route follows red's new relay ($new_relay)" topo_wait_for 15 has_route "$new_relay"

# 6. etcd outage: routes stay; registration comes back with etcd. Before it, five foreign
# values of 1 MB each under the prefix: together over what one answer may hold (4 MiB),
# so the range after the outage must come in pages (before, it failed at every retry and
# discovery never synced again).
for i in 1 2 3 4 5; do
	head -c 1000000 /dev/zero | tr '\0' 'x' | etcdctl_ put "/meshrelay/networks/pink/gateways/junk-$i" >/dev/null
done
stop_pid "$ETCD_PID" TERM
check "etcd down: discovery reports it" topo_wait_for 15 bash -c \
	"[ \"\$(/usr/bin/python3 -c 'import json; print(json.load(open(\"$D/blue.status\"))[\"discovery\"][\"down\"])')\" = True ]"
sleep 2
check "etcd down: the learned route stays in force" has_route "$new_relay"
# 6a. meshrelay-cp restarted while etcd is down: the new one holds its file back while its
# discovery has not answered (10 s at most), so what the last one learned stays in force.
# Before, its first push had no learned gateway, and the route was gone until etcd came
# back.
stop_pid "$BLUE" TERM
connects=$(grep -c 'connected to the data plane' "$D/blue.log")
timeout -s TERM 300 "$MR_CP" -c "$D/blue.conf" -s "$DP_SOCK" --pidfile "" \
	--status "$D/blue.status" >>"$D/blue.log" 2>&1 &
BLUE=$!
topo_track "$BLUE"
check "meshrelay-cp restarted: linked to the data plane" topo_wait_for 10 bash -c \
	"[ \$(grep -c 'connected to the data plane' '$D/blue.log') -gt $connects ]"
sleep 3
check "meshrelay-cp restarted, etcd down: the learned route stays in force" has_route "$new_relay"
# ... and through a reload meanwhile: before, the reload pushed the file with the route,
# then at once again with what discovery had learned so far: nothing.
reloads=$(grep -c 'reloaded .* as generation' "$D/blue.log")
kill -HUP "$(pgrep -P "$BLUE" -x meshrelay-cp)"
topo_wait_for 10 bash -c "[ \$(grep -c 'reloaded .* as generation' '$D/blue.log') -gt $reloads ]"
sleep 1
check "... and reloaded meanwhile: it stays" has_route "$new_relay"
etcd_start
check "etcd back: registration in the store again" topo_wait_for 20 etcdctl_ get "$KEY_BLUE" --print-value-only
check "etcd back: the route is still there" has_route "$new_relay"
check "etcd back: synced again past 5 MB of foreign values, in pages" topo_wait_for 20 bash -c \
	"[ \"\$(/usr/bin/python3 -c 'import json; d = json.load(open(\"$D/blue.status\"))[\"discovery\"]; print(d[\"synced\"] and d[\"gateways\"] >= 1)')\" = True ]"
etcdctl_ del --prefix /meshrelay/networks/pink/ >/dev/null

# 6b. A reload the data plane refuses (a port renamed: only a restart does that) leaves
# what runs alone: TURN keeps its allocations though the file changed its refresh, and
# what discovery learns next is still pushed (step 7), on the file in force.
topo_wait_for 15 turn_is red-tcp allocated # the restarted meshrelay-cp's
allocs=$(turn_field red-tcp allocations)
relay_now=$(turn_field red-tcp relayed)
BLUE_CP=$(pgrep -P "$BLUE" -x meshrelay-cp)
cp "$D/blue.conf" "$D/blue.conf.good"
sed -i -e 's/"edge"/"edge2"/g' -e 's/refresh = 2;/refresh = 3;/' "$D/blue.conf"
restarts=$(grep -c 'TURN or discovery settings changed' "$D/blue.log")
kill -HUP "$BLUE_CP"
check "a reload the data plane refuses is dropped" topo_wait_for 10 \
	grep -q "reload of .* refused by the data plane: generation [0-9]* stays in force" "$D/blue.log"
check "and TURN was not started over" \
	test "$(grep -c 'TURN or discovery settings changed' "$D/blue.log")" -eq "$restarts"
check "its allocation kept ($relay_now)" \
	test "$(turn_field red-tcp relayed)" = "$relay_now" -a "$(turn_field red-tcp allocations)" = "$allocs"
cp "$D/blue.conf.good" "$D/blue.conf"

# 6c. A reload taken while the data plane cannot be asked (stopped past the link's ping
# timeout, its socket moved aside), which it refuses once it can: the file it last applied
# goes back in force, so what discovery learns next is still pushed (step 7).
DP_ONLY=$(pgrep -P "$DP_PID" -x meshrelay-dp)
lost=$(grep -c 'lost the data plane' "$D/blue.log")
reloads=$(grep -c 'reloaded .* as generation' "$D/blue.log")
mv "$DP_SOCK" "$DP_SOCK.away"
kill -STOP "$DP_ONLY"
check "data plane stopped: meshrelay-cp loses it" topo_wait_for 10 bash -c \
	"[ \$(grep -c 'lost the data plane' '$D/blue.log') -gt $lost ]"
kill -CONT "$DP_ONLY"
sed -i -e 's/"edge"/"edge2"/g' "$D/blue.conf"
kill -HUP "$BLUE_CP"
check "a reload without a data plane to ask is taken" topo_wait_for 10 bash -c \
	"[ \$(grep -c 'reloaded .* as generation' '$D/blue.log') -gt $reloads ]"
cp "$D/blue.conf.good" "$D/blue.conf"
mv "$DP_SOCK.away" "$DP_SOCK"
check "refused once the data plane is back: the file it applied is in force again" \
	topo_wait_for 20 grep -q "the file it last applied, is in force again" "$D/blue.log"
check "and the learned route is still there" has_route "$new_relay"

# 7. Red's control plane killed: its lease expires (3 s) and the route goes.
t0=$(ms)
stop_pid "$RED" KILL
check "killed gateway's key expires with its lease" topo_wait_for 15 key_gone "$KEY_RED"
check "and its route leaves our data plane" topo_wait_for 10 no_route
echo "# lease expiry to route withdrawn: $(($(ms) - t0)) ms after SIGKILL (TTL 3 s)"

# 8. Blue stops: allocations released, lease revoked at once.
stop_pid "$BLUE" TERM
check "SIGTERM: registration withdrawn at once" key_gone "$KEY_BLUE"
check "SIGTERM: allocations released" grep -q 'allocation released' "$D/blue.log"
check "no password in any log" bash -c "! grep -h -e pw-Blue-4417 -e pw-Red-7731 -e pw-Wrong-0000 '$D/blue.log' '$D/red.log' '$D/refused.log'"
if [ "$CHECK_FAILS" -gt 0 ]; then
	tail -40 "$D/blue.log" >&2
	tail -15 "$D/red.log" >&2
fi
check_done 41-turn-discovery
