#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A plain TCP service whose server speaks first, reached by VIP over a wire that loses the
# client's handshake ACK (test/lib/impair.py, on cue). The client's kernel then believes
# it is connected and waits for the server; the relay, which answered with a cookie, sends
# its SYN-ACK again after a second, and the ACK that answers it opens the backend:
#  - the banner arrives, about a second late, and the exchange after it completes;
#  - the wire dropped exactly that ACK, and the relay counted one SYN-ACK resent;
#  - a connection whose ACK arrives gets no SYN-ACK again, nor does a TLS client.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-lostack
VIP=240.240.0.25

rt_build
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(rt_port svc d1 10.98.0.1/24),
$(rt_port lossy d2 10.97.0.1/24)
);
listeners = ( { name = "tls"; port = "lossy"; tcp_port = 443; } );
pools = ( { name = "mail"; members = ( { address = "10.98.0.2"; port = 2525; } ); } );
routes = ( { name = "mail.svc.example"; protocol = "tcp"; port = 25; pool = "mail";
             vip = "$VIP"; } );
dns = { port = "lossy"; zones = [ "svc.example" ]; vip_range = "240.240.0.0/16"; };
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 120 || exit 1
in_ns "$RT_SRV" timeout 100 /usr/bin/python3 test/lib/banner.py 10.98.0.2 2525 \
	>"$TOPO_DIR/banner.log" 2>&1 &
topo_track $!
rt_wire_start "$RT_WIRE1" wa wb 90 0 0 0 --drop-acks-to "$VIP:25"
topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :2525' | grep -q LISTEN"
wire_log=$TOPO_DIR/$RT_WIRE1.impair
banner() { in_ns "$RT_CLI2" timeout 20 /usr/bin/python3 test/lib/banner.py client "$VIP" 25 "$1" 2>&1; }

resent0=$(counter synack_resent)
out=$(banner 6)
check "the handshake's ACK lost: the server's banner still comes ($out ms)" \
	bash -c "[[ '$out' == 'banner '*' ok' ]]"
check "the wire dropped that ACK ($(grep -c 'dropped a bare ACK' "$wire_log") dropped)" \
	test "$(grep -c 'dropped a bare ACK' "$wire_log")" -eq 1
check "the relay sent its SYN-ACK again ($(dp_delta "$resent0" "$(counter synack_resent)") resent)" \
	test "$(dp_delta "$resent0" "$(counter synack_resent)")" -eq 1
ms=${out#banner }
ms=${ms%% *}
check "... after about a second, not at the client's own timeout ($ms ms)" \
	bash -c "[[ '$ms' =~ ^[0-9]+$ ]] && [ '$ms' -ge 500 ] && [ '$ms' -lt 4000 ]"

resent0=$(counter synack_resent)
out=$(banner 6)
ms=${out#banner }
ms=${ms%% *}
sleep 1.5
check "an ACK that arrives: the banner at once, no SYN-ACK again ($out ms, $(dp_delta "$resent0" "$(counter synack_resent)") resent)" \
	bash -c "[[ '$out' == 'banner '*' ok' && '$ms' =~ ^[0-9]+$ ]] && [ '$ms' -lt 500 ] &&
		 [ '$(dp_delta "$resent0" "$(counter synack_resent)")' -eq 0 ]"
# Its ACK arrives but, without a hello, makes no flow: kept, it would be sent again.
in_ns "$RT_CLI2" timeout 5 /usr/bin/python3 -c '
import socket, time
s = socket.create_connection(("10.97.0.1", 443), timeout=3)
time.sleep(1.5)' 2>/dev/null
check "a TLS client that sends nothing gets no SYN-ACK again ($(dp_delta "$resent0" "$(counter synack_resent)") resent)" \
	test "$(dp_delta "$resent0" "$(counter synack_resent)")" -eq 0
check "nothing kept was refused room ($(counter synack_unkept) unkept)" test "$(counter synack_unkept)" -eq 0
check "data plane still running" kill -0 "$DP_PID"
check_done "plain-lost-ack"
