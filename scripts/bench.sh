#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmarks (not tests): meshrelay side by side with HAProxy (tcp mode, req.ssl_sni, one
# thread) and nginx stream (ssl_preread, one worker) on this machine, same clients, same
# backends, in one run. Prints a table of figures and meshrelay's factor over each (above
# 1: meshrelay does better).
#
#   new TLS connections: wrk with "Connection: close" against nginx through each proxy;
#     connections/s, and proxy CPU per connection: the kernel proxies' user+sys time from
#     /proc, meshrelay's busy worker cycles (its core polls and never sleeps, so only the
#     polls that found work count)
#   one flow: 200 MB each way through each proxy, MB/s
# then, with the kernel proxies stopped, scripts/bench-gen.sh (the DPDK generator on
# memif: testpmd ceiling, spliced flows, connections/s on one worker, 1 M flows, SYN
# flood) and the connections per core-second of each side by side.
#
#   scripts/bench.sh [SECONDS] [OUT_DIR]   default 10 s per load run, build/bench
set -uo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
OUT=${2:-build/bench}
scripts/install-deps.sh >/dev/null
scripts/install-deps.sh --bench >/dev/null || exit 2
scripts/build.sh >/dev/null || exit 2

export TOPO_TAG=mrbench
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/relay_topo.sh
trap topo_cleanup EXIT
CERTS=$TOPO_DIR/certs
PREFIX=mrbench-dp
HAP_NS=${TOPO_TAG}-hap
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

rt_build
# HAProxy's path: the same client and server namespaces, a kernel-routed proxy between.
topo_ns "$HAP_NS"
topo_veth "$RT_CLI" hc0 "$HAP_NS" hp0
topo_veth "$HAP_NS" hp1 "$RT_SRV" hs0
ip -n "$RT_CLI" addr add 10.95.0.2/24 dev hc0
ip -n "$HAP_NS" addr add 10.95.0.1/24 dev hp0
ip -n "$HAP_NS" addr add 10.94.0.1/24 dev hp1
ip -n "$RT_SRV" addr add 10.94.0.2/24 dev hs0
bash test/lib/mkcerts.sh "$CERTS" web.svc.example blob.svc.example

cat >"$TOPO_DIR/dp.conf" <<CONF
dataplane = { eal = [ "-l", "0-1", "-n", "1", "--no-pci", "--no-huge", "-m", "768" ];
              mbufs = 32767; };
ports = (
$(rt_port edge d0 10.99.0.1/24),
$(rt_port svc d1 10.98.0.1/24)
);
listeners = ( { name = "tls"; port = "edge"; tcp_port = 443; } );
relay = { closing_timeout_ms = 1000; };
pools = ( { name = "web"; members = ( { address = "10.98.0.2"; port = 8444; } ); },
          { name = "blob"; members = ( { address = "10.98.0.2"; port = 9443; } ); } );
routes = ( { sni = "web.svc.example"; pool = "web"; }, { sni = "blob.svc.example"; pool = "blob"; } );
CONF
dp_start "$RT_DP" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 3600 || exit 1

# Backends: nginx (a small page) and the bulk TLS server, both proxies reach the same ones.
mkdir -p "$TOPO_DIR/www" "$TOPO_DIR/nginx-tmp"
head -c 1024 /dev/urandom >"$TOPO_DIR/www/small"
sed -e "s|@DIR@|$TOPO_DIR|g" -e 's|listen 10.98.0.2:8444 ssl;|listen 8444 ssl;|' -e '/8445/d' \
	test/lib/nginx.conf.in >"$TOPO_DIR/nginx.conf"
in_ns "$RT_SRV" taskset -c 0 nginx -p "$TOPO_DIR" -c "$TOPO_DIR/nginx.conf" >/dev/null 2>&1 &
topo_track $!
ip netns exec "$RT_SRV" /usr/bin/python3 test/lib/tls_blob.py server 0.0.0.0 9443 \
	"$CERTS/blob.svc.example.crt" "$CERTS/blob.svc.example.key" >/dev/null 2>&1 &
