# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of frames for the data plane's packet path, and the expected verdicts.

usage: make_pcap.py OUT.pcap DP_MAC DP_IP
Prints one line per drop reason: "<reason> <count>", and "echo <count>", "arp <count>"
for the frames the data plane must answer.
"""
import sys

from scapy.all import ARP, ICMP, IP, Ether, Raw, wrpcap

out, dp_mac, dp_ip = sys.argv[1], sys.argv[2], sys.argv[3]
peer_mac, peer_ip = "02:00:00:00:00:02", "10.98.0.2"
eth = Ether(src=peer_mac, dst=dp_mac, type=0x0800)


def patched(offset, value, fix_checksum=True):
    b = bytearray(bytes(IP(src=peer_ip, dst=dp_ip) / ICMP() / Raw(b"p" * 24)))
    b[offset:offset + len(value)] = value
    if fix_checksum:
        b[10:12] = b"\0\0"
        ihl = (b[0] & 0xF) * 4
        s = sum((b[i] << 8) + b[i + 1] for i in range(0, min(ihl, len(b)) - 1, 2))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        b[10:12] = (~s & 0xFFFF).to_bytes(2, "big")
    return eth / Raw(bytes(b))


kinds = {
    "ipv4_version": patched(0, b"\x65"),
    "ipv4_ihl": patched(0, b"\x43"),
    "ipv4_total_length": patched(2, (200).to_bytes(2, "big")),
    "ipv4_checksum": patched(10, b"\xde\xad", fix_checksum=False),
    # TCP fragments are dropped (the relay's connections send none); others to the
    # port's address are the host's to put together (here: no exception path).
    "ipv4_fragment": eth / IP(src=peer_ip, dst=dp_ip, flags="MF", proto=6) / Raw(b"f" * 24),
    "ipv4_fragment ": eth / IP(src=peer_ip, dst=dp_ip, frag=3, proto=6) / Raw(b"g" * 24),
    "ipv4_fragment  ": eth / IP(src=peer_ip, dst="10.98.0.77", flags="MF") / ICMP() / Raw(b"h" * 24),
    "no_exception_path ": eth / IP(src=peer_ip, dst=dp_ip, flags="MF") / ICMP() / Raw(b"f" * 24),
    "runt": Ether(src=peer_mac, dst=dp_mac, type=0x0800) / Raw(b"\x45\x00"),
    "ipv4_martian_src": eth / IP(src="224.0.0.5", dst=dp_ip) / ICMP(),
    "ipv4_not_for_us": eth / IP(src=peer_ip, dst="10.98.0.77") / ICMP(),
    "arp_malformed": Ether(src=peer_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(ptype=0x86DD, psrc=peer_ip, pdst=dp_ip),
    "arp_not_for_us": Ether(src=peer_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=peer_ip, pdst="10.98.0.99"),
    "l2_not_for_us": Ether(src=peer_mac, dst="02:00:00:00:00:99") / IP(src=peer_ip, dst=dp_ip) / ICMP(),
    # To the port's unicast address in a broadcast frame, whole or a fragment: nobody's.
    "l2_group_unicast_ip": Ether(src=peer_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=peer_ip, dst=dp_ip) / ICMP(),
    "l2_group_unicast_ip ": Ether(src=peer_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=peer_ip, dst=dp_ip, flags="MF") / ICMP() / Raw(b"b" * 24),
    "icmp_malformed": eth / IP(src=peer_ip, dst=dp_ip) / ICMP(chksum=0x1234) / Raw(b"c" * 8),
    "no_exception_path": eth / IP(src=peer_ip, dst=dp_ip) / ICMP(type=13),
    "echo": eth / IP(src=peer_ip, dst=dp_ip) / ICMP(id=7, seq=1) / Raw(b"echo-data"),
    "arp": Ether(src=peer_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=peer_mac, psrc=peer_ip, pdst=dp_ip),
}
counts = {}
frames = []
for round_no in range(3):
    for name, frame in kinds.items():
        frames.append(frame)
        counts[name.strip()] = counts.get(name.strip(), 0) + 1
wrpcap(out, frames)
for name, n in counts.items():
    print(name, n)
