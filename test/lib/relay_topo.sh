# SPDX-License-Identifier: BSD-3-Clause
# The relay test topology (sourced after topo.sh and dp.sh):
#
#   cli  c0 10.99.0.2 ---------------------- d0  edge  10.99.0.1 \
#   cli2 c2 10.97.0.2 -- wire1 (lossy) ----- d2  lossy 10.97.0.1  }  meshrelay-dp (ns dp)
#   srv  s0 10.98.0.2, .3 ------------------ d1  svc   10.98.0.1  }
#   srv2 s2 10.96.0.2 -- wire2 (lossy) ----- d3  svc2  10.96.0.1 /
#
# Listeners on edge:443 and lossy:443. The "wire" namespaces run test/lib/impair.py, a
# frame copier that drops, reorders and duplicates (this kernel has no netem).

RT_CLI=${TOPO_TAG}-cli
RT_CLI2=${TOPO_TAG}-cli2
RT_DP=${TOPO_TAG}-dp
RT_SRV=${TOPO_TAG}-srv
RT_SRV2=${TOPO_TAG}-srv2
RT_WIRE1=${TOPO_TAG}-w1
RT_WIRE2=${TOPO_TAG}-w2

# rt_kernel_host NS IF ADDR/PREFIX GATEWAY: a kernel peer's address and route.
rt_kernel_host() {
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$1" route add default via "$4"
	topo_kernel_side "$1" "$2"
}

# rt_wire NS A B: the copier's two ends want whole frames, not offloaded bundles.
rt_wire_ends() {
	local ifc
	for ifc in "$2" "$3"; do
		ip netns exec "$1" ethtool -K "$ifc" gro off gso off tso off tx off >/dev/null 2>&1
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1"
	done
}

rt_build() {
	local ns
	for ns in "$RT_CLI" "$RT_CLI2" "$RT_DP" "$RT_SRV" "$RT_SRV2" "$RT_WIRE1" "$RT_WIRE2"; do
		topo_ns "$ns"
	done
	topo_veth "$RT_CLI" c0 "$RT_DP" d0
	topo_veth "$RT_SRV" s0 "$RT_DP" d1
	topo_veth "$RT_CLI2" c2 "$RT_WIRE1" wa
	topo_veth "$RT_WIRE1" wb "$RT_DP" d2
	topo_veth "$RT_SRV2" s2 "$RT_WIRE2" wc
	topo_veth "$RT_WIRE2" wd "$RT_DP" d3
	rt_wire_ends "$RT_WIRE1" wa wb
	rt_wire_ends "$RT_WIRE2" wc wd
	rt_kernel_host "$RT_CLI" c0 10.99.0.2/24 10.99.0.1
	rt_kernel_host "$RT_CLI2" c2 10.97.0.2/24 10.97.0.1
	rt_kernel_host "$RT_SRV" s0 10.98.0.2/24 10.98.0.1
	ip -n "$RT_SRV" addr add 10.98.0.3/24 dev s0
	rt_kernel_host "$RT_SRV2" s2 10.96.0.2/24 10.96.0.1
}

# rt_wire_start NS A B SECONDS LOSS DUP REORDER [IMPAIR_OPTION...]
rt_wire_start() {
	ip netns exec "$1" /usr/bin/python3 test/lib/impair.py "$2" "$3" "$4" --loss "$5" \
		--dup "$6" --reorder "$7" "${@:8}" >"$TOPO_DIR/$1.impair" 2>&1 &
	topo_track $!
}

# rt_port NAME DEVICE_IFACE ADDR/PREFIX [IPV6/PREFIX]: a data port entry of the relay
# configuration.
rt_port() {
	printf '  { name = "%s"; device = "net_af_packet_%s_%s,iface=%s,blocksz=4096,framesz=2048,framecnt=4096,qpairs=1";\n    ipv4 = "%s";%s exception = { iface = "mr-%s"; }; }' \
		"$1" "$TOPO_TAG" "$1" "$2" "$3" "${4:+ ipv6 = \"$4\";}" "$1"
}

# rt_port_two_queues NAME DEVICE_IFACE ADDR/PREFIX [IPV6/PREFIX]: rt_port with two queue
# pairs, for two workers.
rt_port_two_queues() {
	rt_port "$@" | sed 's/qpairs=1/qpairs=2/; s/; }$/; queues = 2; }/'
}

# rt_dataplane_two_workers: the dataplane section of two workers that share the second
# core (correctness, not speed, on this machine).
rt_dataplane_two_workers() {
	cat <<'SECTION'
dataplane = {
  eal = [ "--lcores", "0@0,1@1,2@1", "-n", "1", "--no-pci", "--no-huge", "-m", "768" ];
  mbufs = 32767;
};
SECTION
}

# rt_add_ipv6: the client and server namespaces get IPv6 too (fd00:99::2 behind the edge
# port fd00:99::1, fd00:98::2 and ::3 behind the svc port fd00:98::1), without duplicate
# address detection so they are usable at once.
rt_add_ipv6() {
	ip -n "$RT_CLI" addr add fd00:99::2/64 dev c0 nodad
	ip -n "$RT_CLI" -6 route add default via fd00:99::1
	ip -n "$RT_SRV" addr add fd00:98::2/64 dev s0 nodad
	ip -n "$RT_SRV" addr add fd00:98::3/64 dev s0 nodad
	ip -n "$RT_SRV" -6 route add default via fd00:98::1
}
