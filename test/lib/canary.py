# SPDX-License-Identifier: BSD-3-Clause
"""Count connections accepted on ADDR PORT (IPv4 or IPv6) into FILE (one line each), for
SECONDS."""
import socket
import sys
import time

srv = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(64)
srv.settimeout(0.2)
deadline = time.monotonic() + float(sys.argv[4])
while time.monotonic() < deadline:
    try:
        conn, peer = srv.accept()
    except socket.timeout:
        continue
    with open(sys.argv[3], "a") as f:
        f.write("%s:%d\n" % peer[:2])
    conn.close()
