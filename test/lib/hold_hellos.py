# SPDX-License-Identifier: BSD-3-Clause
"""Open N TCP connections and send only the first BYTES of a TLS record on each, then
hold them for SECONDS; print how many were reset by the peer and how many stayed open.

usage: hold_hellos.py ADDR PORT N BYTES SECONDS
"""
import socket
import sys
import time

addr, port, n, nbytes, seconds = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                  int(sys.argv[4]), float(sys.argv[5]))
# A handshake record header announcing 512 bytes, then the start of a ClientHello.
partial = (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x11" * 600)[:nbytes]
socks = []
for _ in range(n):
    s = socket.create_connection((addr, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(partial)
    socks.append(s)
deadline = time.monotonic() + seconds
reset = set()
while time.monotonic() < deadline and len(reset) < n:
    for i, s in enumerate(socks):
        if i in reset:
            continue
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                reset.add(i)
        except socket.timeout:
            pass
        except OSError:
            reset.add(i)
    time.sleep(0.05)
print("reset=%d open=%d" % (len(reset), n - len(reset)))
