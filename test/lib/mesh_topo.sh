# SPDX-License-Identifier: BSD-3-Clause
# Two networks that cannot address each other, joined only through TURN (sourced after
# topo.sh and dp.sh; used by test 50 and scripts/demo.sh --multi-network):
#
#  network a (10.10.0.0/24, bridge in ns cliA)      transit (10.50.0.0/24, bridge in ns tr)
#    client   10.10.0.2 (the bridge itself)            etcd     10.50.0.9 (the bridge)
#    coturn A 10.10.0.3 (relay side, ns turnA) ------- coturn A 10.50.0.3 (listener side)
#    gateway A port "a" 10.10.0.1 (dp, ns gwA) ------- gateway A port "t" 10.50.0.1
#                                                      coturn B 10.50.0.4 (the bridge)
#  network b (10.20.0.0/24)                            gateway B port "t" 10.50.0.2
#    service  10.20.0.2 (ns srvB) ------------------- gateway B port "b" 10.20.0.1 (ns gwB)
#
# Nothing routes between 10.10/24 and 10.20/24: a client in a reaches b's service only
# through gateway A, coturn A (where gateway B holds a TCP allocation whose relayed address
# lies in network a) and gateway B.
. test/lib/sshd.sh

MT_CLI=${TOPO_TAG}-cliA
MT_TURNA=${TOPO_TAG}-turnA
MT_GWA=${TOPO_TAG}-gwA
MT_TR=${TOPO_TAG}-tr
MT_GWB=${TOPO_TAG}-gwB
MT_SRV=${TOPO_TAG}-srvB
MT_ETCD=http://10.50.0.9:2379

# mt_bridge NS NAME ADDR/PREFIX: a bridge carrying the namespace's own address.
mt_bridge() {
	ip -n "$1" link add "$2" type bridge
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" link set "$2" up
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1
}

# mt_attach BRIDGE_NS BRIDGE IF_BR NS IF: a veth from NS into the bridge.
mt_attach() {
	topo_veth "$1" "$3" "$4" "$5"
	ip -n "$1" link set "$3" master "$2"
	ip netns exec "$1" ethtool -K "$3" tx off >/dev/null 2>&1
}

mt_build() {
	local ns
	for ns in "$MT_CLI" "$MT_TURNA" "$MT_GWA" "$MT_TR" "$MT_GWB" "$MT_SRV"; do
		topo_ns "$ns"
	done
	mt_bridge "$MT_CLI" bra 10.10.0.2/24
	mt_bridge "$MT_TR" brt 10.50.0.9/24
	ip -n "$MT_TR" addr add 10.50.0.4/24 dev brt
	mt_attach "$MT_CLI" bra pa "$MT_GWA" ga       # gateway A's port in network a
	mt_attach "$MT_CLI" bra pt "$MT_TURNA" ta     # coturn A's relay side
	mt_attach "$MT_TR" brt qa "$MT_GWA" gt        # gateway A's transit port
	mt_attach "$MT_TR" brt qt "$MT_TURNA" tt      # coturn A's listening side
	mt_attach "$MT_TR" brt qb "$MT_GWB" gt        # gateway B's transit port
	topo_veth "$MT_SRV" sb "$MT_GWB" gb           # network b: service and gateway B
	topo_dp_side "$MT_GWA" ga
	topo_dp_side "$MT_GWA" gt
	topo_dp_side "$MT_GWB" gt
	topo_dp_side "$MT_GWB" gb
	ip -n "$MT_TURNA" addr add 10.10.0.3/24 dev ta
	ip -n "$MT_TURNA" addr add 10.50.0.3/24 dev tt
	ip netns exec "$MT_TURNA" ethtool -K ta tx off >/dev/null
	ip netns exec "$MT_TURNA" ethtool -K tt tx off >/dev/null
	rt_kernel_host "$MT_SRV" sb 10.20.0.2/24 10.20.0.1
	# Network a routes gateway A's VIP range (its plain TCP services) to gateway A.
	ip -n "$MT_CLI" route add 240.240.0.0/16 via 10.10.0.1
}

