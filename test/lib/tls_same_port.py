# SPDX-License-Identifier: BSD-3-Clause
"""TLS client that connects COUNT times in a row from one local address and port, as a
client behind a NAT or with a fixed source port does: each time the certificate is
verified, a request sent and the answer read to the server's close, which the client
then follows (so the client keeps no TIME-WAIT of its own and may reuse the port).

usage: tls_same_port.py ADDR PORT SNI CAFILE LOCAL_ADDR LOCAL_PORT COUNT
Prints "ok COUNT connections, LOCAL_PORT" and the seconds each connect took, or exits 1.
"""
import errno
import socket
import ssl
import sys
import time

addr, port, sni, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
local_addr, local_port, count = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
ctx = ssl.create_default_context(cafile=cafile)


def connected_socket():
    """A socket on the local port, connected. Until the last connection's own FIN is
    acknowledged (LAST-ACK) the kernel refuses the same 4-tuple: try again for up to 5 s.
    By then the relay has seen that ACK too, so its flow is closing."""
    give_up = time.monotonic() + 5
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.settimeout(20)
        try:
            sock.bind((local_addr, local_port))
            sock.connect((addr, port))
            return sock
        except OSError as e:
            sock.close()
            if e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL) or \
                    time.monotonic() > give_up:
                raise
            time.sleep(0.01)


took = []
for i in range(count):
    try:
        t0 = time.monotonic()
        sock = connected_socket()
        took.append(time.monotonic() - t0)
        tls = ctx.wrap_socket(sock, server_hostname=sni)
        tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
        with tls.makefile("rb") as answer_file:
            answer = answer_file.read()  # to the server's close
        tls.close()
    except (OSError, ssl.SSLError) as e:
        print("connection %d failed: %s" % (i + 1, e))
        sys.exit(1)
    if not answer.startswith(b"HTTP/"):
        print("connection %d: no HTTP answer" % (i + 1))
        sys.exit(1)
print("ok %d connections, port %d, connect seconds %s" %
      (count, local_port, " ".join("%.3f" % t for t in took)))
