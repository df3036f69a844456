#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meshrelay across two networks, step by step (run through scripts/demo.sh --multi-network):
# a client in network a reaches services of network b, which it cannot address, through
# gateway A, network a's TURN server and gateway B. Layout: test/lib/mesh_topo.sh. Gateway
# B exports its services' names through etcd; gateway A routes them and answers DNS for
# b.mesh.test, so the client, whose resolver is gateway A, needs no address.
#   scripts/demo.sh --multi-network          run it and tear it down
#   scripts/demo.sh --multi-network --keep   leave it running until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true

export TOPO_TAG=mr-mesh
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/relay_topo.sh
. test/lib/mesh_topo.sh
trap 'demo_rc=$?; rm -rf "/etc/netns/$MT_CLI"; topo_end "$demo_rc"' EXIT
MR_CP=$MR_BUILD_DIR/controlplane/meshrelay-cp
CERTS=$TOPO_DIR/certs
step() { printf '\n== %s\n' "$*"; }
verify() { # verify NAME [CERT_NAME]: by name alone, the resolver being gateway A
	echo | in_ns "$MT_CLI" timeout 15 openssl s_client -connect "$1:443" -servername "$1" \
		-CAfile "$CERTS/ca.crt" -verify_return_error -verify_hostname "${2:-$1}" 2>&1 |
		grep -E '^subject=|Verification' | sed 's/^/  /'
}

# Left over from an interrupted run, with whatever still runs inside them.
topo_ns_end "$MT_CLI" "$MT_TURNA" "$MT_GWA" "$MT_TR" "$MT_GWB" "$MT_SRV"
step "two networks: a (10.10.0.0/24) and b (10.20.0.0/24), joined only by a transit network"
mt_build
sed -n '/^#  network a/,/^#    service/p' test/lib/mesh_topo.sh | sed 's/^#/ /'
echo "  from the client in a, network b does not answer:"
in_ns "$MT_CLI" timeout 2 bash -c 'exec 3<>/dev/tcp/10.20.0.2/8443' 2>&1 | sed 's/^/    /' || true

step "certificates from a throw-away CA for the services of b"
bash test/lib/mkcerts.sh "$CERTS" api.b.mesh.test web.b.mesh.test blob.b.mesh.test
step "signalling: coturn A (listens 10.50.0.3, relays in a), coturn B, etcd (10.50.0.9)"
mt_turn "$MT_TURNA" 10.50.0.3 10.10.0.3 "$TOPO_DIR/turnA.log"
mt_turn "$MT_TR" 10.50.0.4 10.50.0.4 "$TOPO_DIR/turnB.log"
mt_etcd "$TOPO_DIR/etcd.log"
topo_wait_for 15 in_ns "$MT_TR" etcdctl --endpoints "$MT_ETCD" endpoint health
step "services of b: s_server (api), nginx (web), a byte-counting TLS server (blob), sshd (ssh)"
mt_services "$TOPO_DIR" "$CERTS"

step "gateways: meshrelay-dp + meshrelay-cp each (gateway B allocates on coturn A)"
mt_gateway_files "$TOPO_DIR"
mt_gw_start gw-a "$MT_GWA"
mt_gw_start gw-b "$MT_GWB"
topo_wait_for 30 bash -c "'$MR_CTL' -s '$DP_SOCK_gw_a' show routes | grep -q 'gateway gw-b'"
echo "  what gateway B registered in etcd (its relayed address, and the names b exports):"
in_ns "$MT_TR" etcdctl --endpoints "$MT_ETCD" get --prefix /meshrelay/networks/b | sed 's/^/    /'
echo "  gateway A's routes (no route to b in its file: all learned from etcd):"
mt_ctl gw-a show routes | sed 's/^/    /'
echo "  gateway B's TURN allocation:"
sed 's/^/    /' "$TOPO_DIR/gw-b.status"

