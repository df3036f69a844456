#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A pool of three openssl s_server members behind the relay, checked by TLS (a
# ClientHello for pool.svc.example every 500 ms, fall 2, rise 2), with passive ejection
# after 3 failed connections and up to 3 tries per connection. While a loop of verified
# s_client connections runs (each connection's member depends on its source port):
#  1. member .2 is killed: its kernel refuses the SYNs (RST path). Target: no failed
#     client connection; the member goes out of the pool, and back when restarted.
#  2. member .3's address is removed: SYNs go unanswered (timeout path). Target: no
#     failed client connection (the connect timeout passes the hello on).
#  3. member .4 is replaced by one that serves another name and refuses ours with a fatal
#     alert (its certificate is wrong for the name): the TLS check takes it down. Target:
#     no failed client connection once it is down.
# Times to go out and to come back are printed. Bounded: about a minute.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-pools
CERTS=$TOPO_DIR/certs
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# start_member ADDR NAME: an s_server on ADDR:9443 with NAME's certificate; one that is
# not pool.svc.example answers that name with a fatal alert. Sets MEMBER_PID (its timeout
# wrapper) and MEMBER_SERVER (s_server itself).
start_member() {
	local extra=()
	[ "$2" != pool.svc.example ] && extra=(-cert2 "$CERTS/$2.crt" -key2 "$CERTS/$2.key"
		-servername "$2" -servername_fatal)
	ip netns exec "$RT_SRV" timeout 300 openssl s_server -quiet -accept "$1:9443" -www \
		-cert "$CERTS/$2.crt" -key "$CERTS/$2.key" "${extra[@]}" >/dev/null 2>&1 &
	MEMBER_PID=$!
	topo_track "$MEMBER_PID"
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'src $1 and sport = :9443' | grep -q LISTEN"
	MEMBER_SERVER=$(ps -o pid= --ppid "$MEMBER_PID" | tr -d ' ')
}
# stop_member WRAPPER SERVER: SIGKILL to the server (its kernel then refuses SYNs), and its
# wrapper reaped.
stop_member() {
	{
		kill -KILL "$2"
		wait "$1"
	} 2>/dev/null
}
# member_state ADDR: up, down or ejected, as the data plane shows it.
member_state() {
	"$MR_CTL" -p "$PREFIX" show pools 2>/dev/null | awk -v m="$1:9443" '$2 == m {
		for (i = 3; i <= NF; i++) if ($i ~ /^state=/) { sub("state=", "", $i); print $i } }'
}
is_out() { [ "$(member_state "$1")" != up ] && [ -n "$(member_state "$1")" ]; }
is_up() { [ "$(member_state "$1")" = up ]; }
# one_connection: a verified s_client connection that reads the member's page; 0 when the
# certificate verified for pool.svc.example and the page came.
one_connection() {
	local out
	out=$(printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$RT_CLI" timeout 10 openssl s_client \
		-connect 10.99.0.1:443 -servername pool.svc.example -CAfile "$CERTS/ca.crt" \
		-verify_return_error -verify_hostname pool.svc.example -ign_eof 2>&1)
	grep -q 'Verification: OK' <<<"$out" && grep -q 'HTTP/1.0 200' <<<"$out"
}
# connections N: N connections one after another; prints how many failed.
connections() {
	local failed=0
	for _ in $(seq "$1"); do one_connection || failed=$((failed + 1)); done
	echo "$failed"
}

rt_build
ip -n "$RT_SRV" addr add 10.98.0.4/24 dev s0
bash test/lib/mkcerts.sh "$CERTS" pool.svc.example other.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { max_flows = 1024; connect_timeout_ms = 300; redispatch = 3; };
pools = ( { name = "web"; members = ( { address = "10.98.0.2"; port = 9443; },
                                      { address = "10.98.0.3"; port = 9443; },
                                      { address = "10.98.0.4"; port = 9443; } );
            health = { check = "tls"; sni = "pool.svc.example"; interval_ms = 500;
                       timeout_ms = 300; rise = 2; fall = 2; failures = 3;
                       ejection_ms = 3000; max_ejected_percent = 67; }; } );
routes = ( { sni = "pool.svc.example"; pool = "web"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
start_member 10.98.0.2 pool.svc.example
M2=$MEMBER_PID M2S=$MEMBER_SERVER
start_member 10.98.0.3 pool.svc.example
start_member 10.98.0.4 pool.svc.example
M4=$MEMBER_PID M4S=$MEMBER_SERVER
all_up() { is_up 10.98.0.2 && is_up 10.98.0.3 && is_up 10.98.0.4; }
check "every member up by its checks" topo_wait_for 10 all_up
failed=$(connections 12)
check "12 connections over the healthy pool, $failed failed" test "$failed" -eq 0

# 1. Killed: refused SYNs.
t0=$(now)
stop_member "$M2" "$M2S"
failed=$(connections 20)
check "member .2 killed: 20 connections, $failed failed (refused SYNs redispatched)" test "$failed" -eq 0
check "member .2 out of the pool" topo_wait_for 5 is_out 10.98.0.2
t1=$(now)
start_member 10.98.0.2 pool.svc.example
t2=$(now)
check "member .2 back after its restart" topo_wait_for 10 is_up 10.98.0.2
t3=$(now)
echo "# member .2: out $(elapsed "$t0" "$t1") s after the kill (20 connections in between), back $(elapsed "$t2" "$t3") s after the restart"

# 2. Blackholed: unanswered SYNs.
ip -n "$RT_SRV" addr del 10.98.0.3/24 dev s0
t0=$(now)
failed=$(connections 20)
check "member .3 blackholed: 20 connections, $failed failed (unanswered SYNs redispatched)" test "$failed" -eq 0
check "member .3 out of the pool" topo_wait_for 5 is_out 10.98.0.3
t1=$(now)
ip -n "$RT_SRV" addr add 10.98.0.3/24 dev s0
t2=$(now)
check "member .3 back when its address is" topo_wait_for 10 is_up 10.98.0.3
t3=$(now)
echo "# member .3: out $(elapsed "$t0" "$t1") s after the blackhole, back $(elapsed "$t2" "$t3") s after"

# 3. The wrong certificate: the TLS check fails, then clients no longer reach it.
stop_member "$M4" "$M4S"
start_member 10.98.0.4 other.svc.example
t0=$(now)
check "member .4 serving another name: down by its check" topo_wait_for 5 is_out 10.98.0.4
t1=$(now)
failed=$(connections 20)
check "member .4 down: 20 connections, $failed failed" test "$failed" -eq 0
echo "# member .4: down $(elapsed "$t0" "$t1") s after it began refusing the name"
check "the check counts show it: $("$MR_CTL" -p "$PREFIX" show pools | grep 10.98.0.4 | tr -s ' ' | cut -c1-160)" \
	bash -c "'$MR_CTL' -p '$PREFIX' show pools | grep 10.98.0.4 | grep -q 'check=failed'"
check "redispatches counted by cause: $("$MR_CTL" -p "$PREFIX" show counters | grep -e redispatch -e check_ | tr -s ' ' | tr '\n' ' ')" \
	test "$(counter redispatch_refused)" -gt 0 -a "$(counter redispatch_timeout)" -gt 0
check "state changes logged with their cause: $(grep -c 'member 10.98.0' "$TOPO_DIR/dp.log") lines" \
	grep -q 'member 10.98.0.4 port 9443: down (no ServerHello' "$TOPO_DIR/dp.log"
check "data plane still running" kill -0 "$DP_PID"
"$MR_CTL" -p "$PREFIX" show pools | sed 's/^/  /'
check_done "pool health"
