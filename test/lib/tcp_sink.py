# SPDX-License-Identifier: BSD-3-Clause
"""Accept one TCP connection, read to EOF, answer with the sha256 of what was read."""
import hashlib
import socket
import sys

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
conn, _ = srv.accept()
digest = hashlib.sha256()
while True:
    chunk = conn.recv(65536)
    if not chunk:
        break
    digest.update(chunk)
conn.sendall(digest.hexdigest().encode())
conn.close()