topo_track $!
for cfg in "10.95.0.1:443 10.94.0.2:8444 web" "10.95.0.1:444 10.94.0.2:9443 blob"; do
	set -- $cfg
	sed -e "s|@DIR@|$TOPO_DIR|g" -e "s|@CPU@|1|" -e "s|@LISTEN@|$1|" -e "s|@BACKEND@|$2|" \
		-e "s|web.svc.example|$3.svc.example|" test/lib/haproxy.cfg.in >"$TOPO_DIR/haproxy-$3.cfg"
done
ip netns exec "$HAP_NS" haproxy -db -f "$TOPO_DIR/haproxy-web.cfg" >/dev/null 2>&1 &
HAP_PID=$!
topo_track $HAP_PID
ip netns exec "$HAP_NS" haproxy -db -f "$TOPO_DIR/haproxy-blob.cfg" >/dev/null 2>&1 &
topo_track $!
sed -e "s|@DIR@|$TOPO_DIR|g" -e "s|@LISTEN@|10.95.0.1:445|" -e "s|@WEB@|10.94.0.2:8444|" \
	-e "s|@BLOB@|10.94.0.2:9443|" test/lib/nginx-stream.conf.in >"$TOPO_DIR/nginx-stream.conf"
ip netns exec "$HAP_NS" nginx -p "$TOPO_DIR" -c "$TOPO_DIR/nginx-stream.conf" >/dev/null 2>&1 &
topo_track $!
topo_wait_for 10 bash -c "ip netns exec '$RT_SRV' ss -Hltn 'sport = :8444' | grep -q LISTEN"
topo_wait_for 10 bash -c "ip netns exec '$HAP_NS' ss -Hltn 'sport = :443' | grep -q LISTEN"
topo_wait_for 10 bash -c "ip netns exec '$HAP_NS' ss -Hltn 'sport = :445' | grep -q LISTEN"
NGX_PID=$(pgrep -P "$(cat "$TOPO_DIR/nginx-stream.pid")" | head -1) # its one worker

# wrk takes the SNI from the URL: a private hosts file names the proxy under test.
wrk_run() { # wrk_run ADDR [PORT] -> connections/s
	echo "$1 web.svc.example" >"$TOPO_DIR/hosts"
	in_ns "$RT_CLI" unshare -m sh -c "mount --bind '$TOPO_DIR/hosts' /etc/hosts &&
		taskset -c 0 timeout $((SECS + 20)) wrk -t1 -c32 -d${SECS}s -H 'Connection: close' \
		https://web.svc.example:${2:-443}/small" >"$TOPO_DIR/wrk-$1-${2:-443}.txt" 2>&1
	awk '/Requests\/sec/ {print int($2)}' "$TOPO_DIR/wrk-$1-${2:-443}.txt"
}
proc_cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
lcore_busy_s() { dp_busy_cycles "$PREFIX" | awk '{printf "%.6f", $1 / $2}'; }

echo "== new TLS connections, wrk -c32 Connection: close, ${SECS}s each"
b0=$(lcore_busy_s)
c0=$(dp_stat "$PREFIX" counters flow_created)
mr_rate=$(wrk_run 10.99.0.1)
mr_conns=$(($(dp_stat "$PREFIX" counters flow_created) - c0))
mr_cpu=$(awk -v a="$b0" -v b="$(lcore_busy_s)" 'BEGIN {printf "%.6f", b - a}')
h0=$(proc_cpu_s "$HAP_PID")
hap_rate=$(wrk_run 10.95.0.1)
hap_cpu=$(awk -v a="$h0" -v b="$(proc_cpu_s "$HAP_PID")" 'BEGIN {printf "%.6f", b - a}')
hap_conns=$((hap_rate * SECS))
n0=$(proc_cpu_s "$NGX_PID")
ngx_rate=$(wrk_run 10.95.0.1 445)
ngx_cpu=$(awk -v a="$n0" -v b="$(proc_cpu_s "$NGX_PID")" 'BEGIN {printf "%.6f", b - a}')
ngx_conns=$((ngx_rate * SECS))

echo "== one flow, 200 MB each way"
mr_bulk=$(in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.99.0.1 443 \
	blob.svc.example "$CERTS/ca.crt" 200000000 200000000 | grep -o 'seconds=[0-9.]*' | cut -d= -f2)
hap_bulk=$(in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.95.0.1 444 \
	blob.svc.example "$CERTS/ca.crt" 200000000 200000000 | grep -o 'seconds=[0-9.]*' | cut -d= -f2)
