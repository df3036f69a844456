# SPDX-License-Identifier: BSD-3-Clause
"""Send COUNT SYNs from random ports of SRC_IP to DST_IP:PORT through IFACE, as fast as
scapy can (bounded by COUNT). usage: syn_flood.py IFACE DST_MAC SRC_IP DST_IP PORT COUNT"""
import random
import sys

from scapy.all import IP, TCP, Ether, get_if_hwaddr, sendp

iface, dst_mac, src, dst, port, count = sys.argv[1:7]
rnd = random.Random(7)
frames = [Ether(src=get_if_hwaddr(iface), dst=dst_mac) /
          IP(src=src, dst=dst) /
          TCP(sport=rnd.randrange(1024, 65535), dport=int(port), flags="S",
              seq=rnd.randrange(0, 2**32), options=[("MSS", 1460), ("SAckOK", b""),
                                                    ("Timestamp", (1, 0)), ("WScale", 7)])
          for _ in range(int(count))]
sendp(frames, iface=iface, verbose=False)
