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
}

# mt_turn NS LISTEN RELAY LOG: coturn with long-term credentials; one relay thread (with
# several, a ConnectionBind may reach a thread that does not know its id).
mt_turn() {
	ip netns exec "$1" turnserver -n --listening-ip "$2" --relay-ip "$3" --listening-port 3478 \
		--min-port 49152 --max-port 49999 --lt-cred-mech --realm mesh.test \
		--user gw-a:pw-gwa-1 --user gw-b:pw-gwb-2 --relay-threads 1 --no-cli --no-tls \
		--no-dtls --no-multicast-peers --allow-loopback-peers --pidfile "$TOPO_DIR/$1.turn.pid" \
		--userdb "$TOPO_DIR/$1.turndb" --log-file stdout --simple-log >"$4" 2>&1 &
	topo_track $!
}

# mt_etcd LOG: the discovery store on the transit bridge.
mt_etcd() {
	ip netns exec "$MT_TR" etcd --name mt --data-dir "$TOPO_DIR/etcd" \
		--listen-client-urls "$MT_ETCD" --advertise-client-urls "$MT_ETCD" \
		--listen-peer-urls http://10.50.0.9:2380 --initial-advertise-peer-urls \
		http://10.50.0.9:2380 --initial-cluster mt=http://10.50.0.9:2380 \
		--initial-cluster-state new >"$1" 2>&1 &
	topo_track $!
}

# mt_port NAME IFACE ADDR/PREFIX [GATEWAY]: a data port of a gateway's configuration.
mt_port() {
	printf '  { name = "%s"; device = "net_af_packet_%s_%s,iface=%s,blocksz=4096,framesz=2048,framecnt=4096,qpairs=1";\n    ipv4 = "%s"; %s exception = { iface = "mr-%s"; }; }' \
		"$1" "$TOPO_TAG" "${2}${1}" "$2" "$3" "${4:+gateway = \"$4\";}" "$1"
}