ngx_bulk=$(in_ns "$RT_CLI" timeout 120 /usr/bin/python3 test/lib/tls_blob.py client 10.95.0.1 445 \
	blob.svc.example "$CERTS/ca.crt" 200000000 200000000 | grep -o 'seconds=[0-9.]*' | cut -d= -f2)

awk -v mr="$mr_rate" -v hap="$hap_rate" -v ngx="$ngx_rate" -v mrc="$mr_conns" \
	-v hapc="$hap_conns" -v ngxc="$ngx_conns" -v mrcpu="$mr_cpu" -v hapcpu="$hap_cpu" \
	-v ngxcpu="$ngx_cpu" -v mrb="$mr_bulk" -v hapb="$hap_bulk" -v ngxb="$ngx_bulk" '
function per(cpu, n) { return n ? cpu * 1e6 / n : 0 }
function ratio(a, b) { return b ? a / b : 0 }
function row(name, fmt, m, h, n, rh, rn) {
	printf "%-40s " fmt " " fmt " " fmt " %8.2f %8.2f\n", name, m, h, n, rh, rn
}
BEGIN {
	mu = per(mrcpu, mrc); hu = per(hapcpu, hapc); nu = per(ngxcpu, ngxc)
	printf "\n%-40s %12s %12s %12s %8s %8s\n", "figure", "meshrelay", "haproxy", "nginx", "vs hap", "vs ngx"
	row("TLS connections/s (wrk, client-bound)", "%12d", mr, hap, ngx, ratio(mr, hap), ratio(mr, ngx))
	row("proxy CPU us per connection", "%12.1f", mu, hu, nu, ratio(hu, mu), ratio(nu, mu))
	row("connections per proxy core-second", "%12.0f", mu ? 1e6 / mu : 0, hu ? 1e6 / hu : 0,
	    nu ? 1e6 / nu : 0, ratio(hu, mu), ratio(nu, mu))
	row("one flow, MB/s (400 MB moved)", "%12.1f", ratio(400, mrb), ratio(400, hapb),
	    ratio(400, ngxb), ratio(hapb, mrb), ratio(ngxb, mrb))
}'
echo
echo "meshrelay flows: $("$MR_CTL" -p "$PREFIX" show flows | tr '\n' ' ')"
# The kernel proxies' CPU per connection, for the comparison with the generator's figures.
hap_cps=$(awk -v c="$hap_cpu" -v n="$hap_conns" 'BEGIN { printf "%.0f", c ? n / c : 0 }')
ngx_cps=$(awk -v c="$ngx_cpu" -v n="$ngx_conns" 'BEGIN { printf "%.0f", c ? n / c : 0 }')
mr_wrk_cps=$(awk -v c="$mr_cpu" -v n="$mr_conns" 'BEGIN { printf "%.0f", c ? n / c : 0 }')
trap - EXIT
topo_cleanup # nothing of this run may poll or serve while the generator measures

echo
echo "== with the DPDK traffic generator on memif"
scripts/bench-gen.sh "$(((SECS + 1) / 2))" "$OUT" || exit 1
gen_cps=$(sed -n 's/^mr_conn_per_core_s=//p' "$OUT/results.txt")
{
	echo "kernel_hap_conn_per_core_s=$hap_cps"
	echo "kernel_ngx_conn_per_core_s=$ngx_cps"
	echo "kernel_mr_conn_per_core_s=$mr_wrk_cps"
} >>"$OUT/results.txt"
awk -v g="$gen_cps" -v w="$mr_wrk_cps" -v h="$hap_cps" -v n="$ngx_cps" 'BEGIN {
	printf "\n%-58s %14s %8s %8s\n", "new connections per core-second", "value", "vs hap", "vs ngx"
	printf "%-58s %14.0f %8.1f %8.1f\n", "meshrelay, generator on memif (one worker)", g, h ? g / h : 0, n ? g / n : 0
	printf "%-58s %14.0f %8.1f %8.1f\n", "meshrelay, wrk through af_packet (one worker)", w, h ? w / h : 0, n ? w / n : 0
	printf "%-58s %14.0f\n", "HAProxy, wrk (one thread)", h
	printf "%-58s %14.0f\n", "nginx stream, wrk (one worker)", n
}'