# mt_turn NS LISTEN RELAY LOG: coturn with long-term credentials; one relay thread (with
# several, a ConnectionBind may reach a thread that does not know its id).
mt_turn() {
	ip netns exec "$1" turnserver -n --listening-ip "$2" --relay-ip "$3" --listening-port 3478 \
		--min-port 49152 --max-port 49999 --lt-cred-mech --realm mesh.test \
		--user gw-a:pw-gwa-1 --user gw-b:pw-gwb-2 --relay-threads "${MT_TURN_THREADS:-1}" \
		--no-cli --no-tls \
		--no-dtls --no-multicast-peers --allow-loopback-peers --pidfile "$TOPO_DIR/$1.turn.pid" \
		--userdb "$TOPO_DIR/$1.turndb" --log-file stdout --simple-log >"$4" 2>&1 &
	topo_track $!
}

# mt_etcd LOG: the discovery store on the transit bridge (its pid in MT_ETCD_PID).
mt_etcd() {
	ip netns exec "$MT_TR" etcd --name mt --data-dir "$TOPO_DIR/etcd" \
		--listen-client-urls "$MT_ETCD" --advertise-client-urls "$MT_ETCD" \
		--listen-peer-urls http://10.50.0.9:2380 --initial-advertise-peer-urls \
		http://10.50.0.9:2380 --initial-cluster mt=http://10.50.0.9:2380 \
		--initial-cluster-state new >"$1" 2>&1 &
	MT_ETCD_PID=$!
	topo_track $!
}

