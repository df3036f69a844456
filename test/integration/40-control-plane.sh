#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The control plane with a running data plane: meshrelay-cp pushes its file and keeps it
# in force; meshrelayctl reads status and reports, pushes and reloads. A broken file is
# refused with its line and the old routes stay served; while meshrelay-cp manages the
# data plane anyone else's push is refused; killing meshrelay-cp stops no forwarding, and
# then 1,000 route pushes go by while a 100 MB each-way transfer runs (it completes
# byte-identical); a restarted data plane gets the configuration again within seconds; a
# user other than root and the socket's owner is refused, even through a 0666 socket.
# meshrelay-cp's pid and status files replace links planted at their paths.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-ctl
CERTS=$TOPO_DIR/certs
RUN=$TOPO_DIR/run             # reachable by the unprivileged user of part (e)
SOCK=$TOPO_DIR/$PREFIX.sock    # where dp_start puts the control socket
CP_PID_FILE=$TOPO_DIR/cp.pid
MR_CP=${MR_CP:-$MR_BUILD_DIR/controlplane/meshrelay-cp}
PUSHES=${MR_CTL_PUSHES:-1000}
ctl() { "$MR_CTL" -s "$SOCK" "$@"; }
status_of() { ctl --json status | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" 2>/dev/null; }
generation_is() { [ "$(status_of generation)" = "$1" ]; }
verifies() { # verifies SNI: openssl s_client through the relay checks the backend's certificate
	local out
	out=$(echo | in_ns "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
		-servername "$1" -CAfile "$CERTS/ca.crt" -verify_return_error -verify_hostname "$1" 2>&1)
	s_client_verified "$1" "$out"
}
ok_line() { grep -q '^ok ' "$1"; }

# conf EXTRA: the appliance's file; EXTRA goes at the end of the routes list.
conf() {
	cat <<CONF
dataplane = {
  eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
          "--log-level", "pmd.net.tap:error" ];
  control_socket = "$SOCK";
};
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { closing_timeout_ms = 500; idle_timeout_ms = 60000; };
pools = (
  { name = "api";  members = ( { address = "10.98.0.2"; port = 8443; } ); },
  { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); }
);
routes = (
  { sni = "api.svc.example";  pool = "api"; },
  { sni = "blob.svc.example"; pool = "blob"; }$1
);
log = { level = "info"; };
CONF
}

# cp_start: meshrelay-cp in the background (bounded); its own pid from the pid file. Links
# to $VICTIM are planted where its pid and status files go: root must replace them, never
# write through them.
VICTIM=$TOPO_DIR/victim
cp_start() {
	rm -f "$CP_PID_FILE" "$TOPO_DIR/cp.status" "$TOPO_DIR/cp.status.tmp"
	for f in "$CP_PID_FILE" "$TOPO_DIR/cp.status" "$TOPO_DIR/cp.status.tmp"; do
		ln -s "$VICTIM" "$f"
	done
	timeout -s TERM 900 "$MR_CP" -c "$TOPO_DIR/cp.conf" --pidfile "$CP_PID_FILE" \
		--status "$TOPO_DIR/cp.status" >>"$TOPO_DIR/cp.log" 2>&1 &
	CP_WRAPPER=$!
	topo_track "$CP_WRAPPER"
	topo_wait_for 10 bash -c "[ -s '$CP_PID_FILE' ] && [ ! -L '$CP_PID_FILE' ]" &&
		CP_PID=$(cat "$CP_PID_FILE")
}
not_written_through() { # the files replaced the links, the victim is as it was
	[ ! -L "$CP_PID_FILE" ] && [ -f "$TOPO_DIR/cp.status" ] && [ ! -L "$TOPO_DIR/cp.status" ] &&
		[ ! -e "$TOPO_DIR/cp.status.tmp" ] && [ "$(cat "$VICTIM")" = precious ]
}

