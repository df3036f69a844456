#!/usr/bin/env bash
# meshrelay demo: install, build, and run the appliance on a namespace topology.
#
#   client namespace  mr-demo-client   10.200.0.2  (mr-cli0)
#        | veth
#   appliance ns      mr-demo-appl     meshrelay-dp on af_packet (mr-dp0), 10.200.0.1,
#                                      kernel behind the exception tap (mr-edge)
#
# It shows the data plane answering ARP and ping itself, and a kernel service on the
# appliance's own address reached through the exception path, then prints the counters.
#   scripts/demo.sh          run the demo and tear it down
#   scripts/demo.sh --keep   leave it running until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true

scripts/install-deps.sh
scripts/build.sh

export TOPO_TAG=mr-demo
. test/lib/topo.sh
. test/lib/dp.sh
trap topo_cleanup EXIT
CLI=mr-demo-client
APPL=mr-demo-appl
PREFIX=meshrelay-local   # the file prefix in conf/local-test.conf
step() { printf '\n== %s\n' "$*"; }

for ns in "$CLI" "$APPL"; do
	ip netns del "$ns" 2>/dev/null || true # left over from an interrupted run
done
step "topology: $CLI <-> $APPL"
topo_ns "$CLI"
topo_ns "$APPL"
topo_veth "$CLI" mr-cli0 "$APPL" mr-dp0
topo_kernel_side "$CLI" mr-cli0
ip -n "$CLI" addr add 10.200.0.2/24 dev mr-cli0

step "data plane: meshrelay-dp -c conf/local-test.conf (in $APPL)"
topo_eal_prefix "$PREFIX"
ip netns exec "$APPL" "$MR_DP" -c conf/local-test.conf >"$TOPO_DIR/dp.log" 2>&1 &
DP_PID=$!
topo_track "$DP_PID"
topo_wait_for 20 grep -q 'meshrelay-dp ready' "$TOPO_DIR/dp.log" || { cat "$TOPO_DIR/dp.log"; exit 1; }
grep -E 'port|exception|ready' "$TOPO_DIR/dp.log" | sed 's/^/  /'

step "ARP from the client, answered by the data plane"
ip netns exec "$CLI" arping -c 2 -w 3 -I mr-cli0 10.200.0.1 | sed 's/^/  /'

step "ping from the client, answered by the data plane"
ip netns exec "$CLI" ping -c 5 -i 0.2 10.200.0.1 | sed 's/^/  /'

step "a kernel web server on the appliance address, through the exception path"
ip netns exec "$APPL" /usr/bin/python3 test/lib/http_hello.py 10.200.0.1 8080 \
	"served by the appliance's kernel, through meshrelay's exception path" &
topo_track $!
topo_wait_for 5 ip netns exec "$CLI" curl -s -o /dev/null http://10.200.0.1:8080/
echo "  curl http://10.200.0.1:8080/ -> $(ip netns exec "$CLI" curl -s http://10.200.0.1:8080/)"

step "meshrelayctl -p $PREFIX show neighbours"
"$MR_CTL" -p "$PREFIX" show neighbours | sed 's/^/  /'
step "meshrelayctl -p $PREFIX show counters"
"$MR_CTL" -p "$PREFIX" show counters | sed 's/^/  /'

if $keep; then
	step "running; try: ip netns exec $CLI ping 10.200.0.1   (Ctrl-C to stop)"
	wait "$DP_PID" || true
fi
step "demo done"
