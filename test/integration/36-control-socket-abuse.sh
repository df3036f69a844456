#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The data plane's control socket against a hostile local client (root can reach it, so
# this is about robustness, not access): garbage instead of a header, a header announcing
# more than the cap, a header with no payload behind it (stalled), more clients than
# slots, a 16 MB push of noise, a push that would @include a file, malformed BIND
# requests, unknown request types, a client that closes mid-message. Each gets a refusal
# or is dropped; the data plane keeps its configuration, keeps answering, and holds no
# more memory afterwards. Silent clients cannot keep others out: with every slot held by
# one, a new client gets in, and a silent client is closed after 30 s. A member of the
# control group by a supplementary group is let in.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-ctlabuse
topo_ns "${TOPO_TAG}c"
# A throw-away control group, removed on the way out.
CTL_GROUP=mrctl$$
groupadd "$CTL_GROUP" || exit 1
trap 'groupdel "$CTL_GROUP" 2>/dev/null; topo_cleanup' EXIT
cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "256" ];
              control_group = "$CTL_GROUP"; };
ports = ( { name = "edge"; device = "net_null0"; ipv4 = "10.97.0.1/24";
            exception = { enabled = false; }; } );
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
pools = ( { name = "p"; members = ( { address = "10.97.0.2"; port = 443; } ); } );
routes = ( { sni = "a.example"; pool = "p"; } );
CONF
# A group this host lacks is refused by --check and at start, before any port opens.
sed "s/$CTL_GROUP/nosuch$$/" "$TOPO_DIR/dp.conf" >"$TOPO_DIR/nogroup.conf"
out=$("$MR_DP" -c "$TOPO_DIR/nogroup.conf" --check 2>&1)
rc=$?
check "--check refuses a control group the host lacks (exit $rc)" test "$rc" -eq 1
check "... naming it ($out)" grep -q "control_group 'nosuch$$': no such group" <<<"$out"
check "--check takes the group that exists" "$MR_DP" -c "$TOPO_DIR/dp.conf" --check
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
def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
def talk(payload, wait=10.0):
    s = connect()
    s.settimeout(wait)
    try:
        try:
            s.sendall(payload)
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused before it all went: the answer may still be there
        return answer_of(s)
    except (socket.timeout, ConnectionResetError):
        return "closed"
def answer_of(s):  # the payload of the one message s answers, "closed" when none came
    data = b""
    while len(data) < 16 or len(data) < 16 + struct.unpack(">I", data[12:16])[0]:
        part = s.recv(65536)
        if not part:
            break
        data += part
    return data[16:].decode(errors="replace") if len(data) > 16 else "closed"
def silent(n):  # n clients that connect and send nothing
    return [connect() for _ in range(n)]
def closed_count(held):  # how many of them the server answered or closed by now
    n = 0
    for s in held:
        s.settimeout(0.2)
        try:
            n += s.recv(100) is not None
        except socket.timeout:
            pass
    return n
def closed_after(s, wait):  # seconds until the server answers or closes s; None: kept
    s.settimeout(wait)
    t = time.monotonic()
    try:
        s.recv(100)
    except socket.timeout:
        return None
    return time.monotonic() - t
if case == "garbage":
    print(talk(os.urandom(4096)))
elif case == "huge":
    print(talk(hdr(3, 1 << 30)))
elif case == "stall":
    s = connect()
    s.sendall(hdr(3, 1000)[:10])
    t = closed_after(s, 12)
    print("dropped after %.1f s" % t if t is not None else "kept")
elif case == "crowd":
    held = silent(40)
    time.sleep(0.5)
    # with every slot taken by silent clients, the later ones are refused and closed
    print("refused %d of 40" % closed_count(held))
elif case == "idle_full":
    # every slot held by a silent client for a while: a new one still gets an answer,
    # and one silent client (the one idle longest) makes room for it
    held = silent(16)
    time.sleep(2.5)
    answer = talk(hdr(1, 0))
    print("%s; %d of 16 silent clients closed" %
          ("answered" if "generation" in answer else answer, closed_count(held)))