step "the client in a asks gateway A for names: its resolv.conf names only 10.10.0.1"
mkdir -p "/etc/netns/$MT_CLI"
echo "nameserver 10.10.0.1" >"/etc/netns/$MT_CLI/resolv.conf"
in_ns "$MT_CLI" dig +noall +answer api.b.mesh.test | sed 's/^/  /'
in_ns "$MT_CLI" dig +noall +comments nope.b.mesh.test | grep status | sed 's/^;; */  /'

step "the client in a opens TLS to api.b.mesh.test by name (certificate checked)"
verify api.b.mesh.test
step "curl https://web.b.mesh.test/ (nginx in b), no address given"
in_ns "$MT_CLI" curl -sS --cacert "$CERTS/ca.crt" \
	-w '  HTTP %{http_code} in %{time_total} s\n' https://web.b.mesh.test/ | sed 's/^/  /'
step "ssh to ssh.b.mesh.test: sshd in b is plain TCP (it speaks first), so gateway A gives it a VIP"
in_ns "$MT_CLI" dig +noall +answer ssh.b.mesh.test | sed 's/^/  /'
sshd_client "$MT_CLI" "$TOPO_DIR/ssh" ssh.b.mesh.test 22 'echo "  $(hostname -I | cut -d" " -f1): hello from sshd in b"'
mt_ctl gw-a show services | grep ssh | sed 's/^/  gateway A: /'
step "gateway B no longer has ssh (its file changed, SIGHUP): gateway A's DNS forgets it"
cp "$TOPO_DIR/gw-b.conf" "$TOPO_DIR/gw-b.conf.with-ssh"
sed -i '/name = "ssh.b.mesh.test"/d' "$TOPO_DIR/gw-b.conf"
kill -HUP "$(cat "$TOPO_DIR/gw-b.cp.pid")"
t0=$(date +%s%3N)
topo_wait_for 15 bash -c "! '$MR_CTL' -s '$DP_SOCK_gw_a' show services | grep -q ssh.b.mesh.test"
echo "  gone at gateway A after $(($(date +%s%3N) - t0)) ms; dig now says:"
in_ns "$MT_CLI" dig +noall +comments ssh.b.mesh.test | grep status | sed 's/^;; */  /'
step "gateway B exports it again: gateway A answers it, live"
cp "$TOPO_DIR/gw-b.conf.with-ssh" "$TOPO_DIR/gw-b.conf"
kill -HUP "$(cat "$TOPO_DIR/gw-b.cp.pid")"
t0=$(date +%s%3N)
topo_wait_for 15 bash -c "'$MR_CTL' -s '$DP_SOCK_gw_a' show services | grep -q ssh.b.mesh.test"
echo "  back at gateway A after $(($(date +%s%3N) - t0)) ms:"
in_ns "$MT_CLI" dig +noall +answer ssh.b.mesh.test | sed 's/^/  /'
step "a mangled name picks the destination itself: _8443._10-20-0-2._b.mesh.internal"
verify _8443._10-20-0-2._b.mesh.internal api.b.mesh.test
step "20 MB each way, sha256 compared at both ends"
in_ns "$MT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.10.0.1 443 \
	blob.b.mesh.test "$CERTS/ca.crt" 20971520 20971520 | sed 's/^/  /'
step "outside b's allow-list (port 22): gateway B refuses, nothing reaches b"
echo | in_ns "$MT_CLI" timeout 10 openssl s_client -connect 10.10.0.1:443 \
	-servername _22._10-20-0-2._b.mesh.internal 2>&1 | grep -E 'errno|alert|CONNECTED' |
	sed 's/^/  /' || true
mt_ctl gw-b show drops | grep -E 'route_not_allowed' | sed 's/^/  gateway B: /'
step "gateway B's counters: RFC 6062 data connections bound and spliced"
mt_ctl gw-b show counters | grep -E 'turn_bind|backend_established|splice' | sed 's/^/  /'

if $keep; then
	step "running; try: ip netns exec $MT_CLI curl --cacert $CERTS/ca.crt https://web.b.mesh.test/   (Ctrl-C to stop)"
	wait "$DP_PID_gw_a" || true
fi
step "demo done"
