#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data plane's control socket against a hostile local client (root can reach it, so
# this is about robustness, not access): garbage instead of a header, a header announcing
# more than the cap, a header with no payload behind it (stalled), more clients than
# slots, a 16 MB push of noise, a push that would @include a file, malformed BIND
# requests, unknown request types, a client that closes mid-message. Each gets a refusal
# or is dropped; the data plane keeps its configuration, keeps answering, and holds no
# more memory afterwards.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-ctlabuse
topo_ns "${TOPO_TAG}c"
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256" ]; };
ports = ( { name = "edge"; device = "net_null0"; ipv4 = "10.97.0.1/24";
            exception = { enabled = false; }; } );
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
pools = ( { name = "p"; members = ( { address = "10.97.0.2"; port = 443; } ); } );
routes = ( { sni = "a.example"; pool = "p"; } );
CONF
dp_start "${TOPO_TAG}c" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 120 || exit 1
dp_real=$(pgrep -P "$DP_PID" -x meshrelay-dp | head -1)
rss() { awk '/VmRSS/ {print $2}' "/proc/$dp_real/status"; }
rss0=$(rss)

# abuse.py SOCKET CASE: prints what the server answered ("closed" when it just closed).
cat >"$TOPO_DIR/abuse.py" <<'PY'
import os, socket, struct, sys, time
path, case = sys.argv[1], sys.argv[2]
def hdr(typ, length, magic=b"MRC1", version=1):
    return magic + struct.pack(">HHII", version, typ, 0, length)
def talk(payload, wait=10.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(wait)
    try:
        try:
            s.sendall(payload)
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused before it all went: the answer may still be there
        data = b""
        while len(data) < 16 or len(data) < 16 + struct.unpack(">I", data[12:16])[0]:
            part = s.recv(65536)
            if not part:
                break
            data += part
    except (socket.timeout, ConnectionResetError):
        return "closed"
    return data[16:].decode(errors="replace") if len(data) > 16 else "closed"
if case == "garbage":
    print(talk(os.urandom(4096)))
elif case == "huge":
    print(talk(hdr(3, 1 << 30)))
elif case == "stall":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(hdr(3, 1000)[:10])
    s.settimeout(12)
    t = time.monotonic()
    try:
        got = s.recv(100)
    except socket.timeout:
        got = None
    print("dropped after %.1f s" % (time.monotonic() - t) if got is not None else "kept")
elif case == "crowd":
    held = []
    for _ in range(40):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        held.append(s)
    time.sleep(0.5)
    # with every slot taken by silent clients, the later ones are refused and closed
    closed = 0
    for s in held:
        s.settimeout(0.2)
        try:
            closed += s.recv(100) is not None
        except socket.timeout:
            pass
    print("refused %d of 40" % closed)
elif case == "noise_push":
    body = os.urandom(16 << 20)
    print(talk(hdr(3, len(body)) + body, 30))
elif case == "bind":
    for text in [b"", b"server=1:2", b"server=10.0.0.1:3478 source=10.97.0.1 tid=zz bind=00",
                 b"server=10.0.0.1:3478 source=10.97.0.1 tid=" + b"00" * 12 + b" bind=" + b"ab" * 600]:
        print(talk(hdr(7, len(text)) + text))
elif case == "unknown":
    print(talk(hdr(99, 3) + b"abc"))
elif case == "include":  # the file without its routes, which an @include would bring in
    conf, inc = sys.argv[3], sys.argv[4]
    lines = [l for l in open(conf).read().splitlines(True) if not l.startswith("routes")]
    body = ("".join(lines) + '@include "%s"\n' % inc).encode()
    print(talk(hdr(3, len(body)) + body))
elif case == "halfway":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(hdr(5, 100) + b"stat")
    s.close()
    print("sent")
PY
abuse() { timeout 60 /usr/bin/python3 "$TOPO_DIR/abuse.py" "$DP_SOCK" "$@" 2>&1; }
alive() { "$MR_CTL" -s "$DP_SOCK" status >/dev/null 2>&1; }

out=$(abuse garbage)
check "garbage instead of a header: refused ($out)" grep -Eq 'refused|closed' <<<"$out"
out=$(abuse huge)
check "a header announcing 1 GiB: refused ($out)" grep -Eq 'refused.*(large|cap)|closed' <<<"$out"
out=$(abuse stall)
check "a stalled message: the client is dropped ($out)" grep -q 'dropped after [5-9]' <<<"$out"
out=$(abuse crowd)
check "more clients than slots: the extra ones refused ($out)" grep -Eq 'refused ([1-9][0-9]*) of 40' <<<"$out"
check "and the socket serves again once they left" topo_wait_for 5 alive
out=$(abuse noise_push)
check "16 MB of noise pushed: refused with a reason ($(head -c 80 <<<"$out"))" grep -q '^refused' <<<"$out"
out=$(abuse bind | tr '\n' ' ')
check "malformed BIND requests: all refused ($out)" test "$(grep -o refused <<<"$out" | wc -l)" -eq 4
# A push may not @include: the data plane would read the file named, as its user, for
# whoever may push. The included file here holds nothing but a valid routes list.
grep '^routes' "$TOPO_DIR/dp.conf" >"$TOPO_DIR/routes.inc"
out=$(abuse include "$TOPO_DIR/dp.conf" "$TOPO_DIR/routes.inc")
inc_line=$(($(grep -vc '^routes' "$TOPO_DIR/dp.conf") + 1))
check "a push with @include: refused with its line ($out)" \
	grep -q "^refused: pushed:$inc_line: @include is not allowed" <<<"$out"
{ grep -v '^routes' "$TOPO_DIR/dp.conf"; echo "@include \"$TOPO_DIR/routes.inc\""; } >"$TOPO_DIR/inc.conf"
out=$("$MR_CTL" -s "$DP_SOCK" push "$TOPO_DIR/inc.conf" 2>&1)
check "meshrelayctl push of a file with @include: refused before sending ($out)" \
	grep -q "inc.conf:$inc_line: @include" <<<"$out"
out=$(abuse unknown)
check "an unknown request type: refused ($out)" grep -q 'unknown request' <<<"$out"
abuse halfway >/dev/null
check "a client gone mid-message: the data plane still answers" alive
gen=$("$MR_CTL" -s "$DP_SOCK" --json status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
check "the configuration in force is still the start-up one (generation $gen)" test "$gen" = 0
check "memory back near where it was ($(rss) kB, $rss0 kB before)" test "$(rss)" -le $((rss0 + 20480))
check "data plane still running" kill -0 "$DP_PID"
check_done "control socket abuse"