elif case == "idle":
    t = closed_after(connect(), 45)
    print("closed after %.1f s" % t if t is not None else "kept")
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
elif case == "push_while_blocked":
    # A push begun, then three clients that ask for a large report and never read it
    # hold the control thread 2 s each: the push's rest came meanwhile, and it applies.
    # (The readers connect first: the thread takes one new client a round, and serves
    # clients in the order of their slots.)
    body = open(sys.argv[3], "rb").read()
    readers = [connect() for _ in range(3)]
    time.sleep(0.5)
    pusher = connect()
    time.sleep(0.3)
    pusher.sendall(hdr(3, len(body)) + body[:len(body) // 2])
    time.sleep(0.3)
    for r in readers:
        r.sendall(hdr(5, 6) + b"routes")
    time.sleep(1.0)
    pusher.sendall(body[len(body) // 2:])
    pusher.settimeout(20)
    began = time.monotonic()
    try:
        answer = answer_of(pusher)
    except (socket.timeout, ConnectionResetError):
        answer = "closed"
    print("%s after %.1f s" % (answer, time.monotonic() - began))
elif case == "halfway":
    s = connect()
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
out=$(abuse idle_full)
check "every slot held by a silent client: a new one still gets in ($out)" \
	grep -q '^answered; 1 of 16 silent clients closed' <<<"$out"
# A silent client is closed after 30 s: it runs while the rest goes on.
abuse idle >"$TOPO_DIR/idle.out" &
IDLE_PID=$!
topo_track "$IDLE_PID"
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

# The control group counts as a supplementary group too: nobody, with the group only as
# a supplementary one, is let in; without it, the socket's mode keeps it out.
chmod 0711 "$TOPO_DIR"
install -m 0755 "$MR_CTL" "$TOPO_DIR/meshrelayctl"
as_nobody() { setpriv --reuid=nobody --regid=nogroup "$@" "$TOPO_DIR/meshrelayctl" -s "$DP_SOCK" status; }
check "the socket is born 0660 in the control group ($(stat -c '%a %G' "$DP_SOCK"))" \
	test "$(stat -c '%a %G' "$DP_SOCK")" = "660 $CTL_GROUP"
out=$(as_nobody --groups="$(getent group "$CTL_GROUP" | cut -d: -f3)" 2>&1)
check "a member of the control group by a supplementary group only: allowed ($(head -1 <<<"$out"))" \
	grep -Eq '^generation +0$' <<<"$out"
out=$(as_nobody --clear-groups 2>&1)
check "outside the group: kept out ($out)" grep -q 'Permission denied' <<<"$out"

wait "$IDLE_PID"
out=$(cat "$TOPO_DIR/idle.out")
check "a silent client is closed after 30 s ($out)" grep -Eq 'closed after 3[0-3]\.' <<<"$out"
gen=$("$MR_CTL" -s "$DP_SOCK" --json status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
check "the configuration in force is still the start-up one (generation $gen)" test "$gen" = 0
check "memory back near where it was ($(rss) kB, $rss0 kB before)" test "$(rss)" -le $((rss0 + 20480))

# Time the control thread spends on one client does not count against the others: with a
# routes report far larger than a socket holds (20,000 routes), three clients that ask for
# it and never read hold the thread 2 s each, and a push begun before them still applies.
# Before, it was closed as stalled (5 s) though its bytes had all come in the first.
{ grep -v '^routes' "$TOPO_DIR/dp.conf"
  printf 'routes = ( { sni = "a.example"; pool = "p"; }'
  for i in $(seq 1 20000); do printf ',\n  { sni = "r%d.long-enough-name.example"; pool = "p"; }' "$i"; done
  echo ' );'; } >"$TOPO_DIR/many.conf"
out=$("$MR_CTL" -s "$DP_SOCK" push "$TOPO_DIR/many.conf" 2>&1)
check "20,000 routes pushed ($out)" grep -q 'applied' <<<"$out"
out=$(abuse push_while_blocked "$TOPO_DIR/dp.conf")
check "a push begun before three clients that never read: applied ($out)" \
	grep -q '^applied' <<<"$out"
check "data plane still running" kill -0 "$DP_PID"
check_done "control socket abuse"