# blob_paced OUT UP DOWN: a tls_blob client whose upload crawls while $TOPO_DIR/pace
# exists, and from half-way on nearly stops, so that the flow stays established through
# whatever runs meanwhile; full speed once the file goes. tls_blob's verdict goes to OUT.
blob_paced() {
	in_ns "$RT_CLI" timeout 600 /usr/bin/python3 - "$TOPO_DIR/pace" "$CERTS/ca.crt" "$2" "$3" \
		>"$1" 2>&1 <<'PY' &
import os, ssl, sys, time
sys.path.insert(0, "test/lib")
import tls_blob
pace, cafile, up, down = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
plain_sendall, sent = ssl.SSLSocket.sendall, [0]
def paced(self, data, flags=0):
    if os.path.exists(pace):  # half-way on, a chunk now and then keeps the flow alive
        time.sleep(0.2 if sent[0] >= up // 2 else 0.01)
    sent[0] += len(data)
    return plain_sendall(self, data, flags)
ssl.SSLSocket.sendall = paced
sys.exit(tls_blob.client("10.99.0.1", 443, "blob.svc.example", cafile, up, down))
PY
	BLOB_PID=$!
	topo_track "$BLOB_PID"
}

rt_build
bash test/lib/mkcerts.sh "$CERTS" api.svc.example blob.svc.example
chmod 0711 "$TOPO_DIR"
mkdir -m 0755 "$RUN"
conf "" >"$TOPO_DIR/dp.conf"
cp "$TOPO_DIR/dp.conf" "$TOPO_DIR/cp.conf"
echo precious >"$VICTIM"
conf "" >"$TOPO_DIR/off.conf"
conf ",
  { sni = \"extra.svc.example\"; pool = \"api\"; }" >"$TOPO_DIR/on.conf"
conf ",
  { sni = \"bad.svc.example\"; pool = \"nowhere\"; }" >"$TOPO_DIR/broken.conf"
bad_line=$(grep -n nowhere "$TOPO_DIR/broken.conf" | cut -d: -f1)

dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 900 || exit 1
srv() {
	ip netns exec "$RT_SRV" timeout 900 "$@" >>"$TOPO_DIR/servers.log" 2>&1 &
	topo_track $!
}
srv openssl s_server -accept 10.98.0.2:8443 -cert "$CERTS/api.svc.example.crt" \
	-key "$CERTS/api.svc.example.key" -www -quiet
srv /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key"
for port in 8443 9443; do
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN" ||
		echo "backend on $port did not start"
done

# 0. meshrelay-cp pushes its file; meshrelayctl reads what runs.
check "the data plane starts with its own file: generation 0" generation_is 0
cp_start
check "meshrelay-cp running with a pid file" kill -0 "${CP_PID:-0}"
check "its pid and status files replaced the links planted there, not written through" \
	topo_wait_for 5 not_written_through
# Privileges after start-up: meshrelay-cp keeps no capability; the data plane's workers
# and control thread none, its main thread CAP_NET_ADMIN and CAP_NET_RAW (port shutdown);
# none of them can gain any through exec. (DPDK's own service threads, created inside EAL
# start-up, keep theirs: a thread can only drop its own.)
cap_of() { awk -v k="$2:" '$1 == k { print $2 }' "$1/status"; }
dp_real=$(pgrep -P "$DP_PID" -x meshrelay-dp | head -1)
thread_caps() { # thread_caps NAME_PATTERN: "CapEff/NoNewPrivs" of each matching thread
	local t
	for t in /proc/"$dp_real"/task/*; do
		grep -Eq "$1" "$t/comm" && echo "$(cap_of "$t" CapEff)/$(cap_of "$t" NoNewPrivs)"
	done | sort -u
}
check "meshrelay-cp runs without capabilities in force ($(cap_of /proc/$CP_PID CapEff))" \
	test "$(cap_of /proc/"$CP_PID" CapEff)/$(cap_of /proc/"$CP_PID" NoNewPrivs)" = 0000000000000000/1
check "... dac_read_search permitted only, for reloads ($(cap_of /proc/$CP_PID CapPrm))" \
	test "$(cap_of /proc/"$CP_PID" CapPrm)" = 0000000000000004
check "data-plane workers run without capabilities ($(thread_caps '^rte-worker'))" \
	test "$(thread_caps '^rte-worker')" = 0000000000000000/1
check "data-plane control thread runs without capabilities ($(thread_caps '^mr-control'))" \
	test "$(thread_caps '^mr-control')" = 0000000000000000/1
check "data-plane main thread keeps net_admin and net_raw only ($(cap_of /proc/$dp_real CapEff))" \
	test "$(cap_of /proc/"$dp_real" CapEff)/$(cap_of /proc/"$dp_real" NoNewPrivs)" = 0000000000003000/1
check "meshrelay-cp's first push is in force: generation 1" topo_wait_for 10 generation_is 1
out=$(ctl status)
check "status: a human table ($(tr '\n' ' ' <<<"$out"))" grep -Eq '^generation +1$' <<<"$out"
check "show routes names both routes" bash -c \
	"'$MR_CTL' -s '$SOCK' show routes | grep -q api.svc.example && '$MR_CTL' -s '$SOCK' show routes | grep -q blob.svc.example"
check "-c FILE finds the socket in the file" bash -c \
	"'$MR_CTL' -c '$TOPO_DIR/cp.conf' status | grep -Eq '^generation +1$'"
check "-p PREFIX still reads DPDK telemetry" bash -c \
	"'$MR_CTL' -p '$PREFIX' show counters | grep -q '^rx_frames '"
check "show port edge: exit 0" bash -c "'$MR_CTL' -s '$SOCK' show port edge >/dev/null"
check "show counters --json: one JSON object" bash -c \
	"'$MR_CTL' -s '$SOCK' --json show counters | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)'"
ctl show port nonesuch >/dev/null 2>&1
check "show port of an unknown port: exit 1" test $? -eq 1
ctl show nonsense >/dev/null 2>&1
check "show of an unknown object: usage, exit 2" test $? -eq 2
"$MR_CTL" -s "$RUN/absent.sock" status >/dev/null 2>&1
check "no data plane at the socket: exit 3" test $? -eq 3
"$MR_CTL" -p "${PREFIX}-absent" show counters >/dev/null 2>&1
check "no data plane behind a telemetry prefix: exit 3" test $? -eq 3
err=$("$MR_CTL" -p "$PREFIX" show port nonesuch 2>&1 >/dev/null)
check "telemetry of an unknown port: exit 1, said ($err)" bash -c \
	"'$MR_CTL' -p '$PREFIX' show port nonesuch >/dev/null 2>&1; [ \$? -eq 1 ] && [ -n '$err' ]"
check "the relay serves api.svc.example" verifies api.svc.example

# (b) A broken file is refused whole, with its line; the old routes stay served.
err=$(ctl push "$TOPO_DIR/broken.conf" 2>&1)
rc=$?
check "push of a broken file: exit 1" test "$rc" -eq 1
check "the refusal names broken.conf:$bad_line ($err)" grep -q "broken.conf:$bad_line:" <<<"$err"
check "still generation 1 after the refusal" generation_is 1
out=$("$MR_CTL" -c "$TOPO_DIR/broken.conf" status 2>&1)
rc=$?
shown_with_warning() {
	[ "$rc" = 0 ] && grep -q "warning: .*broken.conf:$bad_line:" <<<"$out" &&
		grep -Eq '^generation +1$' <<<"$out"
}
check "meshrelayctl -c a file that does not load whole: what runs still shown, with a warning (exit $rc)" \
	shown_with_warning
check "old routes still served: s_client verifies api.svc.example" verifies api.svc.example
cp "$TOPO_DIR/broken.conf" "$TOPO_DIR/cp.conf"
err=$(ctl --pidfile "$CP_PID_FILE" reload 2>&1)
rc=$?
check "reload of a broken file: exit 1 ($err)" test "$rc" -eq 1
check "... meshrelay-cp's reason said by meshrelayctl" \
	grep -q "reload refused, generation 1 stays in force: .*cp.conf:$bad_line:" <<<"$err"
check "meshrelay-cp logged the refusal with the line" \
	grep -q "reload refused.*cp.conf:$bad_line:" "$TOPO_DIR/cp.log"
check "meshrelay-cp still running" kill -0 "$CP_PID"
check "old routes still served after the refused reload" verifies blob.svc.example
cp "$TOPO_DIR/off.conf" "$TOPO_DIR/cp.conf"
echo 'metrics = { cp_listen = "127.0.0.1:39481"; };' >>"$TOPO_DIR/cp.conf"
out=$(ctl --pidfile "$CP_PID_FILE" reload 2>&1)
check "reload of a good file: exit 0 ($out)" grep -q 'now has generation 2 (was 1)' <<<"$out"
check "the pid file still holds the pid alone (kill \$(cat FILE) works)" \
	test "$(cat "$CP_PID_FILE")" = "$CP_PID"
check "its new metrics.cp_listen is said to need a restart, not dropped in silence" \
	grep -q 'metrics.cp_listen changed: not in force before meshrelay-cp restarts' "$TOPO_DIR/cp.log"
cp "$TOPO_DIR/off.conf" "$TOPO_DIR/cp.conf" # a restart below opens no endpoint
# A reload the data plane refuses (a port renamed: only its restart does that) that also
# moves the control socket: the link's next connection goes where the file in force says,
# not to the refused file's path where nothing listens (before, a link lost after it never
# came back until the data plane restarted).
sed -e 's/"edge"/"edge2"/g' -e "s|control_socket = \"$SOCK\"|control_socket = \"$SOCK.moved\"|" \
	"$TOPO_DIR/off.conf" >"$TOPO_DIR/cp.conf"
err=$(ctl --pidfile "$CP_PID_FILE" reload 2>&1)
rc=$?
check "a reload the data plane refuses: exit 1, said ($err)" \
	test "$rc" -eq 1 -a -n "$(grep 'the data plane refused it' <<<"$err")"
check "a reload the data plane refuses, the socket moved in it: refused" topo_wait_for 10 \
	grep -q "reload of .* refused by the data plane: generation 2 stays in force" "$TOPO_DIR/cp.log"
cp "$TOPO_DIR/off.conf" "$TOPO_DIR/cp.conf"
lost=$(grep -c 'lost the data plane' "$TOPO_DIR/cp.log")
links=$(grep -c "connected to the data plane at $SOCK\$" "$TOPO_DIR/cp.log")
kill -STOP "$dp_real" # past the link's ping timeout
topo_wait_for 10 bash -c "[ \$(grep -c 'lost the data plane' '$TOPO_DIR/cp.log') -gt $lost ]"
kill -CONT "$dp_real"
check "the link lost then: connected again where the file in force says" topo_wait_for 15 \
	bash -c "[ \$(grep -c 'connected to the data plane at $SOCK\$' '$TOPO_DIR/cp.log') -gt $links ]"
check "... and it manages the data plane again" topo_wait_for 10 bash -c \
	"'$MR_CTL' -s '$SOCK' --json status | grep -q '\"managed\": 1'"

# (a) While meshrelay-cp manages the data plane, anyone else's push is refused, saying
# why: meshrelay-cp would put its own file back at its next ping.
err=$(ctl push "$TOPO_DIR/on.conf" 2>&1)
rc=$?
check "a push while meshrelay-cp manages: exit 1 ($err)" test "$rc" -eq 1
check "the refusal names meshrelay-cp and reload" grep -q 'meshrelay-cp manages.*reload' <<<"$err"
check "nothing applied: still generation 2" generation_is 2
# The list read first: a failed read is a failed check, not a list without the route.
routes=$(ctl show routes)
rc=$?
check "the route it does not have is not served (show routes: status $rc)" \
	test "$rc" -eq 0 -a -n "$routes" -a -z "$(grep extra.svc.example <<<"$routes")"
check "status says the data plane is managed" bash -c \
	"'$MR_CTL' -s '$SOCK' --json status | grep -q '\"managed\": 1'"

# (c) meshrelay-cp killed: forwarding goes on, for an established flow and new ones.
touch "$TOPO_DIR/pace"
blob_paced "$TOPO_DIR/blob-c.out" 20000000 20000000
topo_wait_for 20 bash -c "'$MR_CTL' -s '$SOCK' show flows | grep -Eq '^flows +[1-9]'"
kill -KILL "$CP_PID"
wait "$CP_WRAPPER" 2>/dev/null
check "meshrelay-cp is gone" bash -c "! kill -0 $CP_PID 2>/dev/null"
rm -f "$TOPO_DIR/pace"
wait "$BLOB_PID"
check "the established transfer completes without meshrelay-cp ($(cat "$TOPO_DIR/blob-c.out"))" \
	ok_line "$TOPO_DIR/blob-c.out"
check "new connections still relayed: s_client verifies api.svc.example" verifies api.svc.example
check "the data plane keeps generation 2" generation_is 2

# (a') Without meshrelay-cp, pushes are anyone's again: 1,000 consecutive pushes, the extra
# route on and off, during a 100 MB each-way transfer.
check "status says the data plane is no longer managed" bash -c \
	"'$MR_CTL' -s '$SOCK' --json status | grep -q '\"managed\": 0'"
touch "$TOPO_DIR/pace"
blob_paced "$TOPO_DIR/blob-a.out" 100000000 100000000
topo_wait_for 20 bash -c "'$MR_CTL' -s '$SOCK' show flows | grep -Eq '^flows +[1-9]'"
check "the transfer's flow is established before the pushes" \
	bash -c "'$MR_CTL' -s '$SOCK' show flows | grep -Eq '^flows +[1-9]'"
: >"$TOPO_DIR/pushes"
push_fail=0
t0=$(date +%s.%N)
for i in $(seq "$PUSHES"); do
	f=$TOPO_DIR/on.conf
	[ $((i % 2)) -eq 0 ] && f=$TOPO_DIR/off.conf
	ctl --json push "$f" >>"$TOPO_DIR/pushes" 2>>"$TOPO_DIR/push-errors" || push_fail=$((push_fail + 1))
done
t1=$(date +%s.%N)
check "$PUSHES pushes: all applied (failures: $push_fail)" test "$push_fail" -eq 0
check "the transfer was still running after the last push" kill -0 "$BLOB_PID"
rm -f "$TOPO_DIR/pace"
wait "$BLOB_PID"
check "100 MB up and 100 MB down through $PUSHES pushes, sha256 equal ($(cat "$TOPO_DIR/blob-a.out"))" \
	ok_line "$TOPO_DIR/blob-a.out"
/usr/bin/python3 - "$TOPO_DIR/pushes" "$t0" "$t1" <<'PY'
import json, re, statistics, sys
rows = [r for r in (json.loads(l) for l in open(sys.argv[1]) if l.strip()) if r["applied"]]
rtt = sorted(r["round_trip_us"] for r in rows)
apply = sorted(int(re.search(r"in (\d+) us", r["result"]).group(1)) for r in rows)
took = float(sys.argv[3]) - float(sys.argv[2])
if rows:
    print("figure: push-to-applied (meshrelayctl round trip) over %d pushes: min %d us, "
          "median %d us, max %d us" % (len(rtt), rtt[0], statistics.median(rtt), rtt[-1]))
    print("figure: apply inside the data plane (validate, build, RCU swap): min %d us, "
          "median %d us, max %d us" % (apply[0], statistics.median(apply), apply[-1]))
    print("figure: %d pushes in %.1f s (%.1f ms each, meshrelayctl start-up included)"
          % (len(rows), took, 1000 * took / len(rows)))
PY
ctl push "$TOPO_DIR/on.conf" >/dev/null
check "a pushed route is in the table right after its push" bash -c \
	"'$MR_CTL' -s '$SOCK' show routes | grep -q extra.svc.example"

# (d) The data plane restarts while meshrelay-cp runs: the file is pushed again. The file
# was edited meanwhile (a port's setting, which only the data plane's start takes) and the
# data plane started from it, meshrelay-cp not told: refused its file in force, it reads
# the file again and pushes that (before, it pushed the old one, refused, for good).
cp_start
check "a new meshrelay-cp counts from 1 again and pushes at once" topo_wait_for 10 generation_is 1
sed 's/exception = { iface = "mr-edge"; }/exception = { iface = "mr-edge"; rate = 10000; }/' \
	"$TOPO_DIR/off.conf" >"$TOPO_DIR/edited.conf"
check "the edited file changes a port" bash -c "! cmp -s '$TOPO_DIR/off.conf' '$TOPO_DIR/edited.conf'"
cp "$TOPO_DIR/edited.conf" "$TOPO_DIR/cp.conf"
kill -INT "$DP_PID"
topo_wait_for 15 bash -c "! kill -0 $DP_PID 2>/dev/null"
check "the old data plane stopped" bash -c "! kill -0 $DP_PID 2>/dev/null"
dp_start "$RT_DP" "$TOPO_DIR/edited.conf" "$PREFIX" "$TOPO_DIR/dp2.log" 900 || exit 1
t0=$(date +%s%N)
check "meshrelay-cp read its edited file again and pushed it within 10 s (generation 2)" \
	topo_wait_for 10 generation_is 2
check "... saying why" grep -q "refuses generation 1, and .* has changed since it was read" \
	"$TOPO_DIR/cp.log"
echo "figure: configuration back in force $((($(date +%s%N) - t0) / 1000000)) ms after the new data plane was ready"
check "the new data plane relays: s_client verifies blob.svc.example" verifies blob.svc.example

# (e) Only root and the socket's owner: nobody is refused by the file mode, and by the
# data plane itself (SO_PEERCRED) when the mode would let it in.
install -m 0755 "$MR_CTL" "$RUN/meshrelayctl"
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$RUN/meshrelayctl" -s "$SOCK" "$@"; }
err=$(nobody status 2>&1)
rc=$?
check "nobody, socket mode 0600: exit 3 ($err)" test "$rc" -eq 3
check "nobody is told permission was denied" grep -q 'Permission denied' <<<"$err"
chmod 0666 "$SOCK"
err=$(nobody status 2>&1)
rc=$?
check "nobody, socket mode 0666: refused by the data plane, exit $rc ($err)" \
	bash -c "[ $rc -eq 1 ] || [ $rc -eq 3 ]"
check "the refusal says so" grep -q 'may not use the control socket' <<<"$err"
err=$(nobody push "$TOPO_DIR/on.conf" 2>&1)
rc=$?
check "nobody cannot push through a 0666 socket: exit $rc" bash -c "[ $rc -eq 1 ] || [ $rc -eq 3 ]"
check "nothing was applied for nobody: generation 2" generation_is 2
chmod 0600 "$SOCK"

# (f) The file owned by another user, mode 0600, as meshrelay-cp read it at start: its
# reloads read it too (having dropped its capabilities, it kept reading).
chown nobody:nogroup "$TOPO_DIR/cp.conf"
chmod 0600 "$TOPO_DIR/cp.conf"
out=$(ctl --pidfile "$CP_PID_FILE" reload 2>&1)
check "a file of nobody's, mode 0600: reloaded ($out)" \
	grep -q 'now has generation 3 (was 2)' <<<"$out"
chown root:root "$TOPO_DIR/cp.conf"

# meshrelay-cp stops cleanly on SIGTERM and takes its pid file along.
kill -TERM "$CP_PID"
wait "$CP_WRAPPER"
check "meshrelay-cp exits 0 on SIGTERM" test $? -eq 0
check "its pid file is gone" test ! -e "$CP_PID_FILE"
check "... and the reload note beside it" test ! -e "$CP_PID_FILE.reload"
check "data plane still running" kill -0 "$DP_PID"
grep -c 'pushed generation' "$TOPO_DIR/cp.log" | sed 's/^/meshrelay-cp pushes: /'
check_done "control plane"
