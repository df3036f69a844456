# SPDX-License-Identifier: BSD-3-Clause
# A kernel proxy (HAProxy or nginx stream) fed by meshrelay-gen through two net_tap
# interfaces, as such a proxy's users run it: the kernel's TCP stack on both sides.
# Sourced after gen_bench.sh ($TOPO_DIR, $MR_GEN, next_run, gen_field). The addresses
# are gen_topo.sh's: clients 10.100/16 behind the generator's 10.200.0.2, the proxy on
# 10.200.0.1 and 10.201.0.1, route k (SNI sK.bench.example) to the generator's backend
# 10.201.0.(2 + k mod B) port 20000 + k.
#
# Every run gets a fresh namespace: a kernel keeps the sockets of the last run's
# connections (LAST-ACK, TIME-WAIT) and would refuse the generator's next clients, which
# reuse their addresses and ports.

# proxy_conf KIND ROUTES BACKENDS FILE: the proxy's configuration, one thread on CPU 1.
proxy_conf() {
	local kind=$1 routes=$2 backends=$3 file=$4 k
	if [ "$kind" = haproxy ]; then
		{
			printf 'global\n    nbthread 1\n    cpu-map 1/1 1\n    maxconn 8000\n'
			printf '    pidfile %s/proxy.pid\n' "$TOPO_DIR"
			printf 'defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 30s\n'
			printf '    timeout server 30s\nfrontend tls\n    bind :443\n'
			printf '    tcp-request inspect-delay 5s\n'
			printf '    tcp-request content accept if { req.ssl_hello_type 1 }\n'
			for ((k = 0; k < routes; k++)); do
				printf '    use_backend b%d if { req.ssl_sni -i s%d.bench.example }\n' "$k" "$k"
			done
			for ((k = 0; k < routes; k++)); do
				printf 'backend b%d\n    server s 10.201.0.%d:%d\n' "$k" $((2 + k % backends)) $((20000 + k))
			done
		} >"$file"
	else
		{
			printf 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n'
			printf 'user root;\ndaemon on;\nworker_processes 1;\nworker_cpu_affinity 10;\n'
			printf 'worker_rlimit_nofile 20000;\npid %s/proxy.pid;\n' "$TOPO_DIR"
			printf 'error_log %s/proxy-error.log warn;\nevents { worker_connections 8000; }\n' "$TOPO_DIR"
			printf 'stream {\n    map $ssl_preread_server_name $backend {\n'
			for ((k = 0; k < routes; k++)); do
				printf '        s%d.bench.example 10.201.0.%d:%d;\n' "$k" $((2 + k % backends)) $((20000 + k))
			done
			printf '    }\n    server {\n        listen 443 backlog=4096;\n'
			printf '        ssl_preread on;\n        proxy_pass $backend;\n    }\n}\n'
		} >"$file"
	fi
}

# proxy_ns_up NS: the namespace with the two tap interfaces (persistent, so their
# addresses and routes are in place before the generator opens them), checksums filled
# in by the kernel (no partial checksums towards the generator).
proxy_ns_up() {
	local ns=$1 t
	topo_ns "$ns"
	for t in gtap0 gtap1; do
		ip -n "$ns" tuntap add dev "$t" mode tap multi_queue
		ip netns exec "$ns" ethtool -K "$t" tx off >/dev/null 2>&1
		ip -n "$ns" link set "$t" up
	done
	ip -n "$ns" addr add 10.200.0.1/24 dev gtap0
	ip -n "$ns" addr add 10.201.0.1/24 dev gtap1
	ip -n "$ns" route add 10.100.0.0/16 via 10.200.0.2
}

# proxy_start KIND NS ROUTES BACKENDS: the proxy in NS; sets PROXY_PID (the process doing
# the work: HAProxy's one process, nginx's one worker).
proxy_start() {
	local kind=$1 ns=$2 conf=$TOPO_DIR/$1.conf
	proxy_conf "$kind" "$3" "$4" "$conf"
	rm -f "$TOPO_DIR/proxy.pid"
	if [ "$kind" = haproxy ]; then
		ip netns exec "$ns" haproxy -D -f "$conf" >"$TOPO_DIR/proxy.log" 2>&1
	else
		mkdir -p "$TOPO_DIR/nginx-tmp/logs"
		ip netns exec "$ns" nginx -p "$TOPO_DIR/nginx-tmp" -c "$conf" >"$TOPO_DIR/proxy.log" 2>&1
	fi
	topo_wait_for 10 test -s "$TOPO_DIR/proxy.pid" || { cat "$TOPO_DIR/proxy.log" >&2; return 1; }
	PROXY_MAIN=$(cat "$TOPO_DIR/proxy.pid")
	PROXY_PID=$PROXY_MAIN
	[ "$kind" = haproxy ] || PROXY_PID=$(pgrep -P "$PROXY_MAIN" | head -1)
	topo_wait_for 10 bash -c "ip netns exec '$ns' ss -Hltn 'sport = :443' | grep -q ."
}

# proxy_stop: the proxy ended, by its PID (the caller removes its namespace).
proxy_stop() {
	kill "$PROXY_MAIN" 2>/dev/null
	topo_wait_for 10 bash -c "! kill -0 $PROXY_MAIN 2>/dev/null"
}

# cpu_ticks PID: user + system clock ticks of the process so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# softirq_ticks: the machine's softirq clock ticks so far (all CPUs).
softirq_ticks() { awk '/^cpu / { print $8 }' /proc/stat; }

# proxy_gen NS ARGS...: the generator on lcore 0 with its ports on NS's tap interfaces;
# prints its report's first line with, appended, the proxy's CPU ticks over the run
# (proxy_ticks=), the machine's softirq ticks (softirq_ticks=) and the generator's own
# system ticks (gen_sys_ticks=: its reads and writes of the taps, in which the kernel
# does part of its receive work too).
proxy_gen() {
	local ns=$1 prefix p0 s0 out gpid gen_sys=0
	shift
	next_run
	prefix=${TOPO_TAG}-t$RUN
	topo_eal_prefix "$prefix"
	p0=$(cpu_ticks "$PROXY_PID")
	s0=$(softirq_ticks)
	# shellcheck disable=SC2046
	ip netns exec "$ns" timeout -k 5 600 "$MR_GEN" -l 0 -n 1 --no-pci \
		$(gen_mem_args "${GEN_MEM_MB:-512}") --file-prefix "$prefix" --log-level=error \
		--vdev net_tap0,iface=gtap0 --vdev net_tap1,iface=gtap1 -- --linger 0 "$@" \
		>"$TOPO_DIR/tap-gen.out" 2>"$TOPO_DIR/tap-gen.err" &
	gpid=$!
	topo_track "$gpid"
	# The generator's own system time, read while it runs (it is gone after).
	while kill -0 "$gpid" 2>/dev/null; do
		local real
		real=$(pgrep -f -- "--file-prefix $prefix" | tail -1)
		[ -n "$real" ] && gen_sys=$(awk '{ print $15 }' "/proc/$real/stat" 2>/dev/null || echo "$gen_sys")
		sleep 0.2
	done
	wait "$gpid"
	topo_eal_prefix_gone "$prefix" # run in $(...): the cleanup never hears of it
	out=$(grep -E '^[a-z]+ .*seconds=' "$TOPO_DIR/tap-gen.out" | head -1)
	echo "$out proxy_ticks=$(($(cpu_ticks "$PROXY_PID") - p0)) softirq_ticks=$(($(softirq_ticks) - s0)) gen_sys_ticks=$gen_sys"
}
