#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Port bring-up from configuration alone for the vdevs a test rig or VM uses besides
# af_packet and pcap: null, ring and memif (server side, no peer yet), several queues
# with RSS where the device offers it (two workers: the relay's source ports aimed at the
# null port's RSS), each without an exception path; a bad device string refused at start
# with a clear message and nothing left behind; and an af_packet port that cannot start
# leaving its kernel interface as it found it.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

T=$TOPO_TAG
topo_ns "${T}-dp"

cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "--lcores", "0@0,1@1,2@1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = (
  { name = "null"; device = "net_null_${T}"; ipv4 = "10.97.1.1/24"; queues = 2;
    exception = { enabled = false; }; },
  { name = "ring"; device = "net_ring_${T}"; ipv4 = "10.97.2.1/24";
    exception = { enabled = false; }; },
  { name = "memif"; device = "net_memif_${T},role=server,socket=$TOPO_DIR/memif.sock,socket-abstract=no";
    ipv4 = "10.97.3.1/24"; exception = { enabled = false; }; }
);
CONF
dp_start "${T}-dp" "$TOPO_DIR/dp.conf" "${T}-ports" "$TOPO_DIR/dp.log" || exit 1
for p in null:net_null ring:net_ring memif:net_memif; do
	name=${p%%:*}
	drv=${p#*:}
	out=$("$MR_CTL" -p "${T}-ports" show port "$name")
	check "port $name is up on $drv" grep -q "driver $drv" <<<"$out"
done
check "the null port has 2 rx queues" grep -q "port null: .*2 rx queue(s) (RSS)" "$TOPO_DIR/dp.log"
# Two workers: the null port has RSS and no rte_flow, so the relay's source ports are
# aimed at its hash (the device given the key that makes that possible); the others have
# no RSS and hand segments over.
check "the null port's RSS brings replies home" \
	grep -q "port null: steering by RSS: relay source ports picked" "$TOPO_DIR/dp.log"
steering=$(/usr/bin/python3 test/lib/telemetry.py "${T}-ports" /meshrelay/steering)
check "telemetry says so ($steering)" grep -q "RSS: relay source ports picked" <<<"$steering"
check "the ring port falls back to software dispatch" \
	grep -q "port ring: steering by software dispatch" "$TOPO_DIR/dp.log"
check "memif socket created" test -S "$TOPO_DIR/memif.sock"
# SIGINT, SIGTERM and SIGHUP (bits 0x4003 of the masks) reach the main thread alone: every
# other thread (workers, EAL's, the control and metrics threads) blocks them.
sig_masks() {
	local pid main t blk ok=0
	pid=$(pgrep -P "$DP_PID" -x meshrelay-dp) || return 1
	for t in /proc/"$pid"/task/*; do
		blk=$((0x$(sed -n 's/^SigBlk:\t*//p' "$t/status")))
		if [ "${t##*/}" = "$pid" ]; then
			[ $((blk & 0x4003)) -eq 0 ] || ok=1
		else
			[ $((blk & 0x4003)) -eq $((0x4003)) ] || ok=1
		fi
	done
	return $ok
}
check "stop and rotate signals reach the main thread alone" sig_masks
kill -INT "$DP_PID"
wait "$DP_PID"
check "clean exit on SIGINT" test $? -eq 0
check "exit report printed port statistics" grep -q "^port memif: rx" "$TOPO_DIR/dp.log"

sed -i "s|net_ring_${T}\"|net_nosuchdriver_${T}\"|" "$TOPO_DIR/dp.conf"
topo_eal_prefix "${T}-bad"
ip netns exec "${T}-dp" timeout 30 "$MR_DP" -c "$TOPO_DIR/dp.conf" -- --file-prefix "${T}-bad" \
	>"$TOPO_DIR/bad.log" 2>&1
rc=$?
check "unknown device refused (exit $rc)" test "$rc" -eq 1
check "the refusal names the port and the device" \
	grep -Eq "start-up failed: port [a-z0-9]+: device 'net_nosuchdriver_${T}'" "$TOPO_DIR/bad.log"
# A PCI port left on its kernel driver (none probes at this address): told how to hand it
# over, not only that the probe failed.
sed -i "s|net_nosuchdriver_${T}\"|0000:ff:1f.7\"|" "$TOPO_DIR/dp.conf"
ip netns exec "${T}-dp" timeout 30 "$MR_DP" -c "$TOPO_DIR/dp.conf" -- --file-prefix "${T}-bad" \
	>"$TOPO_DIR/bad.log" 2>&1
check "a PCI port that does not probe: told to bind it to vfio-pci" \
	grep -q "is it bound to vfio-pci? scripts/bind-nic.sh 0000:ff:1f.7" "$TOPO_DIR/bad.log"

# An af_packet port that is probed but cannot start (one queue pair for two workers): the
# start-up fails, and the kernel interface gets back the settings the probe changed
# (ARP, IPv6, reverse-path filter). Before, they stayed changed after the process ended.
ip link add "${T}a" netns "${T}-dp" type veth peer name "${T}b" netns "${T}-dp"
ip -n "${T}-dp" link set "${T}a" up
ip -n "${T}-dp" link set "${T}b" up
settings() {
	ip netns exec "${T}-dp" sysctl -n "net.ipv4.conf.${T}a.arp_ignore" \
		"net.ipv4.conf.${T}a.rp_filter" "net.ipv6.conf.${T}a.disable_ipv6" | tr '\n' ' '
}
before=$(settings)
cat >"$TOPO_DIR/afp.conf" <<CONF
dataplane = { eal = [ "--lcores", "0@0,1@1,2@1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = ( { name = "afp"; device = "net_af_packet_${T},iface=${T}a,qpairs=1"; ipv4 = "10.97.4.1/24";
            exception = { enabled = false; }; } );
CONF
topo_eal_prefix "${T}-afp"
ip netns exec "${T}-dp" timeout 30 "$MR_DP" -c "$TOPO_DIR/afp.conf" -- --file-prefix "${T}-afp" \
	>"$TOPO_DIR/afp.log" 2>&1
rc=$?
check "an af_packet port with too few queues refused (exit $rc)" test "$rc" -eq 1
check "its interface's settings put back ($before, after: $(settings))" test "$(settings)" = "$before"

# An af_packet port on an interface without IPv6 (an MTU below 1280: the kernel keeps no
# IPv6 settings for it) starts: its IPv6 has nothing to switch off (before, the missing
# setting refused the start). The port's MTU, set below the interface's, goes back to the
# interface's at the stop (before, the host kept the port's).
# veth IFACE PEER MTU: a veth pair in the namespace, both ends up.
veth() {
	ip link add "$1" netns "${T}-dp" mtu "$3" type veth peer name "$2" netns "${T}-dp" mtu "$3"
	ip -n "${T}-dp" link set "$1" up
	ip -n "${T}-dp" link set "$2" up
}
# mtu_run WHAT IFACE PORT_MTU IFACE_MTU [DEVICE_ARGS] [crashed]: a data plane of one
# af_packet port on IFACE with mtu PORT_MTU starts (WHAT says which), the interface takes
# that MTU, and gets IFACE_MTU back at the stop; "crashed": after a first run killed
# outright, which left the port's MTU on the interface.
mtu_run() {
	local what=$1 iface=$2 port_mtu=$3 iface_mtu=$4 args=${5:-} crashed=${6:-}
	local conf=$TOPO_DIR/$iface.conf log=$TOPO_DIR/$iface.log
	mtu_of() { ip -n "${T}-dp" -o link show "$iface" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
	cat >"$conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512" ]; };
ports = ( { name = "afp"; device = "net_af_packet_${iface},iface=${iface},qpairs=1$args";
            ipv4 = "10.97.5.1/24"; mtu = $port_mtu; exception = { enabled = false; }; } );
CONF
	if [ -n "$crashed" ] && dp_start "${T}-dp" "$conf" "${iface}-mtu" "$log"; then
		pkill -KILL -P "$DP_PID" # the data plane itself, under its timeout
		wait "$DP_PID" 2>/dev/null
		check "$what: the killed run left the port's MTU ($(mtu_of))" \
			test "$(mtu_of)" = "$port_mtu"
	fi
	if ! dp_start "${T}-dp" "$conf" "${iface}-mtu" "$log"; then
		check "an af_packet port on $what starts ($(tail -1 "$log"))" false
		return
	fi
	check "an af_packet port on $what starts" true
	check "$what takes the port's MTU ($(mtu_of))" test "$(mtu_of)" = "$port_mtu"
	check "the data plane works to it" grep -q "mtu $port_mtu" "$log"
	kill -INT "$DP_PID"
	wait "$DP_PID"
	check "clean exit on SIGINT" test $? -eq 0
	check "$what gets its MTU back ($(mtu_of))" test "$(mtu_of)" = "$iface_mtu"
}
veth "${T}c" "${T}d" 1200
check "the interface has no IPv6 settings" \
	bash -c "! ip netns exec '${T}-dp' test -e /proc/sys/net/ipv6/conf/${T}c"
