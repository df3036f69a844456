#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The connection log (log.connections) with real clients, every record compared with what
# the clients did:
#  - 6 s_client connections by name, certificate verified, with ALPN h2: 6 records
#    "end":"fin" with the SNI, TLS 1.3, the ALPN, pool and member;
#  - 4 plain TCP connections to an echo service's VIP, each sending a known number of
#    bytes: bytes_in and bytes_out equal to what the client sent and got back;
#  - 3 connections for a name nobody routes: "refused", reason route_no_route;
#  - 1 connection the backend resets after its first bytes: "rst_backend";
#  - 1 connection left idle past relay.idle_timeout_ms: "idle";
#  - the file renamed and SIGHUP sent (logrotate): the next connections go to a new file,
#    and the two files hold exactly one record per connection, nothing lost;
#  - a rotation to a new file the logging thread may not open: a warning, the records on
#    in the file it had open, the new file taken once it may;
#  - the Prometheus endpoint (metrics.listen) scraped with curl before and after the
#    traffic: promtool check metrics clean, the deltas equal to the traffic;
#  - meshrelayctl top, not on a terminal: plain text rates that saw the traffic;
#  - to syslog (RFC 5424 datagrams) instead of a file: one message per record;
#  - to a named pipe: the data plane starts before any reader; a reader that leaves after
#    one record (a log shipper that stops): the data plane lives on, connections go on,
#    the records after it counted lost; a new reader gets the records after it;
#  - to a syslog daemon that stopped reading: records lost, not the thread, which stops;
#  - on a full disk: no record cut short is left to run into the next.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-clog
CERTS=$TOPO_DIR/certs
LOG=$TOPO_DIR/connections.log
rt_build
bash test/lib/mkcerts.sh "$CERTS" api.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { idle_timeout_ms = 2000; closing_timeout_ms = 200; };
pools = ( { name = "api"; members = ( { address = "10.98.0.2"; port = 9443; } ); },
          { name = "echo"; members = ( { address = "10.98.0.2"; port = 7000; } ); },
          { name = "rst"; members = ( { address = "10.98.0.2"; port = 7001; } ); } );
routes = ( { sni = "api.svc.example"; pool = "api"; },
           { name = "echo.svc.example"; protocol = "tcp"; port = 7; pool = "echo";
             vip = "240.240.0.7"; },
           { name = "rst.svc.example"; protocol = "tcp"; port = 8; pool = "rst";
             vip = "240.240.0.8"; } );
