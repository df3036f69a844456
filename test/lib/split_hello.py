# SPDX-License-Identifier: BSD-3-Clause
"""TLS client whose ClientHello leaves in three TCP segments (or in segments of SEGMENT
bytes each), certificate verified.

usage: split_hello.py ADDR PORT SNI CAFILE [SEGMENT]
The handshake runs over memory BIOs so the hello's bytes can be cut and sent as separate
segments (TCP_NODELAY, a pause between them long enough for each to be acknowledged).
After the handshake it
sends one line and expects the server's answer to start with "HTTP/". Prints the number
of hello segments and the verified peer name, or exits 1.
"""
import socket
import ssl
import sys
import time

addr, port, sni, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
segment = int(sys.argv[5]) if len(sys.argv) > 5 else 0
ctx = ssl.create_default_context(cafile=cafile)
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
sock = socket.create_connection((addr, port), timeout=10)
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def pump_until_done(step):
    while True:
        try:
            return step()
        except ssl.SSLWantReadError:
            out = outgoing.read()
            if out:
                sock.sendall(out)
            data = sock.recv(65536)
            if not data:
                raise EOFError("connection closed during the handshake")
            incoming.write(data)


try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outgoing.read()
if segment:
    pieces = [hello[i: i + segment] for i in range(0, len(hello), segment)]
else:
    cuts = [len(hello) // 5, len(hello) // 2]
    pieces = [hello[: cuts[0]], hello[cuts[0]: cuts[1]], hello[cuts[1]:]]
for piece in pieces:
    sock.sendall(piece)
    time.sleep(0.002 if segment else 0.05)
pump_until_done(tls.do_handshake)
tls.write(b"GET / HTTP/1.0\r\n\r\n")
sock.sendall(outgoing.read())
answer = pump_until_done(lambda: tls.read(64))
if not answer.startswith(b"HTTP/"):
    print("unexpected answer", answer[:32])
    sys.exit(1)
cert = tls.getpeercert()
names = [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]
print("hello segments=%d hello bytes=%d verified=%s" % (len(pieces), len(hello), names[0]))
