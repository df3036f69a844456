#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Soak (bounded; not part of the test suite): the relay topology of the tests with the data
# plane and meshrelay-cp, mixed traffic for a fixed time (bulk TLS both ways with hashes
# checked, curl downloads checked against their sha256, short s_client handshakes, bursts
# of concurrent connections), and a route change pushed every second. Every 10 s it
# records the data plane's memory (RSS), mbufs in use and flows. At the end: bytes
# verified, errors, and whether memory, mbufs and flows came back.
#   scripts/soak.sh [--seconds N] (default 600)       run as root after scripts/build.sh
set -u
cd "$(dirname "$0")/.."
seconds=600
[ "${1:-}" = "--seconds" ] && seconds=$2
. test/lib/harness.sh

PREFIX=${TOPO_TAG}-soak
CERTS=$TOPO_DIR/certs
MR_CP=${MR_CP:-$MR_BUILD_DIR/controlplane/meshrelay-cp}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
status_of() { dp_status "$PREFIX" "$1"; }
conf() { # conf EXTRA_ROUTE
	cat <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "512",
                      "--log-level", "pmd.net.tap:error" ];
              control_socket = "$TOPO_DIR/$PREFIX.sock"; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { closing_timeout_ms = 1000; idle_timeout_ms = 60000; };
pools = ( { name = "api"; members = ( { address = "10.98.0.2"; port = 8443; } ); },
          { name = "web"; members = ( { address = "10.98.0.2"; port = 8444; } ); },
          { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); } );
routes = ( { sni = "api.svc.example"; pool = "api"; },
           { sni = "web.svc.example"; pool = "web"; },
           { sni = "blob.svc.example"; pool = "blob"; }$1 );
CONF
}

rt_build
bash test/lib/mkcerts.sh "$CERTS" api.svc.example web.svc.example blob.svc.example
conf "" >"$TOPO_DIR/a.conf"
conf ", { sni = \"extra.svc.example\"; pool = \"api\"; }" >"$TOPO_DIR/b.conf"
cp "$TOPO_DIR/a.conf" "$TOPO_DIR/live.conf"
dp_start "$RT_DP" "$TOPO_DIR/a.conf" "$PREFIX" "$TOPO_DIR/dp.log" $((seconds + 300)) || exit 1
dp_pid=$(pgrep -P "$DP_PID" -x meshrelay-dp | head -1)
srv() { in_ns "$RT_SRV" timeout $((seconds + 300)) "$@" >>"$TOPO_DIR/servers.log" 2>&1 & topo_track $!; }
srv openssl s_server -accept 10.98.0.2:8443 -cert "$CERTS/api.svc.example.crt" \
	-key "$CERTS/api.svc.example.key" -www -quiet
mkdir -p "$TOPO_DIR/www" "$TOPO_DIR/nginx-tmp"
head -c 20000000 /dev/urandom >"$TOPO_DIR/www/file20m"
file_sha=$(sha256sum <"$TOPO_DIR/www/file20m" | cut -d' ' -f1)
sed "s|@DIR@|$TOPO_DIR|g" test/lib/nginx.conf.in >"$TOPO_DIR/nginx.conf"
srv nginx -p "$TOPO_DIR" -c "$TOPO_DIR/nginx.conf"
srv /usr/bin/python3 test/lib/tls_blob.py server 10.98.0.2 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key"
for port in 8443 8444 9443; do
	topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :$port' | grep -q LISTEN"
done
timeout -s TERM $((seconds + 300)) "$MR_CP" -c "$TOPO_DIR/live.conf" -s "$DP_SOCK" \
	--pidfile "$TOPO_DIR/cp.pid" >"$TOPO_DIR/cp.log" 2>&1 &
topo_track $!
topo_wait_for 10 test -s "$TOPO_DIR/cp.pid"
sleep 1
base_mbufs=$(status_of mbufs_in_use)
base_rss=$(awk '/VmRSS/ {print $2}' "/proc/$dp_pid/status")
end=$((SECONDS + seconds))
R=$TOPO_DIR/results
mkdir -p "$R"

