# SPDX-License-Identifier: BSD-3-Clause
"""A service whose server speaks first (as SMTP, FTP or a database does), and its client.

  banner.py ADDR PORT             serve connections one after another until killed: send
                                  "220 banner.svc.example ready", then echo one line back
  banner.py client ADDR PORT S    connect, wait up to S seconds for the banner without
                                  sending anything, then send a line and read it back;
                                  prints "banner MS ok" (MS: from connect to banner) or
                                  what went wrong
"""
import socket
import sys
import time

BANNER = b"220 banner.svc.example ready\r\n"


def serve(addr, port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        conn.settimeout(10)
        try:
            conn.sendall(BANNER)
            line = conn.makefile("rb").readline()
            conn.sendall(line)
        except OSError:
            pass
        conn.close()


def client(addr, port, wait):
    s = socket.create_connection((addr, port), timeout=5)
    start = time.monotonic()
    s.settimeout(wait)
    try:
        got = s.recv(len(BANNER))
    except socket.timeout:
        print("no banner in %.1f s" % wait)
        return 1
    ms = int((time.monotonic() - start) * 1000)
    if got != BANNER:
        print("banner differs: %r" % got)
        return 1
    s.sendall(b"HELO client\r\n")
    back = s.makefile("rb").readline()
    print("banner %d %s" % (ms, "ok" if back == b"HELO client\r\n" else "echo differs"))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "client":
        sys.exit(client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    serve(sys.argv[1], int(sys.argv[2]))
