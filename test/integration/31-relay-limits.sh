#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay's limits hold: SYNs cost no state (cookies), partial ClientHellos time out
# and are reset, a full flow table refuses new connections cleanly while an established
# transfer goes on untouched; a graceful stop lets established transfers finish and
# resets at both ends what outlives its drain.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-limits
CERTS=$TOPO_DIR/certs
flows() { dp_field "$PREFIX" flows flows; }
no_flows() { [ "$(flows)" -eq 0 ]; }
some_flow() { [ "$(flows)" -ge 1 ]; }

rt_build
bash test/lib/mkcerts.sh "$CERTS" blob.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { max_flows = 64; hello_timeout_ms = 2000; closing_timeout_ms = 500; drain_ms = 15000; };
pools = ( { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); } );
routes = ( { sni = "blob.svc.example"; pool = "blob"; }
$(for i in $(seq 600); do echo ", { sni = \"r$i.svc.example\"; pool = \"blob\"; }"; done) );
CONF
# The data plane as a service manager starts it (Type=notify): what it tells on the
# socket $NOTIFY_SOCKET names is collected, one message a line.
timeout 300 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        out.flush()' "$TOPO_DIR/notify.sock" "$TOPO_DIR/notify.log" &
topo_track $!
topo_wait_for 5 test -S "$TOPO_DIR/notify.sock"
NOTIFY_SOCKET=$TOPO_DIR/notify.sock dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" \
	"$TOPO_DIR/dp.log" 300 || exit 1
ip netns exec "$RT_SRV" timeout 300 /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
topo_track $!
topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :9443' | grep -q LISTEN"
dp_mac=$(ip -n "$RT_DP" -br link show d0 | awk '{print tolower($3)}')

# 0. More routes than one telemetry answer holds (512 entries, 16 KB): read by -p, the
# list says how many it left out, and with them it is the list the control socket gives.
all=$("$MR_CTL" -s "$DP_SOCK" show routes | wc -l)
tel=$("$MR_CTL" -p "$PREFIX" show routes)
shown=$(grep -vc '^\.\.\. ' <<<"$tel")
more=$(sed -n 's/^\.\.\. \([0-9]*\) more not shown.*/\1/p' <<<"$tel")
check "telemetry: $shown routes shown, ${more:-none} said left out, $all by the socket" \
	test -n "$more" -a "$((shown + ${more:-0}))" = "$all"

# 1. A SYN flood: every SYN answered by a cookie, not one flow allocated.
syn0=$(counter syncookie_out)
ip netns exec "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/syn_flood.py c0 "$dp_mac" \
	10.99.0.77 10.99.0.1 443 5000
sleep 1
answered=$(dp_delta "$syn0" "$(counter syncookie_out)")
check "SYN flood: $answered of 5000 SYNs answered with a cookie" test "$answered" -ge 4500
check "SYN flood: no flow allocated" test "$(flows)" -eq 0

# 2. Partial ClientHellos hold a flow each, then are reset at the hello timeout.
to0=$(drop hello_timeout)
out=$(ip netns exec "$RT_CLI" timeout 30 /usr/bin/python3 test/lib/hold_hellos.py 10.99.0.1 443 20 60 6)
check "partial hellos: all 20 reset by the relay ($out)" grep -q 'reset=20 open=0' <<<"$out"
check "partial hellos: 20 hello timeouts counted" test "$(dp_delta "$to0" "$(drop hello_timeout)")" -eq 20
check "partial hellos: their flows are gone" topo_wait_for 5 no_flows

# 3. A full table refuses new connections and leaves the established ones alone.
ip netns exec "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 150000000 150000000 >"$TOPO_DIR/long.out" 2>&1 &
long=$!
topo_track "$long"
topo_wait_for 20 some_flow
full0=$(drop flow_table_full)
ip netns exec "$RT_CLI" timeout 30 /usr/bin/python3 test/lib/hold_hellos.py 10.99.0.1 443 70 60 1.5 \
	>"$TOPO_DIR/hold.out" 2>&1