# Each worker loop appends "ok BYTES" or "err WHAT" lines to its own file.
bulk() { local i=0 n
	while [ $SECONDS -lt $end ]; do
		n=$(( (RANDOM % 20 + 1) * 1000000 ))
		if in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
			blob.svc.example "$CERTS/ca.crt" "$n" "$n" >/dev/null 2>&1; then
			echo "ok $((2 * n))"
		else echo "err bulk $i"; fi
		i=$((i + 1))
	done >"$R/bulk.$1"; }
download() { local got
	while [ $SECONDS -lt $end ]; do
		got=$(in_ns "$RT_CLI" timeout 60 curl -sS --cacert "$CERTS/ca.crt" \
			--resolve web.svc.example:443:10.99.0.1 https://web.svc.example/file20m | sha256sum | cut -d' ' -f1)
		[ "$got" = "$file_sha" ] && echo "ok 20000000" || echo "err download"
	done >"$R/download"; }
handshakes() {
	while [ $SECONDS -lt $end ]; do
		echo | in_ns "$RT_CLI" timeout 10 openssl s_client -connect 10.99.0.1:443 \
			-servername api.svc.example -CAfile "$CERTS/ca.crt" -verify_return_error 2>&1 |
			grep -q 'Verification: OK' && echo "ok 0" || echo "err handshake"
		sleep 0.2
	done >"$R/handshakes"; }
bursts() {
	while [ $SECONDS -lt $end ]; do
		in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py many 10.99.0.1 443 \
			blob.svc.example "$CERTS/ca.crt" 20000 20000 100 >/dev/null 2>&1 &&
			echo "ok 4000000" || echo "err burst"
		sleep 2
	done >"$R/bursts"; }
pushes() { local i=0
	while [ $SECONDS -lt $end ]; do
		cp "$TOPO_DIR/$([ $((i % 2)) -eq 0 ] && echo b || echo a).conf" "$TOPO_DIR/live.conf"
		"$MR_CTL" -c "$TOPO_DIR/live.conf" --pidfile "$TOPO_DIR/cp.pid" reload >/dev/null 2>&1 &&
			echo "ok 0" || echo "err push $i"
		i=$((i + 1))
		sleep 1
	done >"$R/pushes"; }
traffic=()
for job in "bulk 1" "bulk 2" download handshakes bursts pushes; do
	$job &
	traffic+=("$!")
	topo_track $!
done

printf '%8s %10s %12s %8s\n' seconds rss_kB mbufs_in_use flows
while [ $SECONDS -lt $end ]; do
	printf '%8d %10s %12s %8s\n' $((seconds - (end - SECONDS))) \
		"$(awk '/VmRSS/ {print $2}' "/proc/$dp_pid/status")" "$(status_of mbufs_in_use)" \
		"$(status_of flows)"
	sleep 10
done
wait_jobs_deadline=$((SECONDS + 150)) # the last operations finish (each is bounded)
running() { local p; for p in "${traffic[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running && [ $SECONDS -lt $wait_jobs_deadline ]; do sleep 1; done
echo "soak: traffic done $((SECONDS - end)) s after the deadline"
sleep 3 # closing flows age out

ok=$(cat "$R"/* | awk '$1 == "ok" {n++; b += $2} END {printf "%d %d\n", n, b / 1000000}')
errors=$(cat "$R"/* | grep -c '^err')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$dp_pid/status")
echo "soak: ${seconds}s, $(cut -d' ' -f1 <<<"$ok") operations ok, $(cut -d' ' -f2 <<<"$ok") MB verified, $errors errors"
echo "soak: route pushes $(grep -c '^ok' "$R/pushes"), rss ${base_rss} -> ${rss} kB," \
	"mbufs in use ${base_mbufs} -> $(status_of mbufs_in_use), flows $(status_of flows)"
grep -h '^err' "$R"/* | sort | uniq -c | head
[ "$errors" -eq 0 ] && [ "$(status_of flows)" = 0 ] && [ "$(status_of mbufs_in_use)" -le "$base_mbufs" ]
