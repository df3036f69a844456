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
# Beside them a second pool, wide.svc.example, holds members a narrow check hello would
# lose: certificates of Ed25519, P-521 and RSA-PSS keys, TLS 1.2 servers with only RSA or
# only DHE key exchange, and one that warns it does not know the name (a warning alert)
# before its ServerHello. Target: every one passes its TLS checks.
# Times to go out and to come back are printed. Bounded: about a minute.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-pools
CERTS=$TOPO_DIR/certs
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# start_server ADDR ARGS...: an s_server on ADDR:9443 with ARGS (its certificate, key and
# any more). Sets MEMBER_PID (its timeout wrapper) and MEMBER_SERVER (s_server itself).
start_server() {
	local addr=$1
	shift
	ip netns exec "$RT_SRV" timeout 300 openssl s_server -quiet -accept "$addr:9443" -www \
		"$@" >/dev/null 2>&1 &
	MEMBER_PID=$!
	topo_track "$MEMBER_PID"
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'src $addr and sport = :9443' | grep -q LISTEN"
	MEMBER_SERVER=$(ps -o pid= --ppid "$MEMBER_PID" | tr -d ' ')
}
# start_member ADDR NAME: start_server with NAME's certificate; one that is not
# pool.svc.example answers that name with a fatal alert.
start_member() {
	local extra=()
	[ "$2" != pool.svc.example ] && extra=(-cert2 "$CERTS/$2.crt" -key2 "$CERTS/$2.key"
		-servername "$2" -servername_fatal)
	start_server "$1" -cert "$CERTS/$2.crt" -key "$CERTS/$2.key" "${extra[@]}"
}
# wide_cert KIND NEWKEY_ARGS...: a self-signed certificate for wide.svc.example with a new
# key made by NEWKEY_ARGS (the check verifies nothing), as $CERTS/wide-KIND.{crt,key}.
wide_cert() {
	openssl req -x509 -nodes -days 2 -subj /CN=wide.svc.example -keyout "$CERTS/wide-$1.key" \
		-out "$CERTS/wide-$1.crt" "${@:2}" 2>/dev/null
}
# start_wide ADDR KIND ARGS...: start_server with the KIND certificate and ARGS.
start_wide() {
	start_server "$1" -cert "$CERTS/wide-$2.crt" -key "$CERTS/wide-$2.key" "${@:3}"
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
# passes_checks ADDR: up, its last check passed and at least two did (the rise).
passes_checks() {
	"$MR_CTL" -p "$PREFIX" show pools 2>/dev/null | awk -v m="$1:9443" '$2 == m {
		ok = $0 ~ / state=up / && $0 ~ / check=passed /
		for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, n, "/"); ok = ok && n[1] >= 2 }
		found = 1 } END { exit !(found && ok) }'
}
# one_connection: a verified s_client connection that reads the member's page; 0 when the
# certificate verified for pool.svc.example and the page came.
one_connection() {
	local out
	out=$(printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$RT_CLI" timeout 10 openssl s_client \
		-connect 10.99.0.1:443 -servername pool.svc.example -CAfile "$CERTS/ca.crt" \
		-verify_return_error -verify_hostname pool.svc.example -ign_eof 2>&1)
	s_client_verified pool.svc.example "$out" && grep -q 'HTTP/1.0 200' <<<"$out"
}
# connections N: N connections one after another; prints how many failed.
connections() {
	local failed=0
	for _ in $(seq "$1"); do one_connection || failed=$((failed + 1)); done
	echo "$failed"
}

rt_build
for host in 4 5 6 7 8 9 10; do ip -n "$RT_SRV" addr add "10.98.0.$host/24" dev s0; done
bash test/lib/mkcerts.sh "$CERTS" pool.svc.example other.svc.example
wide_cert ed25519 -newkey ed25519
wide_cert p521 -newkey ec -pkeyopt ec_paramgen_curve:P-521
wide_cert rsapss -newkey rsa-pss -pkeyopt rsa_keygen_bits:2048
wide_cert rsa -newkey rsa:2048
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
                       ejection_ms = 3000; max_ejected_percent = 67; }; },
          { name = "wide"; members = ( { address = "10.98.0.5"; port = 9443; },
                                       { address = "10.98.0.6"; port = 9443; },
                                       { address = "10.98.0.7"; port = 9443; },
                                       { address = "10.98.0.8"; port = 9443; },
                                       { address = "10.98.0.9"; port = 9443; },
                                       { address = "10.98.0.10"; port = 9443; } );
            health = { check = "tls"; sni = "wide.svc.example"; interval_ms = 500;
                       timeout_ms = 300; rise = 2; fall = 2; }; } );
routes = ( { sni = "pool.svc.example"; pool = "web"; },
           { sni = "wide.svc.example"; pool = "wide"; } );
CONF
start_wide 10.98.0.5 ed25519
start_wide 10.98.0.6 p521
start_wide 10.98.0.7 rsapss
start_wide 10.98.0.8 rsa -tls1_2 -cipher AES128-GCM-SHA256
start_wide 10.98.0.9 rsa -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
start_wide 10.98.0.10 rsa -tls1_2 -servername other.svc.example \
	-cert2 "$CERTS/other.svc.example.crt" -key2 "$CERTS/other.svc.example.key"
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
start_member 10.98.0.2 pool.svc.example
M2=$MEMBER_PID M2S=$MEMBER_SERVER
start_member 10.98.0.3 pool.svc.example
start_member 10.98.0.4 pool.svc.example
M4=$MEMBER_PID M4S=$MEMBER_SERVER
all_up() { is_up 10.98.0.2 && is_up 10.98.0.3 && is_up 10.98.0.4; }
check "every member up by its checks" topo_wait_for 10 all_up
for m in 5:Ed25519 6:P-521 7:RSA-PSS "8:TLS 1.2 RSA key exchange" "9:TLS 1.2 DHE" \
	"10:a warning alert first"; do
	check "wide member .${m%%:*} (${m#*:}) up by its TLS checks" topo_wait_for 5 passes_checks "10.98.0.${m%%:*}"
done
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
