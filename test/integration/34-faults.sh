#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Faults in the middle of relayed transfers. What the appliance must do:
#  - The backend dies (SIGKILL) mid-transfer: its kernel's RST or FIN is relayed, so the
#    client's connection ends within seconds (not at the 30 s idle timeout), and the flow
#    leaves the table.
#  - The client dies (SIGKILL) mid-transfer: likewise the backend's connection is torn
#    down and no flow remains.
#  - The backend link goes down for 2 s and comes back, once on the kernel peer's end and
#    once on the data plane's own (its af_packet socket stays open): both sides' TCP
#    retransmit through the relay and the transfer completes byte-identical; new
#    connections work afterwards.
# Every step is bounded; the whole script takes about a minute.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-faults
CERTS=$TOPO_DIR/certs
flows() { dp_field "$PREFIX" flows flows; }
no_flows() { [ "$(flows)" -eq 0 ]; }
some_flow() { [ "$(flows)" -ge 1 ]; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
# The backend's TLS connections (the listener aside) on 10.98.0.2:9443.
backend_conns() { ip netns exec "$RT_SRV" ss -Htn state established '( sport = :9443 )' | grep -c .; }
no_backend_conn() { [ "$(backend_conns)" -eq 0 ]; }
# start_server: a fresh backend; sets SRV (its timeout wrapper) and SRV_PID (the server
# process itself).
start_server() {
	ip netns exec "$RT_SRV" timeout 120 /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
		"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
	SRV=$!
	topo_track "$SRV"
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :9443' | grep -q LISTEN"
	SRV_PID=$(ps -o pid= --ppid "$SRV" | tr -d ' ')
}
# start_transfer OUT UP DOWN: a tls_blob client in the background; sets LONG (its timeout
# wrapper) and LONG_PID (the client process itself). Starts from an empty flow table so
# the flow waited for is the transfer's.
start_transfer() {
	topo_wait_for 10 no_flows
	ip netns exec "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
		blob.svc.example "$CERTS/ca.crt" "$2" "$3" >"$1" 2>&1 &
	LONG=$!
	topo_track "$LONG"
	topo_wait_for 20 some_flow
	LONG_PID=$(ps -o pid= --ppid "$LONG" | tr -d ' ')
}
verified() {
	local out
	out=$(echo | ip netns exec "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
		-servername blob.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error \
		-verify_hostname blob.svc.example 2>&1)
	s_client_verified blob.svc.example "$out"
}
exchange() {
	ip netns exec "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
		blob.svc.example "$CERTS/ca.crt" "$1" "$1" 2>&1
}
# flap NS IF: the link down for 2 s while the transfer runs, then up again.
flap() {
	check "$2 down while the transfer runs" kill -0 "$LONG"
	ip -n "$1" link set "$2" down
	sleep 2
	ip -n "$1" link set "$2" up
}

rt_build
bash test/lib/mkcerts.sh "$CERTS" blob.svc.example
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { max_flows = 256; closing_timeout_ms = 500; idle_timeout_ms = 30000; };
pools = ( { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); } );
routes = ( { sni = "blob.svc.example"; pool = "blob"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
start_server
check "a verified connection before the faults" verified

# 1. The backend killed mid-transfer: the client's connection ends promptly.
start_transfer "$TOPO_DIR/kill-backend.out" 1000000000 1000000000
sleep 0.3
check "backend: the transfer was running when the backend was killed" kill -0 "$LONG_PID"
t0=$(now)
{
	kill -KILL "$SRV_PID"
	wait "$SRV" # here, so that the shell's report of the killed job goes nowhere
} 2>/dev/null
for _ in $(seq 100); do kill -0 "$LONG_PID" 2>/dev/null || break; sleep 0.1; done
t1=$(now)
wait "$LONG"
check "backend: the client's connection ended $(elapsed "$t0" "$t1") s after the kill ($(tail -1 "$TOPO_DIR/kill-backend.out"))" \
	awk -v a="$t0" -v b="$t1" 'BEGIN {exit !(b - a < 5)}'
check "backend: the client saw its connection end, not its data complete" \
	grep -q -e Reset -e EOFError -e 'cut short' -e 'Broken pipe' "$TOPO_DIR/kill-backend.out"
check "backend: no flow left" topo_wait_for 5 no_flows
start_server
check "backend: a new backend is reached" verified

# 2. The client killed mid-transfer: the backend's connection is torn down.
start_transfer "$TOPO_DIR/kill-client.out" 1000000000 1000000000
sleep 0.3
check "client: the backend had the connection when the client was killed" test "$(backend_conns)" -eq 1
t0=$(now)
{
	kill -KILL "$LONG_PID"
	wait "$LONG"
} 2>/dev/null
check "client: the backend's connection is gone" topo_wait_for 5 no_backend_conn
t1=$(now)
echo "client: the backend's connection ended $(elapsed "$t0" "$t1") s after the kill"
check "client: no flow left" topo_wait_for 5 no_flows
check "client: a new connection works" verified

# 3. The backend link flaps, on the kernel peer's end, then on the data plane's end.
for end in "$RT_SRV s0" "$RT_DP d1"; do
	read -r ns ifc <<<"$end"
	start_transfer "$TOPO_DIR/flap-$ifc.out" 200000000 200000000
	sleep 0.3
	t0=$(now)
	flap "$ns" "$ifc"
	[ "$ifc" = s0 ] && ip -n "$ns" route replace default via 10.98.0.1 # gone with the link
	wait "$LONG"
	t1=$(now)
	check "flap of $ifc: 200 MB each way completed byte-identical, $(elapsed "$t0" "$t1") s from the flap ($(tail -1 "$TOPO_DIR/flap-$ifc.out"))" \
		grep -q '^ok ' "$TOPO_DIR/flap-$ifc.out"
	out=$(exchange 1000000)
	check "flap of $ifc: a new connection afterwards, 1 MB each way ($out)" grep -q '^ok ' <<<"$out"
	check "flap of $ifc: no flow left" topo_wait_for 5 no_flows
done

check "data plane still running" kill -0 "$DP_PID"
"$MR_CTL" -p "$PREFIX" show counters | grep -e flow_ -e rst -e retransmit | sed 's/^/  /'
"$MR_CTL" -p "$PREFIX" show drops | grep -v ' 0$' | sed 's/^/  /'
check_done "faults"