dns = { port = "edge"; zones = [ "svc.example" ]; vip_range = "240.240.0.0/16"; };
log = { connections = "$LOG"; };
metrics = { listen = "127.0.0.1:9480"; };
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
DP_REAL=$(pgrep -P "$DP_PID" -x meshrelay-dp)
# The thread that formats what clients sent keeps no capability (it kept all of them).
connlog_caps() {
	local t
	for t in /proc/"$DP_REAL"/task/*; do
		grep -q '^mr-connlog' "$t/comm" && awk '$1 == "CapEff:" { print $2 }' "$t/status"
	done
}
check "the connection log's thread runs without capabilities ($(connlog_caps))" \
	test "$(connlog_caps)" = 0000000000000000
srv() { ip netns exec "$RT_SRV" timeout 120 "$@" >>"$TOPO_DIR/servers.log" 2>&1 & topo_track $!; }
srv openssl s_server -quiet -accept 10.98.0.2:9443 -www -alpn h2,http/1.1 \
	-cert "$CERTS/api.svc.example.crt" -key "$CERTS/api.svc.example.key"
srv /usr/bin/python3 test/lib/tcp_echo.py 10.98.0.2 7000
# A backend that resets every connection once its first bytes came.
srv /usr/bin/python3 -c '
import socket, struct
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.98.0.2", 7001)); s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()'
for port in 9443 7000 7001; do
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN"
done

tls_client() { # tls_client NAME: one verified connection, a GET, the answer read
	printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$RT_CLI" timeout 10 openssl s_client \
		-connect 10.99.0.1:443 -servername "$1" -alpn h2 -CAfile "$CERTS/ca.crt" \
		-verify_return_error -verify_hostname "$1" -ign_eof 2>&1
}
verified_client() { s_client_verified "$1" "$(tls_client "$1")"; } # verified_client NAME
echo_client() { # echo_client BYTES: BYTES to the echo VIP and back; "ok BYTES" when identical
	ip netns exec "$RT_CLI" timeout 20 /usr/bin/python3 test/lib/tcp_echo.py client \
		240.240.0.7 7 "$1"
}
records() { cat "$LOG" "$LOG".1 2>/dev/null | grep -c .; }
rec() { # rec JQ-FILTER: how many records match (python: no jq needed)
	cat "$LOG" "$LOG".1 2>/dev/null | /usr/bin/python3 -c '
import json, sys
f = eval("lambda r: " + sys.argv[1])
print(sum(1 for line in sys.stdin if line.strip() and f(json.loads(line))))' "$1"
}

scrape() { ip netns exec "$RT_DP" curl -sS --max-time 5 http://127.0.0.1:9480/metrics; }
metric() { # metric NAME{LABELS} FILE: its value
	awk -v m="$1" '$1 == m { print $2 }' "$2"
}
scrape >"$TOPO_DIR/m0"
check "metrics: promtool check metrics is clean" \
	bash -c "promtool check metrics <'$TOPO_DIR/m0' >'$TOPO_DIR/promtool.out' 2>&1"
cat "$TOPO_DIR/promtool.out" | head -5
ok=0
for i in 1 2 3 4 5 6; do
	verified_client api.svc.example && ok=$((ok + 1))
done
check "6 verified s_client connections by name with ALPN h2 ($ok)" test "$ok" = 6
sizes="1000 65536 300000 7"
for n in $sizes; do
	got=$(echo_client "$n")
	[ "$got" = "ok $n" ] || echo "# echo of $n bytes gave $got"
done
for i in 1 2 3; do tls_client nope.svc.example >/dev/null; done
ip netns exec "$RT_CLI" timeout 10 /usr/bin/python3 -c '
import socket
s = socket.create_connection(("240.240.0.8", 8), timeout=5)
s.sendall(b"hello")
try:
    s.recv(10)
except OSError:
    pass'
# One connection left idle: the relay ends it after idle_timeout_ms (2 s).
ip netns exec "$RT_CLI" timeout 10 /usr/bin/python3 -c '
import socket, time
s = socket.create_connection(("240.240.0.7", 7), timeout=8)
s.sendall(b"x"); s.recv(1)
time.sleep(4)'
topo_wait_for 5 bash -c "[ \$(cat '$LOG' | grep -c .) -ge 15 ]"

check "15 connections, 15 records ($(records))" test "$(records)" = 15
check "6 TLS records: fin, SNI, TLS 1.3, ALPN h2, pool and member" test "$(rec \
	'r["end"] == "fin" and r.get("sni") == "api.svc.example" and r["tls"] == "1.3" and r["alpn"] == "h2" and r["pool"] == "api" and r["member"] == "10.98.0.2:9443" and r["bytes_in"] > 0 and r["bytes_out"] > 0 and r["connect_ms"] is not None')" = 6
for n in $sizes; do
	check "echo of $n bytes: bytes_in and bytes_out $n, the service's name" test "$(rec \
		"r.get('service') == 'echo.svc.example' and r['bytes_in'] == $n and r['bytes_out'] == $n and r['end'] == 'fin'")" = 1
done
[ "$CHECK_FAILS" -gt 0 ] && grep -h '"service":"echo' "$LOG" | sed 's/^/# /' # what they were
check "3 refused: route_no_route, the name asked" test "$(rec \
	'r["end"] == "refused" and r["reason"] == "route_no_route" and r.get("sni") == "nope.svc.example"')" = 3
check "the backend's reset: rst_backend, 5 bytes in" test "$(rec \
	'r["end"] == "rst_backend" and r.get("service") == "rst.svc.example" and r["bytes_in"] == 5')" = 1
check "the idle one: idle after about 2 s" test "$(rec \
	'r["end"] == "idle" and r["duration_ms"] >= 2000 and r["bytes_in"] == 1')" = 1

scrape >"$TOPO_DIR/m1"
delta() { echo $(( $(metric "$1" "$TOPO_DIR/m1") - $(metric "$1" "$TOPO_DIR/m0") )); }
check "metrics: 15 flows created, 6 to pool api, 3 refused for no route, 15 records queued ($(delta meshrelay_flow_created_total) $(delta 'meshrelay_pool_connections_total{pool="api"}') $(delta 'meshrelay_drops_total{reason="route_no_route"}'))" \
	test "$(delta meshrelay_flow_created_total)" = 15 -a \
	"$(delta 'meshrelay_pool_connections_total{pool="api"}')" = 6 -a \
	"$(delta 'meshrelay_drops_total{reason="route_no_route"}')" = 3 -a \
	"$(delta meshrelay_connlog_queued_total)" = 15
check "metrics: the member's counters and state" bash -c \
	"grep -q 'meshrelay_member_up{pool=\"api\",member=\"10.98.0.2:9443\"} 1' '$TOPO_DIR/m1' &&
	 grep -q 'meshrelay_member_connections_total{pool=\"api\",member=\"10.98.0.2:9443\"} 6' '$TOPO_DIR/m1'"
check "metrics: port counters moved" test "$(delta 'meshrelay_port_rx_packets_total{port="edge"}')" -gt 100
check "metrics again after traffic: promtool clean" \
	bash -c "promtool check metrics <'$TOPO_DIR/m1' >/dev/null 2>&1"
check "metrics: a wrong path is 404" bash -c \
	"ip netns exec '$RT_DP' curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9480/nope | grep -q 404"
check "metrics: HEAD is 200 without a body, POST 405" bash -c \
	"ip netns exec '$RT_DP' curl -sI http://127.0.0.1:9480/metrics | grep -q '^HTTP/1.0 200' &&
	 ip netns exec '$RT_DP' curl -s -o /dev/null -w '%{http_code}' -d x http://127.0.0.1:9480/metrics | grep -q 405"
# Scrapers that connect and send nothing (for 4 s, a new one as soon as one is let go)
# hold the metrics thread, never the control socket: meanwhile ten status reads answer at
# once. Before, each silent one held the control thread a quarter of a second.
ip netns exec "$RT_DP" timeout 20 /usr/bin/python3 -c 'import socket, time
held, end = [], time.time() + 4
while time.time() < end:
    try:
        held.append(socket.create_connection(("127.0.0.1", 9480), timeout=0.2))
    except OSError:
        time.sleep(0.01)' &
silent=$!
topo_track "$silent"
sleep 0.5
t0=$(date +%s%N)
reads=0
for i in $(seq 10); do "$MR_CTL" -s "$DP_SOCK" show status >/dev/null 2>&1 && reads=$((reads + 1)); done
ctl_ms=$((($(date +%s%N) - t0) / 1000000))
check "silent scrapers: $reads of ten status reads on the control socket, in $ctl_ms ms" \
	test "$reads" = 10 -a "$ctl_ms" -lt 2000
wait "$silent" 2>/dev/null
check "and a scrape after them is whole" bash -c "scrape | promtool check metrics >/dev/null 2>&1"

# meshrelayctl top, plain text, two rounds while connections come.
( for i in 1 2 3 4; do tls_client api.svc.example >/dev/null; sleep 0.3; done ) &
topo_track $!
top=$("$MR_CTL" -s "$DP_SOCK" top 2 2>&1)
echo "$top" | sed -n '1,12p'
check "top: two views, rates of new connections, ports, the busy pool" bash -c \
	"[ \$(grep -c '^meshrelay top' <<<'$top') = 2 ] && grep -q '^edge ' <<<'$top' &&
	 grep -q '^busiest pools' <<<'$top' && grep -q '/s  pool api\$' <<<'$top'"

# Rotation: the file renamed, SIGHUP, then 5 more connections.
mv "$LOG" "$LOG.1"
kill -HUP "$DP_REAL"
for i in 1 2 3 4 5; do tls_client api.svc.example >/dev/null; done
topo_wait_for 5 bash -c "[ -s '$LOG' ] && [ \$(grep -c . '$LOG') -ge 5 ]"
check "after SIGHUP: 5 records in the new file, 19 in the renamed one" \
	bash -c "[ \$(grep -c . '$LOG') = 5 ] && [ \$(grep -c . '$LOG.1') = 19 ]"
check "nothing dropped or lost ($(counter connlog_dropped) dropped, $(counter connlog_queued) queued)" \
	test "$(counter connlog_dropped)" = 0 -a "$(counter connlog_queued)" = 24
echo "# a record: $(head -1 "$LOG")"
check "data plane still running" kill -0 "$DP_PID"

# A rotation whose new file the logging thread may not open (it keeps no capability, so
# only files of its own user): a warning, the records on in the file it has open, and the
# new file taken once it may. Before, the failure was silent and never tried again: the
# records went on into the rotated file while they counted as written.
mv "$LOG" "$LOG.2"
install -o nobody -m 0600 /dev/null "$LOG"
kill -HUP "$DP_REAL"
for i in 1 2; do tls_client api.svc.example >/dev/null; done
topo_wait_for 5 bash -c "grep -q 'connection log .*: cannot open it again: Permission denied' '$TOPO_DIR/dp.log' &&
	[ \$(grep -c . '$LOG.2') -ge 7 ]" # the records come as the flows end
check "a new file it may not open: a warning, and the records in the one it had open ($(grep -c . "$LOG.2") there, $(grep -c . "$LOG") in the new; $(grep -o 'cannot open it again: [A-Za-z ]*' "$TOPO_DIR/dp.log" | head -1))" \
	bash -c "grep -q 'cannot open it again: Permission denied' '$TOPO_DIR/dp.log' &&
		 [ ! -s '$LOG' ] && [ \$(grep -c . '$LOG.2') = 7 ]"
chown --reference="$LOG.2" "$LOG"
sleep 1.2 # its next try
for i in 1 2 3; do tls_client api.svc.example >/dev/null; done
topo_wait_for 5 bash -c "[ \$(grep -c . '$LOG') -ge 3 ]"
check "once it may: the next records in the new file" \
	bash -c "[ \$(grep -c . '$LOG') = 3 ] && grep -q 'connection log .*: open again' '$TOPO_DIR/dp.log'"

# dp_restart NAME TARGET: the data plane again, its records to TARGET.
dp_restart() {
	local old
	old=$(sed -n 's/^log = { connections = "\(.*\)"; };$/\1/p' "$TOPO_DIR/dp.conf")
	kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)" 2>/dev/null
	wait "$DP_PID" 2>/dev/null || true
	sed -i "s|connections = \"$old\"|connections = \"$2\"|" "$TOPO_DIR/dp.conf"
	dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX-$1" "$TOPO_DIR/dp-$1.log" 120
}

# To syslog instead (RFC 5424 over a datagram socket, here a receiver of the test's own):
# the same data plane restarted with log.connections = "syslog:SOCKET"; 3 connections,
# 3 messages, each a JSON object behind the RFC 5424 header.
syslog_receiver() { # syslog_receiver OUT: a receiver of our own on syslog.sock; RX its PID
	rm -f "$TOPO_DIR/syslog.sock"
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        try:
            out.write(s.recv(4096).decode() + "\n")
        except socket.timeout:
            break' "$TOPO_DIR/syslog.sock" "$1" &
	RX=$!
	topo_track "$RX"
	topo_wait_for 5 test -S "$TOPO_DIR/syslog.sock"
}
syslog_receiver "$TOPO_DIR/syslog.out"
dp_restart syslog "syslog:$TOPO_DIR/syslog.sock" || exit 1
for i in 1 2 3; do tls_client api.svc.example >/dev/null; done
topo_wait_for 5 bash -c "[ \$(grep -c . '$TOPO_DIR/syslog.out') -ge 3 ]"
check "syslog: 3 RFC 5424 messages, one JSON record each" bash -c \
	"[ \$(grep -c '^<134>1 [0-9T:.-]*Z [^ ]* meshrelay-dp [0-9]* connection - {\"start\"' '$TOPO_DIR/syslog.out') = 3 ] &&
	 sed 's/^.* connection - //' '$TOPO_DIR/syslog.out' | /usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]'"
head -1 "$TOPO_DIR/syslog.out" | cut -c1-160
# The syslog daemon restarted (its socket made anew): the records after the first that
# finds it gone reach the new one, without a SIGHUP.
kill "$RX"
wait "$RX" 2>/dev/null || true
syslog_receiver "$TOPO_DIR/syslog2.out"
for i in 1 2 3 4; do tls_client api.svc.example >/dev/null; sleep 0.2; done
check "syslog restarted: the records after it reach the new socket" topo_wait_for 5 bash -c \
	"[ \$(grep -c 'connection - {\"start\"' '$TOPO_DIR/syslog2.out') -ge 2 ]"

# To a named pipe: the data plane starts before any reader (it does not wait for a log
# shipper; records meanwhile are counted lost); a reader that takes one record and leaves
# makes writing fail (EPIPE) instead of killing the data plane (SIGPIPE); a new reader
# gets the records after it.
mkfifo "$TOPO_DIR/log.fifo"
dp_restart fifo "$TOPO_DIR/log.fifo" || exit 1
check "a pipe without a reader: the data plane starts, and says so" \
	grep -q "connection log .*log.fifo: no reader yet" "$TOPO_DIR/dp-fifo.log"
tls_client api.svc.example >/dev/null
head -n 1 "$TOPO_DIR/log.fifo" >"$TOPO_DIR/fifo.out" &
topo_track $!
ok=0
for i in 1 2 3 4; do verified_client api.svc.example && ok=$((ok + 1)); sleep 0.3; done
lost=$(scrape | sed -n 's/^meshrelay_connlog_lost_total //p')
check "a pipe whose reader left: the data plane runs on ($ok of 4 connections, $lost records lost)" \
	bash -c "kill -0 '$DP_PID' && [ '$ok' = 4 ] && [ \$(grep -c '\"sni\":\"api.svc.example\"' '$TOPO_DIR/fifo.out') = 1 ] &&
	 [ '${lost:-0}' -ge 2 ]"
cat "$TOPO_DIR/log.fifo" >"$TOPO_DIR/fifo2.out" &
CAT=$!
topo_track "$CAT"
for i in 1 2 3 4; do tls_client api.svc.example >/dev/null; sleep 0.3; done
check "a new reader gets the records after it" topo_wait_for 5 bash -c \
	"[ \$(grep -c '\"sni\":\"api.svc.example\"' '$TOPO_DIR/fifo2.out') -ge 2 ]"

# A syslog daemon that stopped reading (its queue full: 4 datagrams here): the records
# past it are counted lost, connections go on, and the data plane still stops when asked.
# Before, the log thread waited on the full queue for ever, and the stop with it.
ip netns exec "$RT_DP" sysctl -qw net.unix.max_dgram_qlen=4
ip netns exec "$RT_DP" /usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
time.sleep(60)' "$TOPO_DIR/stuck.sock" &
topo_track $!
topo_wait_for 5 test -S "$TOPO_DIR/stuck.sock"
dp_restart stuck "syslog:$TOPO_DIR/stuck.sock" || exit 1
ok=0
for i in $(seq 12); do verified_client api.svc.example && ok=$((ok + 1)); done
sleep 0.5
lost=$(scrape | sed -n 's/^meshrelay_connlog_lost_total //p')
check "a syslog that stopped reading: connections go on ($ok of 12), ${lost:-?} records lost" \
	test "$ok" = 12 -a "${lost:-0}" -ge 6
t0=$(date +%s%N)
kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
for _ in $(seq 100); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
stop_ms=$((($(date +%s%N) - t0) / 1000000))
check "and the data plane stops when asked (in $stop_ms ms)" test "$stop_ms" -lt 8000

# A full disk (a 64 KiB file system, one page left): the lines that went stay whole, the
# one cut short is taken back, and once there is room again the next records start lines
# of their own. Before, a record cut short ran into the next: one line no reader parses.
mkdir -p "$TOPO_DIR/small"
mount -t tmpfs -o size=64k meshrelay-test "$TOPO_DIR/small" || exit 1
# The data plane writes there: stopped first (the mount is busy while it runs), then the
# mount goes, then the directory.
trap 'TOPO_KEEP_DIR=1 topo_cleanup; umount "$TOPO_DIR/small" 2>/dev/null; rm -rf "$TOPO_DIR"' EXIT
head -c $((60 * 1024)) /dev/zero >"$TOPO_DIR/small/filler" 2>/dev/null
dp_restart full "$TOPO_DIR/small/connections.log" || exit 1
for i in $(seq 16); do tls_client api.svc.example >/dev/null; done
topo_wait_for 5 bash -c "[ \"\$(scrape | sed -n 's/^meshrelay_connlog_lost_total //p')\" -ge 1 ]"
rm -f "$TOPO_DIR/small/filler"
for i in 1 2 3; do tls_client api.svc.example >/dev/null; sleep 0.2; done
sleep 0.5
written=$(scrape | sed -n 's/^meshrelay_connlog_written_total //p')
lines=$(grep -c . "$TOPO_DIR/small/connections.log")
check "a full disk: $lines lines, every one a whole record, as many as counted written (${written:-?})" \
	bash -c "/usr/bin/python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' \
		 '$TOPO_DIR/small/connections.log' && [ '$lines' = '${written:-x}' ] && [ '$lines' -ge 4 ]"
kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)" 2>/dev/null
wait "$DP_PID" 2>/dev/null || true
check_done "connection-log"
