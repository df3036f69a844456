#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The packet path on a net_pcap port: a capture of good and malformed frames (fragments
# included, which no kernel reassembles here) is replayed; every frame must end under
# exactly the expected verdict, and the answers written out must be exactly the echo and
# ARP replies, checksums valid, beside the announcement of the port's address at start.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

T=$TOPO_TAG
PREFIX=${T}-pcap
DP_MAC=02:70:63:61:70:00   # net_pcap's address for its first port

topo_ns "${T}-dp"
/usr/bin/python3 test/lib/make_pcap.py "$TOPO_DIR/in.pcap" "$DP_MAC" 10.98.0.1 >"$TOPO_DIR/expect"
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256" ]; };
ports = ( {
  name = "replay";
  device = "net_pcap_${T},rx_pcap=$TOPO_DIR/in.pcap,tx_pcap=$TOPO_DIR/out.pcap";
  ipv4 = "10.98.0.1/24";
  exception = { enabled = false; };
} );
CONF
dp_start "${T}-dp" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" || exit 1
check "net_pcap port has the expected MAC" \
	bash -c "'$MR_CTL' -p '$PREFIX' show port replay | grep -qi 'mac $DP_MAC'"
total=$(awk '{s += $2} END {print s}' "$TOPO_DIR/expect")
for _ in $(seq 100); do # the replay takes a moment; wait for the last frame
	[ "$(dp_stat "$PREFIX" counters rx_frames)" -ge "$total" ] && break
	sleep 0.1
done
check "all $total frames read" test "$(dp_stat "$PREFIX" counters rx_frames)" -eq "$total"
while read -r what n; do
	case $what in
	echo) got=$(dp_stat "$PREFIX" counters icmp_echo_out) ;;
	arp) got=$(dp_stat "$PREFIX" counters arp_reply_out) ;;
	*) got=$(dp_stat "$PREFIX" drops "$what") ;;
	esac
	check "$what: $n expected, $got counted" test "$got" -eq "$n"
done <"$TOPO_DIR/expect"
kill -INT "$DP_PID"
wait "$DP_PID" 2>/dev/null
/usr/bin/python3 - "$TOPO_DIR/out.pcap" "$DP_MAC" >"$TOPO_DIR/out.txt" <<'PY'
import sys
from scapy.all import ARP, ICMP, IP, rdpcap
echo = arp = announced = bad = 0
for p in rdpcap(sys.argv[1]):
    if p.src.lower() != sys.argv[2]:
        bad += 1
    elif ARP in p and p[ARP].op == 1 and p[ARP].psrc == p[ARP].pdst == "10.98.0.1" \
            and p.dst == "ff:ff:ff:ff:ff:ff":
        announced += 1
    elif ICMP in p and p[ICMP].type == 0:
        ip_sum, icmp_sum = p[IP].chksum, p[ICMP].chksum
        del p[IP].chksum, p[ICMP].chksum
        q = p.__class__(bytes(p))
        ok = q[IP].chksum == ip_sum and q[ICMP].chksum == icmp_sum and bytes(p[ICMP].payload) == b"echo-data"
        echo += ok
        bad += not ok
    elif ARP in p and p[ARP].op == 2 and p[ARP].pdst == "10.98.0.2":
        arp += 1
    else:
        bad += 1
print(echo, arp, announced, bad)
PY
read -r echo arp announced bad <"$TOPO_DIR/out.txt"
want_echo=$(awk '$1 == "echo" {print $2}' "$TOPO_DIR/expect")
want_arp=$(awk '$1 == "arp" {print $2}' "$TOPO_DIR/expect")
check "written out: $echo echo replies with valid checksums (want $want_echo)" test "$echo" -eq "$want_echo"
check "written out: $arp ARP replies (want $want_arp)" test "$arp" -eq "$want_arp"
# The port's address announced when the data plane started: once, or twice when the
# process ran past the second round, 2 s later.
check "written out: the port's address announced ($announced)" \
	test "$announced" -ge 1 -a "$announced" -le 2
check "written out: nothing else ($bad)" test "$bad" -eq 0
check_done "pcap replay"
