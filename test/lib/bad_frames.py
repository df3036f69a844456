# SPDX-License-Identifier: BSD-3-Clause
"""Send malformed frames at the data plane, COUNT of each kind, from an interface.

usage: bad_frames.py IFACE DP_MAC DP_IP COUNT
Each kind is built to trip exactly one drop reason of the data plane.
"""
import sys

from scapy.all import ARP, ICMP, IP, Ether, Raw, get_if_hwaddr, sendp

iface, dp_mac, dp_ip, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
src_mac = get_if_hwaddr(iface)
src_ip = "10.99.0.2"
eth = Ether(src=src_mac, dst=dp_mac, type=0x0800)
arp_eth = Ether(src=src_mac, dst=dp_mac)


def ipv4_bytes(**kw):
    """A valid echo request as bytes, then patched by the caller."""
    return bytearray(bytes(IP(src=src_ip, dst=dp_ip, **kw) / ICMP() / Raw(b"x" * 16)))


def with_checksum(b):
    b[10:12] = b"\0\0"
    s = sum((b[i] << 8) + b[i + 1] for i in range(0, (b[0] & 0xF) * 4, 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    b[10:12] = (~s & 0xFFFF).to_bytes(2, "big")
    return bytes(b)


def version6():
    b = ipv4_bytes()
    b[0] = 0x65
    return with_checksum(b)


def ihl4():
    b = ipv4_bytes()
    b[0] = 0x44
    return bytes(b)


def too_long():
    b = ipv4_bytes()
    b[2:4] = (len(b) + 40).to_bytes(2, "big")
    return with_checksum(b)


def bad_checksum():
    b = bytearray(with_checksum(ipv4_bytes()))
    b[10] ^= 0xFF
    return bytes(b)


frames = {
    "version": eth / Raw(version6()),
    "ihl": eth / Raw(ihl4()),
    "total_length": eth / Raw(too_long()),
    "checksum": eth / Raw(bad_checksum()),
    "runt": Ether(src=src_mac, dst=dp_mac, type=0x0800) / Raw(b"\x45" * 10),
    "martian": eth / IP(src="127.0.0.1", dst=dp_ip) / ICMP(),
    "not_for_us": eth / IP(src=src_ip, dst="10.99.0.77") / ICMP(),
    "arp": arp_eth / ARP(hwlen=8, psrc=src_ip, pdst=dp_ip),
    "other_mac": Ether(src=src_mac, dst="02:00:00:00:00:99") / IP(src=src_ip, dst=dp_ip) / ICMP(),
}
for name, frame in frames.items():
    sendp(frame, iface=iface, count=count, verbose=False)
