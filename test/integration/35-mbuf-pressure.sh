#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The mbuf pool under pressure: a data plane with a deliberately small pool (2048 mbufs,
# small rings) carries a 30 MB each-way transfer while 1500 half-open connections each
# hold part of a ClientHello until the hello timeout resets them. The client limits are
# lifted here, so that only the worker's budget for kept hellos (relay.kept_mbufs, at most
# half of the pool beyond rings and caches) bounds what they pin: past it their bytes are
# not taken, and once the oldest have been kept for a quarter of the hello timeout they
# are reset to make room for newer hellos, the transfer's among them (without that, the
# transfer's hello waited for the held ones to time out and raced its own timeout).
# A pool smaller than what the rings alone can hold is refused at start with the minimum.
# The transfer must complete byte-identical, the held hellos must be reset and their flows
# go, and every mbuf must come back: the pool's use returns to what it was before.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-mbuf
CERTS=$TOPO_DIR/certs
HELD=${MR_HELD_HELLOS:-1500}
status_of() { dp_status "$PREFIX" "$1"; }

rt_build
bash test/lib/mkcerts.sh "$CERTS" blob.svc.example
conf() { # conf MBUFS
	cat <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256" ];
              mbufs = $1; neighbour = { entries = 64; pending = 4; }; };
ports = (
$(rt_port edge d0 10.99.0.1/24 | sed 's/exception = { iface = "[^"]*"; }/rx_desc = 64; tx_desc = 64; exception = { enabled = false; }/'),
$(rt_port svc d1 10.98.0.1/24 | sed 's/exception = { iface = "[^"]*"; }/rx_desc = 64; tx_desc = 64; exception = { enabled = false; }/')
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { max_flows = 4096; hello_timeout_ms = 3000; closing_timeout_ms = 500;
          client = { max_flows = 4096; max_hellos = 4096; }; };
pools = ( { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); } );
routes = ( { sni = "blob.svc.example"; pool = "blob"; } );
CONF
}
conf 512 >"$TOPO_DIR/small.conf"
ip netns exec "$RT_DP" timeout 60 "$MR_DP" -c "$TOPO_DIR/small.conf" -- \
	--file-prefix "${PREFIX}-small" >"$TOPO_DIR/small.log" 2>&1
rc=$?
topo_eal_prefix "${PREFIX}-small"
check "a pool the rings could drain is refused at start ($(grep -o 'use at least [0-9]*' "$TOPO_DIR/small.log"))" \
	test "$rc" -eq 1 -a -n "$(grep -o 'use at least [0-9]*' "$TOPO_DIR/small.log")"
conf 2048 >"$TOPO_DIR/dp.conf"
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
ip netns exec "$RT_SRV" timeout 300 /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
topo_track $!
topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :9443' | grep -q LISTEN"
sleep 0.5
base=$(status_of mbufs_in_use)
echo "# pool of $(status_of mbufs) mbufs, $base in use at rest"

ip netns exec "$RT_CLI" timeout 60 /usr/bin/python3 test/lib/hold_hellos.py 10.99.0.1 443 \
	"$HELD" 60 6 >"$TOPO_DIR/hold.out" 2>&1 &
hold=$!
topo_track "$hold"
# The budget: half of what the rings and caches leave, for the one worker. Hellos past it
# are not kept.
BUDGET=$(status_of kept_per_worker)
no_room() { [ "$("$MR_CTL" -p "$PREFIX" show drops | awk '$1 == "hello_no_room" {print $2}')" -gt 0 ]; }
topo_wait_for 15 no_room
peak=$(status_of mbufs_in_use)
check "held hellos pin at most the kept budget: $((peak - base)) over the $base at rest, budget $BUDGET of $(status_of mbufs)" \
	test $((peak - base)) -le $((BUDGET + 64)) -a "$BUDGET" -gt 0 -a $((peak - base)) -ge $((BUDGET / 2))
# The hellos time out 3 s after they came: the transfer starts while the pool is pinned.
ip netns exec "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 30000000 30000000 >"$TOPO_DIR/blob.out" 2>&1
during=$(status_of mbufs_in_use)
wait "$hold"
check "the held hellos were reset, the oldest to make room, the rest at the hello timeout ($(cat "$TOPO_DIR/hold.out"))" \
	grep -q 'open=0' "$TOPO_DIR/hold.out"
evicted=$("$MR_CTL" -p "$PREFIX" show drops | awk '$1 == "hello_evicted" {print $2}')
check "the transfer's hello made room by resetting the oldest held ones ($evicted reset)" \
	test "${evicted:-0}" -gt 0
check "the transfer completed byte-identical under pressure, $during still pinned after it ($(cat "$TOPO_DIR/blob.out"))" \
	grep -q '^ok ' "$TOPO_DIR/blob.out"
no_flows() { [ "$(status_of flows)" = 0 ]; }
check "no flow left" topo_wait_for 10 no_flows
back() { [ "$(status_of mbufs_in_use)" -le "$base" ]; }
check "every mbuf came back ($(status_of mbufs_in_use) in use, $base before)" topo_wait_for 5 back
echo "# drops: $("$MR_CTL" -p "$PREFIX" show drops | awk '$2 > 0' | tr '\n' ' ')"
check_done "mbuf pressure"
