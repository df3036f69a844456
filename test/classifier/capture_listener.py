# SPDX-License-Identifier: BSD-3-Clause
"""Accepts one TCP connection on 127.0.0.1 and records the client's first bytes until its
TLS ClientHello is complete (or 16 KiB / the time limit), then closes without answering."""
import os
import socket
import sys
import time

LIMIT = 16384


def hello_complete(data):
    """True once the handshake message carried by the leading records is whole."""
    payload = b""
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 22:
        length = int.from_bytes(data[pos + 3:pos + 5], "big")
        payload += data[pos + 5:pos + 5 + length]
        pos += 5 + length
        if len(payload) >= 4 and len(payload) >= 4 + int.from_bytes(payload[1:4], "big"):
            return True
    return pos < len(data) and data[pos] != 22


def main():
    out_path, port_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(seconds)
    tmp = port_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.getsockname()[1]))
    # Renamed into place so the waiting script never reads a half-written port.
    os.rename(tmp, port_path)
    conn, _ = server.accept()
    deadline = time.monotonic() + seconds
    data = b""
    while len(data) < LIMIT and not hello_complete(data):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        conn.settimeout(left)
        try:
            chunk = conn.recv(LIMIT - len(data))
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    conn.close()
    server.close()
    with open(out_path, "wb") as f:
        f.write(data)
    return 0 if data else 1


if __name__ == "__main__":
    sys.exit(main())
