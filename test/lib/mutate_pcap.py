# SPDX-License-Identifier: BSD-3-Clause
"""Write a pcap of mutated frames for the data plane: whole TCP conversations with a relay
listener (SYN, the ACK carrying a captured ClientHello, data, FIN, RST), ARP, ICMP and
IPv4 edge cases, each frame then mutated: bits flipped, bytes overwritten in the headers,
truncated, extended, options scrambled; checksums fixed again for half of them, so the
mutations reach past the checksum checks. Deterministic for a given seed.

usage: mutate_pcap.py OUT.pcap DP_MAC DP_IP FIXTURE_DIR COUNT SEED
"""
import glob
import random
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, Ether, Raw

out, dp_mac, dp_ip, fixtures, count, seed = sys.argv[1:7]
count, rng = int(count), random.Random(int(seed))
peer_mac = "02:00:00:00:00:02"
hellos = [open(f, "rb").read() for f in sorted(glob.glob(fixtures + "/*.hello"))]


def conversation(port):
    """Frames of one client connection to the listener, as a kernel would send them."""
    c = Ether(src=peer_mac, dst=dp_mac) / IP(src="10.98.0.%d" % rng.randint(2, 250), dst=dp_ip)
    isn, hello = rng.getrandbits(32), rng.choice(hellos)
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (rng.getrandbits(32), 0)),
            ("NOP", None), ("WScale", 7)]
    syn = c / TCP(sport=port, dport=443, flags="S", seq=isn, options=opts)
    ack = c / TCP(sport=port, dport=443, flags="A", seq=isn + 1, ack=rng.getrandbits(32))
    half = len(hello) // 2
    data1 = c / TCP(sport=port, dport=443, flags="PA", seq=isn + 1, ack=rng.getrandbits(32)) / Raw(hello[:half])
    data2 = c / TCP(sport=port, dport=443, flags="PA", seq=isn + 1 + half, ack=1) / Raw(hello[half:])
    fin = c / TCP(sport=port, dport=443, flags="FA", seq=isn + 1 + len(hello), ack=1)
    rst = c / TCP(sport=port, dport=443, flags="R", seq=isn + 1 + len(hello))
    return [syn, ack, data1, data2, fin, rst]


def others():
    e = Ether(src=peer_mac, dst=dp_mac)
    return [
        Ether(src=peer_mac, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.98.0.2", pdst=dp_ip),
        e / ARP(op=2, psrc="10.98.0.2", pdst=dp_ip, hwsrc=peer_mac),
        e / IP(src="10.98.0.2", dst=dp_ip) / ICMP() / Raw(b"x" * 32),
        e / IP(src="10.98.0.2", dst=dp_ip, flags="MF") / TCP(dport=443),
        e / IP(src="10.98.0.2", dst=dp_ip, options=[b"\x01" * 8]) / TCP(dport=443, flags="S"),
        e / IP(src="10.98.0.2", dst=dp_ip) / TCP(sport=10000, dport=12345, flags="SA"),
    ]


def fix_checksums(frame):
    """Recompute IPv4 and TCP/ICMP checksums of a (possibly broken) frame, when it parses."""
    try:
        p = Ether(frame)
        if IP in p:
            del p[IP].chksum
            if TCP in p:
                del p[TCP].chksum
            if ICMP in p:
                del p[ICMP].chksum
            return bytes(p)
    except Exception:  # a mutation scapy cannot rebuild: keep it as it is
        pass
    return frame


def mutate(frame):
    b = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        what = rng.random()
        if what < 0.35 and b:  # flip bits anywhere
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif what < 0.65 and len(b) > 14:  # overwrite a header byte (IP, TCP, options)
            i = rng.randrange(14, min(len(b), 14 + 60 + 40))
            b[i] = rng.choice([0, 0xFF, 0x80, 0x7F, 1, rng.randrange(256)])
        elif what < 0.8 and len(b) > 1:  # truncate
            del b[rng.randrange(1, len(b)):]
        elif what < 0.9:  # extend with garbage
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        else:  # duplicate a slice inside
            if len(b) > 20:
                i = rng.randrange(14, len(b))
                b[i:i] = b[i - rng.randint(1, min(i, 20)):i]
    out_frame = bytes(b)
    return fix_checksums(out_frame) if rng.random() < 0.5 else out_frame


def write_pcap(path, frames):
    """Bytes exactly as mutated: scapy would rebuild (and so repair) what it parses."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, b in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000, (i % 1000) * 1000, len(b), len(b)))
            f.write(b)


frames = []
while len(frames) < count:
    for f in conversation(rng.randint(1024, 65000)) + others():
        raw = bytes(f)
        if len(frames) < count:
            frames.append(raw if rng.random() < 0.1 else mutate(raw))
write_pcap(out, frames)
print(len(frames))
