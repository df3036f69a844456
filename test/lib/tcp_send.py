# SPDX-License-Identifier: BSD-3-Clause
"""Send a file over TCP, half-close, print what the peer answers (its sha256)."""
import socket
import sys

with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20) as s:
    with open(sys.argv[3], "rb") as f:
        s.sendall(f.read())
    s.shutdown(socket.SHUT_WR)
    answer = b""
    while True:
        chunk = s.recv(256)
        if not chunk:
            break
        answer += chunk
print(answer.decode())