MT_DIR=${MT_DIR:-$TOPO_DIR}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
mt_ctl() { "$MR_CTL" -s "$(eval echo "\$DP_SOCK_${1//-/_}")" "${@:2}"; }

# mt_gateway_files DIR: both gateways' files and owner-only credentials in DIR.
mt_gateway_files() {
	printf 'turn-b gw-a pw-gwa-1\n' >"$1/gw-a.secrets"
	printf 'turn-a gw-b pw-gwb-2\n' >"$1/gw-b.secrets"
	chmod 600 "$1"/gw-*.secrets
	mt_conf_a "$1" >"$1/gw-a.conf"
	mt_conf_b "$1" >"$1/gw-b.conf"
}

# mt_port NAME IFACE ADDR/PREFIX [GATEWAY]: a data port of a gateway's configuration.
mt_port() {
	printf '  { name = "%s"; device = "net_af_packet_%s_%s,iface=%s,blocksz=4096,framesz=2048,framecnt=4096,qpairs=1";\n    ipv4 = "%s"; %s exception = { iface = "mr-%s"; }; }' \
		"$1" "$TOPO_TAG" "${2}${1}" "$2" "$3" "${4:+gateway = \"$4\";}" "$1"
}

mt_conf_a() { # mt_conf_a DIR
	cat <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "384",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(mt_port a ga 10.10.0.1/24),
$(mt_port t gt 10.50.0.1/24)
);
listeners = ( { name = "tls"; port = "a"; tcp_port = 443; } );
relay = { closing_timeout_ms = 500; idle_timeout_ms = 60000; };
networks = ( { name = "a"; local = true; allow = [ "10.10.0.0/24" ]; },
             { name = "b"; allow = [ "10.20.0.0/16" ]; ports = ( "1-65535" ); } );
mangled = ( { suffix = "mesh.internal"; forms = [ "underscore", "label" ]; } );
dns = { port = "a"; zones = [ "b.mesh.test" ]; outside = "refuse"; ttl = 5;
        vip_range = "240.240.0.0/16"; };
gateway = { id = "gw-a"; };
turn = { credentials = "$1/gw-a.secrets"; servers = (
  { name = "turn-b"; network = "b"; address = "10.50.0.4"; peers = [ "10.50.0.2" ]; } ); };
discovery = { endpoints = [ "$MT_ETCD" ]; lease_ttl = 3; timeout_ms = 1000; };
log = { level = "info"; };
metrics = { listen = "127.0.0.1:9480"; cp_listen = "127.0.0.1:9481"; };
CONF
}
mt_conf_b() { # mt_conf_b DIR
	cat <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "384",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = (
$(mt_port t gt 10.50.0.2/24),
$(mt_port b gb 10.20.0.1/24)
);
relay = { closing_timeout_ms = 500; idle_timeout_ms = 60000; };
networks = ( { name = "b"; local = true; allow = [ "10.20.0.0/24" ]; ports = ( "8443-8444" ); },
             { name = "a"; } );
pools = ( { name = "api"; members = ( { address = "10.20.0.2"; port = 8443; } ); },
          { name = "web"; members = ( { address = "10.20.0.2"; port = 8444; } ); },
          { name = "blob"; members = ( { address = "10.20.0.2"; port = 9443; } ); },
          { name = "ssh"; members = ( { address = "10.20.0.2"; port = 2222; } ); } );
routes = ( { sni = "api.b.mesh.test"; pool = "api"; export = true; },
           { name = "ssh.b.mesh.test"; protocol = "tcp"; port = 22; pool = "ssh"; export = true; },
           { sni = "web.b.mesh.test"; pool = "web"; export = true; },
           { sni = "blob.b.mesh.test"; pool = "blob"; export = true; } );
mangled = ( { suffix = "mesh.internal"; forms = [ "underscore", "label" ]; } );
gateway = { id = "gw-b"; };
turn = { credentials = "$1/gw-b.secrets"; servers = (
  { name = "turn-a"; network = "a"; address = "10.50.0.3"; peers = [ "10.10.0.1" ]; } ); };
discovery = { endpoints = [ "$MT_ETCD" ]; lease_ttl = 3; timeout_ms = 1000; };
log = { level = "info"; };
CONF
}

# mt_gw_start ID NS: data plane and control plane of a gateway, in its namespace
# ($MT_DIR holds their files; sets DP_SOCK_<id> and DP_PID_<id>).
mt_gw_start() {
	local f=$MT_DIR/$1
	dp_start "$2" "$f.conf" "${TOPO_TAG}-$1" "$f.dp.log" 3600 || return 1
	eval "DP_SOCK_${1//-/_}=$DP_SOCK DP_PID_${1//-/_}=$DP_PID"
	mt_cp_start "$1" "$2"
}

# mt_cp_start ID NS: the control plane of a gateway whose data plane runs.
mt_cp_start() {
	local f=$MT_DIR/$1
	in_ns "$2" timeout -s TERM 3600 "$MR_CP" -c "$f.conf" -s "$(eval echo "\$DP_SOCK_${1//-/_}")" \
		--pidfile "$f.cp.pid" --status "$f.status" >>"$f.cp.log" 2>&1 &
	topo_track $!
	topo_wait_for 10 test -s "$f.cp.pid"
}

# mt_gw_stop ID: both processes of a gateway, by their own pids.
mt_gw_stop() {
	local pid
	for pid in "$(cat "$MT_DIR/$1.cp.pid" 2>/dev/null)" "$(eval echo "\${DP_PID_${1//-/_}:-}")"; do
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	rm -f "$MT_DIR/$1.cp.pid"
}

# mt_services DIR CERTS: s_server (api, 8443), nginx (web, 8444), a tls_blob server
# (blob, 9443) with certificates from CERTS, and sshd (ssh, 2222: plain TCP, keys in
# DIR/ssh) in network b.
mt_services() {
	local D=$1 CERTS=$2 port
	srv() { ip netns exec "$MT_SRV" timeout 3600 "$@" >>"$D/servers.log" 2>&1 & topo_track $!; }
	srv openssl s_server -accept 10.20.0.2:8443 -cert "$CERTS/api.b.mesh.test.crt" \
		-key "$CERTS/api.b.mesh.test.key" -www -quiet
	mkdir -p "$D/www" "$D/nginx-tmp"
	echo "web.b.mesh.test says hello" >"$D/www/index.html"
	sed -e "s|@DIR@|$D|g" -e 's|10.98.0.2:|10.20.0.2:|g' -e 's|web.svc.example|web.b.mesh.test|g' \
		test/lib/nginx.conf.in >"$D/nginx.conf"
	srv nginx -p "$D" -c "$D/nginx.conf"
	srv /usr/bin/python3 test/lib/tls_blob.py server 10.20.0.2 9443 \
		"$CERTS/blob.b.mesh.test.crt" "$CERTS/blob.b.mesh.test.key"
	sshd_start "$MT_SRV" 10.20.0.2 2222 "$D/ssh" ssh.b.mesh.test
	for port in 8443 8444 9443; do
		topo_wait_for 10 bash -c "ip netns exec '$MT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN" ||
			echo "# service on $port did not start"
	done
}
