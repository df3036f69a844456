# SPDX-License-Identifier: BSD-3-Clause
"""A service whose server speaks first (as SMTP, FTP or a database does), and its client.

  banner.py ADDR PORT             serve connections one after another until killed: send
                                  "220 banner.svc.example ready", then echo (tcp_echo.py)
  banner.py client ADDR PORT S    connect, wait up to S seconds for the banner without
                                  sending anything, then send a line and read it back;
                                  prints "banner MS ok" (MS: from connect to banner) or
                                  what went wrong
"""
import socket
import sys
import time

import tcp_echo

BANNER = b"220 banner.svc.example ready\r\n"


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
    tcp_echo.serve(sys.argv[1], int(sys.argv[2]), BANNER)