mtu_run "an interface without IPv6" "${T}c" 1100 1200
# The same after a run that was killed: the next one finds the port's MTU in place, and
# still puts the interface's back at its stop (before, it kept nothing and left 1100).
mtu_run "an interface after a killed run" "${T}c" 1100 1200 "" crashed
# A jumbo interface (9000) under a 1500-byte port, its frames 4096 bytes: the PMD cannot
# set 9000 itself at the stop, and the interface gets it back all the same; the pool's
# buffers hold the port's frames, larger than its MTU needs (af_packet refused the pool).
veth "${T}e" "${T}f" 9000
mtu_run "a jumbo interface" "${T}e" 1500 9000 ",framesz=4096,blocksz=8192"
# The exception path's kernel interface takes the port's MTU: the host's frames leave
# through the port as they are, and one larger than the port's MTU would be lost past it
# with no error back. (A tap's PMD sets it too; virtio-user's, which needs vhost-net, does
# not, and is set by the data plane as this one is.)
# exception_mtu_run WHAT NAME DEVICE IFACE MTU ADDRESS [IFACE_MTU]: a data plane of one
# port NAME on DEVICE, with mtu MTU and its exception path on IFACE, starts, and IFACE
# takes IFACE_MTU (MTU when not given).
exception_mtu_run() {
	local what=$1 name=$2 device=$3 iface=$4 mtu=$5 addr=$6 want=${7:-$5} got
	local conf="$TOPO_DIR/$name.conf" log="$TOPO_DIR/$name.log"

	cat >"$conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ]; };
ports = ( { name = "$name"; device = "$device"; ipv4 = "$addr"; mtu = $mtu;
            exception = { iface = "$iface"; }; } );
CONF
	if dp_start "${T}-dp" "$conf" "${T}-$name" "$log"; then
		got=$(ip -n "${T}-dp" -o link show "$iface" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
		check "$what: the exception interface takes MTU $want ($got)" test "$got" = "$want"
		kill -INT "$DP_PID"
		wait "$DP_PID"
	else
		check "$what: starts ($(grep 'start-up failed' "$log" | tail -1))" false
	fi
}
veth "${T}g" "${T}h" 1500
exception_mtu_run "an af_packet port of MTU 1300" afp "net_af_packet_${T}g,iface=${T}g,qpairs=1" \
	"${T}x" 1300 10.97.6.1/24
# A jumbo port (MTU 9000) with its exception path: the tap takes what its PMD can carry
# (1504 at most: DPDK refuses more from it, and its transmit drops longer frames), and so
# does the kernel interface, whose host then sends and is sent no larger (said in the
# log). Before, the tap was configured with 9000 and the data plane did not start.
exception_mtu_run "a jumbo port" big "net_null_${T}j" "${T}j" 9000 10.97.7.1/24 1504
check "... saying what the host's traffic gets" \
	grep -q "port big: its exception path (net_tap) carries 1504 bytes at most" "$TOPO_DIR/big.log"

check_done "port bring-up"
