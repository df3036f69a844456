# SPDX-License-Identifier: BSD-3-Clause
"""An echo service and its client.

  tcp_echo.py ADDR PORT                 echo connections one after another until killed:
                                        a client-first service (what a client sends comes
                                        back; its FIN is answered by ours)
  tcp_echo.py client ADDR PORT BYTES    send BYTES random bytes, half-close, read all back
                                        while sending (an echo fills both directions: a
                                        client that only reads once it has sent everything
                                        stalls when the buffers between fill up); prints
                                        "ok BYTES" when they came back identical, else
                                        "differ N"
"""
import os
import socket
import sys
import threading


def serve(addr, port, greeting=b""):
    """Echo connections one after another; each is first sent greeting, when there is one
    (a server that speaks first)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(30)
        try:
            conn.sendall(greeting)
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                conn.sendall(chunk)
        except OSError:
            pass
        conn.close()


def client(addr, port, n):
    data = os.urandom(n)
    s = socket.create_connection((addr, port), timeout=10)
    back = bytearray()

    def read():
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return
                back.extend(chunk)
        except OSError:
            return

    reader = threading.Thread(target=read)
    reader.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    reader.join()
    print("ok %d" % n if bytes(back) == data else "differ %d" % len(back))


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        serve(sys.argv[1], int(sys.argv[2]))
