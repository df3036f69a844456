# SPDX-License-Identifier: BSD-3-Clause
"""Hostile ARP (and a storm for the host) on an interface, bounded by a frame count and a
time limit.

flood: arp_flood.py flood IFACE DP_MAC DP_IP COUNT SECONDS [--pps N] [--seed N]
    COUNT frames from random locally administered MACs. Half the senders are random hosts .10-.254 of DP_IP's /24, half random unicast
    addresses outside it. Each frame is one of: a request for DP_IP, a request for
    another address, a gratuitous request, a gratuitous reply (both broadcast), a
    unicast reply to DP_MAC/DP_IP that nobody asked for.
spoof: arp_flood.py spoof IFACE DP_MAC DP_IP CLAIM_IP[,CLAIM_IP...] ATTACKER_MAC COUNT SECONDS
    COUNT claims that each CLAIM_IP is at ATTACKER_MAC, in turn: gratuitous request,
    gratuitous reply, request for DP_IP, unicast reply to DP_MAC/DP_IP.
storm: arp_flood.py storm IFACE DP_MAC DP_IP COUNT SECONDS
    COUNT broadcast frames of the IEEE local experimental ethertype (0x88b5), from random
    MACs: frames only the host could want, which the data plane gives its exception path.
All send at most N frames a second (--pps; 0, the default, is as fast as the socket
takes them), stop at COUNT frames or after SECONDS, whichever comes first, and print
"sent N frames in T s". With --start-file PATH the frames are built first, "ready" is
printed, and sending starts when PATH exists (waiting SECONDS at most).
"""
import argparse
import os
import random
import socket
import struct
import time

ETH_P_ARP = 0x0806
BROADCAST = b"\xff" * 6


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ip_bytes(text):
    return socket.inet_aton(text)


def arp_frame(dst, sha, op, spa, tha, tpa):
    eth = dst + sha + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa
    return (eth + arp).ljust(60, b"\0")


def random_mac(rnd):
    first = (rnd.randrange(256) & 0xFC) | 0x02  # unicast, locally administered
    return bytes([first] + [rnd.randrange(256) for _ in range(5)])


def flood_frames(rnd, dp_mac, dp_ip, count):
    subnet = struct.unpack("!I", dp_ip)[0] & 0xFFFFFF00
    frames = []
    for _ in range(count):
        sha = random_mac(rnd)
        if rnd.random() < 0.5:
            spa = subnet | rnd.randrange(10, 255)
        else:
            while True:
                spa = rnd.randrange(0x01000000, 0xE0000000)
                if spa & 0xFFFFFF00 != subnet:
                    break
        spa = struct.pack("!I", spa)
        other = struct.pack("!I", subnet | rnd.randrange(10, 255))
        kind = rnd.randrange(5)
        if kind == 0:
            f = arp_frame(BROADCAST, sha, 1, spa, b"\0" * 6, dp_ip)
        elif kind == 1:
            f = arp_frame(BROADCAST, sha, 1, spa, b"\0" * 6, other)
        elif kind == 2:
            f = arp_frame(BROADCAST, sha, 1, spa, b"\0" * 6, spa)
        elif kind == 3:
            f = arp_frame(BROADCAST, sha, 2, spa, BROADCAST, spa)
        else:
            f = arp_frame(dp_mac, sha, 2, spa, dp_mac, dp_ip)
        frames.append(f)
    return frames


def spoof_frames(dp_mac, dp_ip, claims, mac):
    frames = []
    for claim in claims:
        frames += [
            arp_frame(BROADCAST, mac, 1, claim, b"\0" * 6, claim),
            arp_frame(BROADCAST, mac, 2, claim, BROADCAST, claim),
            arp_frame(BROADCAST, mac, 1, claim, b"\0" * 6, dp_ip),
            arp_frame(dp_mac, mac, 2, claim, dp_mac, dp_ip),
        ]
    return frames


def storm_frames(rnd, count):
    return [(BROADCAST + random_mac(rnd) + struct.pack("!H", 0x88B5)).ljust(60, b"\0")
            for _ in range(min(count, 1024))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["flood", "spoof", "storm"])
    ap.add_argument("iface")
    ap.add_argument("dp_mac")
    ap.add_argument("dp_ip")
    ap.add_argument("rest", nargs="+")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--pps", type=float, default=0.0)
    ap.add_argument("--start-file")
    a = ap.parse_args()
    dp_mac, dp_ip = mac_bytes(a.dp_mac), ip_bytes(a.dp_ip)
    if a.mode == "flood":
        count, seconds = int(a.rest[0]), float(a.rest[1])
        frames = flood_frames(random.Random(a.seed), dp_mac, dp_ip, count)
    elif a.mode == "storm":
        count, seconds = int(a.rest[0]), float(a.rest[1])
        frames = storm_frames(random.Random(a.seed), count)
    else:
        claims = [ip_bytes(c) for c in a.rest[0].split(",")]
        mac = mac_bytes(a.rest[1])
        count, seconds = int(a.rest[2]), float(a.rest[3])
        frames = spoof_frames(dp_mac, dp_ip, claims, mac)
    gap = 1.0 / a.pps if a.pps > 0 else 0.0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    if a.start_file:
        print("ready", flush=True)
        give_up = time.monotonic() + seconds
        while not os.path.exists(a.start_file):
            if time.monotonic() >= give_up:
                print("sent 0 frames: %s never appeared" % a.start_file)
                return
            time.sleep(0.01)
    start = time.monotonic()
    deadline = start + seconds
    sent = 0
    while sent < count:
        now = time.monotonic()
        if now >= deadline:
            break
        try:
            s.send(frames[sent % len(frames)])
        except OSError:  # the interface's queue is full (or it is down): try again
            time.sleep(0.001)
            continue
        sent += 1
        if gap:
            pause = start + sent * gap - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    print("sent %d frames in %.1f s" % (sent, time.monotonic() - start))


if __name__ == "__main__":
    main()
