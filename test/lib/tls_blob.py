# SPDX-License-Identifier: BSD-3-Clause
"""Bulk TLS transfer in both directions with hashes checked at both ends.

server: tls_blob.py server ADDR PORT CERT KEY [CONNECTIONS]   (ADDR IPv4 or IPv6)
    For each connection: read an 8-byte length L and an 8-byte length M, read L bytes
    (hashing them), send back their sha256 (32 bytes), then M bytes of a keyed stream
    and its sha256.
many: tls_blob.py many ADDR PORT SNI CAFILE UP_BYTES DOWN_BYTES CONNECTIONS
    The client's exchange on CONNECTIONS connections at once, all opened before any
    sends; prints "ok N connections" when every one checked out.
client: tls_blob.py client ADDR PORT SNI CAFILE UP_BYTES DOWN_BYTES [PAUSE]
    Verifies the certificate for SNI, waits PAUSE seconds (0) on the open connection,
    sends UP_BYTES, checks the server's hash of them, receives DOWN_BYTES and checks them
    against the server's hash. Prints "ok up=<sha> down=<sha> seconds=<t>" or exits 1.
"""
import hashlib
import os
import socket
import ssl
import sys
import threading
import time

CHUNK = 1 << 16


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        part = s.recv(min(CHUNK, n - len(buf)))
        if not part:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += part
    return bytes(buf)


def send_random(sock, n):
    """Send n bytes of a random block repeated; return their sha256."""
    h = hashlib.sha256()
    block = os.urandom(CHUNK)
    while n:
        piece = block[: min(CHUNK, n)]
        h.update(piece)
        sock.sendall(piece)
        n -= len(piece)
    return h.digest()


def recv_hashed(sock, n):
    """Receive exactly n bytes; return their sha256 (None when the peer closed early)."""
    h = hashlib.sha256()
    while n:
        part = sock.recv(min(CHUNK, n))
        if not part:
            return None
        h.update(part)
        n -= len(part)
    return h.digest()


def serve_one(conn):
    try:
        head = recv_exact(conn, 16)
        up, down = int.from_bytes(head[:8], "big"), int.from_bytes(head[8:], "big")
        digest = recv_hashed(conn, up)
        if digest is None:
            return
        conn.sendall(digest)
        conn.sendall(send_random(conn, down))
        conn.unwrap() if hasattr(conn, "unwrap") else None
    except (OSError, EOFError, ssl.SSLError):
        pass
    finally:
        conn.close()


def server(addr, port, cert, key, count=0):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(1024)
    served = 0
    while not count or served < count:
        raw, _ = lsock.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()
        served += 1


def client(addr, port, sni, cafile, up, down, barrier=None):
    ctx = ssl.create_default_context(cafile=cafile)
    start = time.monotonic()
    with socket.create_connection((addr, port), timeout=60) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as s:
            if barrier:
                barrier.wait()
            s.sendall(up.to_bytes(8, "big") + down.to_bytes(8, "big"))
            up_sha = send_random(s, up)
            if recv_exact(s, 32) != up_sha:
                print("upload hash differs")
                return 1
            down_sha = recv_hashed(s, down)
            if down_sha is None:
                print("download cut short")
                return 1
            if recv_exact(s, 32) != down_sha:
                print("download hash differs")
                return 1
    print("ok up=%s down=%s seconds=%.3f" % (up_sha.hex()[:16], down_sha.hex()[:16],
                                             time.monotonic() - start))
    return 0


class Pause:
    """A wait on the open connection before the exchange (what others do meanwhile)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def wait(self):
        time.sleep(self.seconds)


class Arrival:
    """One connection's place at the shared barrier, taken at most once."""

    def __init__(self, barrier):
        self.barrier = barrier
        self.taken = False

    def wait(self):
        if not self.taken:
            self.taken = True
            self.barrier.wait()


def many(addr, port, sni, cafile, up, down, n):
    barrier = threading.Barrier(n, timeout=120)
    results = []

    def one():
        arrival = Arrival(barrier)
        try:
            results.append(client(addr, port, sni, cafile, up, down, arrival))
        except (OSError, EOFError, ssl.SSLError, threading.BrokenBarrierError) as e:
            print("connection failed: %s: %s" % (type(e).__name__, e), flush=True)
            results.append(1)
            # A connection that failed before the barrier still takes its place there,
            # so one failure counts as one and does not hold the others back.
            try:
                arrival.wait()
            except threading.BrokenBarrierError:
                pass

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    good = results.count(0)
    print("%s %d of %d connections" % ("ok" if good == n else "FAILED", good, n))
    return 0 if good == n else 1


if __name__ == "__main__":
    if sys.argv[1] == "many":
        sys.exit(many(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5],
                      int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])))
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5],
               int(sys.argv[6]) if len(sys.argv) > 6 else 0)
    else:
        sys.exit(client(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5],
                        int(sys.argv[6]), int(sys.argv[7]),
                        Pause(float(sys.argv[8])) if len(sys.argv) > 8 else None))
