# SPDX-License-Identifier: BSD-3-Clause
"""Echo TCP connections on ADDR PORT, one after another, until killed: a client-first
service (whatever a client sends comes back; its FIN is answered by ours)."""
import socket
import sys

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(8)
while True:
    conn, _ = srv.accept()
    conn.settimeout(30)
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
    except OSError:
        pass
    conn.close()
