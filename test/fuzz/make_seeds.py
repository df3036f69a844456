# SPDX-License-Identifier: BSD-3-Clause
"""Seed inputs for fuzz-dp-frames: whole relayed connections written in the target's
operation format, with real ClientHellos from the classifier's captured fixtures.

usage: make_seeds.py FIXTURE_DIR OUT_DIR
"""
import os
import struct
import sys

CLIENT, BACKEND, BIND_START, BIND_SERVER, NEAR, TINY, TIME, TOO_BIG = 2, 3, 4, 5, 6, 7, 8, 9
RST, SYN = 0x04, 0x02
VALID, PSH, FIN, ACK = 0x80, 0x08, 0x01, 0x10


def client(payload, seq_off, flags=VALID | PSH, src=0, sport=0, isn=7):
    head = struct.pack(">BBBBBHHI", CLIENT, src, sport, flags, isn, seq_off, len(payload), 0)
    return head + bytes([1]) + struct.pack(">I", 100) + payload


def backend(payload, flags, seq=5000, ack_off=0):
    return struct.pack(">BBBIIH", BACKEND, 0, flags, seq, ack_off, len(payload)) + payload


def bind_start(tid=b"meshrelay-01"):
    return bytes([BIND_START]) + tid


def bind_server(payload, flags, seq=9000):
    return struct.pack(">BBBIH", BIND_SERVER, 0, flags, seq, len(payload)) + payload


def wait(ms):
    return struct.pack(">BH", TIME, ms)


def near(flags, how=0, dseq=0, dack=0, payload=b""):
    """A spoofer's segment at the first flow's sequence numbers, give or take a little."""
    return struct.pack(">BBBBhhB", NEAR, 0, how, flags, dseq, dack, len(payload)) + payload


def tiny(data):
    """The first collecting flow's client, one byte per segment."""
    return struct.pack(">BBB", TINY, 0, len(data) - 1) + data


def too_big(how, back, mtu):
    """A router's too-big error about the first flow (how & 1: its backend side), quoting
    what the relay sent there less back bytes."""
    return struct.pack(">BBBHH", TOO_BIG, 0, how, back, mtu)


def smaller_paths(hello):
    """A spliced connection whose two paths turn out smaller, with data either way after."""
    out = client(hello, 0) + wait(5) + backend(b"", 0xC0)
    out += backend(b"\x16\x03\x03" + b"s" * 1200, 0x80 | ACK | PSH, 5001, len(hello))
    out += too_big(0, 600, 1000) + too_big(1, 10, 1280) + too_big(2, 600, 576)
    out += backend(b"\x16\x03\x03" + b"s" * 1200, 0x80 | ACK | PSH, 5001, len(hello))
    out += client(b"\x17\x03\x03" + b"c" * 1300, len(hello), VALID | PSH)
    return out


def connection(hello):
    out = client(hello, 0) + wait(5)
    out += backend(b"", 0xC0)                                  # SYN-ACK: splice
    out += backend(b"\x16\x03\x03" + b"s" * 200, 0x80 | ACK | PSH, 5001, len(hello))
    out += client(b"\x17\x03\x03" + b"c" * 64, len(hello), VALID | PSH)
    out += client(b"", len(hello) + 67, VALID | FIN)
    out += backend(b"", 0x80 | ACK | FIN, 5204, len(hello) + 68)
    return out


def bound_connection(hello):
    """The same connection arriving as an RFC 6062 data connection through TURN."""
    out = bind_start() + bind_server(b"", 0xC0) + wait(5)     # SYN-ACK of the server
    out += bind_server(hello, 0x80)                            # bind answer, then the hello
    out += backend(b"", 0xC0)
    out += backend(b"\x16\x03\x03" + b"s" * 200, 0x80 | ACK | PSH, 5001, len(hello))
    return out


def spoofed(hello):
    """A spliced connection under blind RSTs, SYNs and ACKs, some with wrong checksums."""
    out = client(hello, 0) + wait(5) + backend(b"", 0xC0)
    out += near(RST, 0, 1000) + near(RST, 3, 700) + near(SYN, 0, 5) + near(ACK, 1, 0, 30000)
    out += near(RST, 4) + near(RST, 2) + near(ACK | PSH, 0, 0, 0, b"spoof")
    return out


def one_byte_hello(hello):
    """A hello whose first bytes come one per segment."""
    out = client(hello[:5], 0) + tiny(hello[5:69]) + tiny(hello[69:133])
    return out + wait(5)


def plain_connection():
    """A plain TCP service's connection to its VIP: the handshake's ACK opens the backend,
    whose banner comes first."""
    out = client(b"", 0, VALID, src=0x80) + wait(5)
    out += backend(b"", 0xC0)
    out += backend(b"SSH-2.0-x\r\n", 0x80 | ACK | PSH, 5001, 0)
    out += client(b"SSH-2.0-y\r\n", 0, VALID | PSH, src=0x80)
    return out


def proxy_header(name, port):
    """What another gateway sends first for a plain service: PROXY v2, authority TLV."""
    tlv = struct.pack(">BH", 2, len(name)) + name
    addrs = bytes([10, 10, 0, 2, 240, 240, 0, 5]) + struct.pack(">HH", 40000, port)
    return b"\r\n\r\n\0\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack(">H", len(addrs) + len(tlv)) + addrs + tlv


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def dns_frame(name, qtype, edns):
    """A raw frame on the edge port (op 0): a UDP DNS query to 10.0.0.1:53, broadcast MAC."""
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 1 if edns else 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    if edns:
        q += b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
    udp = struct.pack(">HHHH", 5353, 53, 8 + len(q), 0) + q
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]))
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    frame = b"\xff" * 6 + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp
    return bytes([0]) + struct.pack(">H", len(frame)) + frame


def main():
    fixtures, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for i, (name, qtype, edns) in enumerate([("a.example", 1, True), ("nope.example", 28, False),
                                             ("x.org", 15, True)]):
        with open(os.path.join(out_dir, "dns-%d.seed" % i), "wb") as f:
            f.write(dns_frame(name, qtype, edns))
    with open(os.path.join(out_dir, "plain.seed"), "wb") as f:
        f.write(plain_connection())
    with open(os.path.join(out_dir, "plain.bound.seed"), "wb") as f:
        f.write(bound_connection(proxy_header(b"ssh.example", 22) + b"hi"))
    for name in sorted(os.listdir(fixtures)):
        if not name.endswith(".hello"):
            continue
        with open(os.path.join(fixtures, name), "rb") as f:
            hello = f.read()[:1400]
        with open(os.path.join(out_dir, name + ".seed"), "wb") as f:
            f.write(connection(hello))
        with open(os.path.join(out_dir, name + ".pmtu.seed"), "wb") as f:
            f.write(smaller_paths(hello))
        with open(os.path.join(out_dir, name + ".bound.seed"), "wb") as f:
            f.write(bound_connection(hello))
        with open(os.path.join(out_dir, name + ".spoofed.seed"), "wb") as f:
            f.write(spoofed(hello))
        with open(os.path.join(out_dir, name + ".tiny.seed"), "wb") as f:
            f.write(one_byte_hello(hello))


if __name__ == "__main__":
    main()