check "full table: connections past 64 flows refused ($(cat "$TOPO_DIR/hold.out"))" \
	test "$(dp_delta "$full0" "$(drop flow_table_full)")" -ge 5
wait "$long"
check "full table: the established transfer completed ($(cat "$TOPO_DIR/long.out"))" \
	grep -q '^ok ' "$TOPO_DIR/long.out"
check "data plane still running" kill -0 "$DP_PID"
"$MR_CTL" -p "$PREFIX" show drops | grep -v ' 0$' | sed 's/^/  /'

# 4. Graceful stop: established flows finish, new connections are refused, then it exits.
topo_wait_for 20 no_flows # the held hellos of part 3 are gone: the next flow is the transfer's
ip netns exec "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 150000000 150000000 >"$TOPO_DIR/drain.out" 2>&1 &
long=$!
topo_track "$long"
topo_wait_for 20 some_flow # the transfer's flow exists before the signal
draining0=$(drop draining)
# The data plane itself, not its timeout(1) wrapper: the wrapper passes a signal on to
# the child and to its process group, so the data plane would get two, and a second
# signal is the operator's "stop now" that cuts the drain short.
kill -TERM "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
sleep 0.2
out=$(echo | ip netns exec "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
	-servername blob.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
	-verify_hostname blob.svc.example 2>&1)
rc=$?
check "draining: a new connection is refused (s_client status $rc)" s_client_refused "$rc" "$out"
check "draining: the refusal counted ($(dp_delta "$draining0" "$(drop draining)"))" \
	test "$(dp_delta "$draining0" "$(drop draining)")" -ge 1
wait "$long"
check "draining: the established transfer completed ($(cat "$TOPO_DIR/drain.out"))" \
	grep -q '^ok ' "$TOPO_DIR/drain.out"
for _ in $(seq 100); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DP_PID"
rc=$?
check "draining: the data plane exited by itself once its flows were done (status $rc)" test "$rc" -eq 0
check "draining: it said so" grep -q 'drain over: 0 flow' "$TOPO_DIR/dp.log"
check "the service manager was told: ready, stopping, and more time while draining" bash -c \
	"grep -q '^READY=1 STATUS=relaying' '$TOPO_DIR/notify.log' &&
	 grep -q '^STOPPING=1' '$TOPO_DIR/notify.log' &&
	 grep -Eq '^EXTEND_TIMEOUT_USEC=[0-9]+ STATUS=draining [0-9]+ connection' '$TOPO_DIR/notify.log'"

# 5. A connection that outlives the drain (1 s now) is reset at both ends when the data
# plane stops: the idle client's TLS connection ends at once, not when its own input does
# (30 s) or a keep-alive finds it dead, and the server holds nothing from the relay.
sed -i 's/drain_ms = 15000;/drain_ms = 1000;/' "$TOPO_DIR/dp.conf"
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp2.log" 300 || exit 1
ip netns exec "$RT_CLI" timeout 60 openssl s_client -connect 10.99.0.1:443 \
	-servername blob.svc.example -CAfile "$CERTS/ca.crt" < <(sleep 30) >"$TOPO_DIR/idle.out" 2>&1 &
idle=$!
topo_track "$idle"
topo_wait_for 20 some_flow
topo_wait_for 10 grep -q '^New, TLS' "$TOPO_DIR/idle.out"
t0=$(date +%s%N)
kill -TERM "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
for _ in $(seq 100); do kill -0 "$idle" 2>/dev/null || break; sleep 0.1; done
ended_ms=$((($(date +%s%N) - t0) / 1000000))
check "stopped past its drain: the idle client's connection ended ${ended_ms} ms after the signal" \
	test "$ended_ms" -lt 8000
check "and the server holds no connection from the relay" \
	test "$(ip netns exec "$RT_SRV" ss -Htn state established '( sport = :9443 )' | wc -l)" -eq 0
wait "$DP_PID"
check "the data plane said so" grep -q 'drain over: 1 flow' "$TOPO_DIR/dp2.log"
check_done "relay limits"
