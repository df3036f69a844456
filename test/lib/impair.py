# SPDX-License-Identifier: BSD-3-Clause
"""A lossy, reordering, duplicating wire between two interfaces, for relay tests where the
kernel offers no netem.

usage: impair.py IF_A IF_B SECONDS [--loss P] [--dup P] [--reorder P] [--seed N]
                 [--drop-acks-to ADDR:PORT [--drop-acks N]]
Frames are copied both ways through AF_PACKET sockets. Each frame is dropped with
probability loss, sent twice with probability dup, or held back and sent after the next
frame of the same direction with probability reorder. With --drop-acks-to, the first N
(default 1) bare ACKs (flags ACK alone, no payload) of IPv4 TCP to ADDR:PORT are dropped,
whatever else is asked: a handshake's ACK lost, on cue. Runs SECONDS, then prints counts.
"""
import argparse
import ipaddress
import random
import select
import socket
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def open_raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return s


def bare_ack_to(frame, addr, port):
    """Whether frame is an untagged IPv4 TCP segment to addr:port with ACK alone and no
    payload."""
    if len(frame) < 14 + 20 + 20 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return False
    ihl = (frame[14] & 0x0F) * 4
    total = int.from_bytes(frame[16:18], "big")
    tcp = 14 + ihl
    if frame[30:34] != addr or len(frame) < tcp + 20:
        return False
    data_off = (frame[tcp + 12] >> 4) * 4
    return (int.from_bytes(frame[tcp + 2:tcp + 4], "big") == port
            and frame[tcp + 13] == 0x10 and total == ihl + data_off)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("if_a")
    ap.add_argument("if_b")
    ap.add_argument("seconds", type=float)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--dup", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop-acks-to")
    ap.add_argument("--drop-acks", type=int, default=1)
    a = ap.parse_args()
    acks_left, ack_addr, ack_port = 0, b"", 0
    if a.drop_acks_to:
        host, port = a.drop_acks_to.rsplit(":", 1)
        acks_left, ack_addr, ack_port = a.drop_acks, ipaddress.IPv4Address(host).packed, int(port)
    rnd = random.Random(a.seed)
    sa, sb = open_raw(a.if_a), open_raw(a.if_b)
    other = {sa: sb, sb: sa}
    held = {sa: None, sb: None}
    counts = {"in": 0, "lost": 0, "dup": 0, "reordered": 0, "acks_dropped": 0}
    deadline = time.monotonic() + a.seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sa, sb], [], [], 0.05)
        if not ready:
            # Nothing arrives: let a held frame go rather than stall the flow.
            for s in (sa, sb):
                if held[s] is not None:
                    other[s].send(held[s])
                    held[s] = None
            continue
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue  # our own transmissions, seen on the way out
            counts["in"] += 1
            if acks_left and bare_ack_to(frame, ack_addr, ack_port):
                acks_left -= 1
                counts["acks_dropped"] += 1
                print("dropped a bare ACK to %s" % a.drop_acks_to, flush=True)
                continue
            r = rnd.random()
            if r < a.loss:
                counts["lost"] += 1
                continue
            out = other[s]
            if r < a.loss + a.reorder and held[s] is None:
                held[s] = frame
                counts["reordered"] += 1
                continue
            out.send(frame)
            if held[s] is not None:
                out.send(held[s])
                held[s] = None
            if rnd.random() < a.dup:
                out.send(frame)
                counts["dup"] += 1
    print(" ".join("%s=%d" % kv for kv in counts.items()))


if __name__ == "__main__":
    main()
