# SPDX-License-Identifier: BSD-3-Clause
# The data plane between two memif ports, meshrelay-gen on their other ends (sourced after
# topo.sh and dp.sh). The generator's port 0 plays the clients (10.100/16 behind
# 10.200.0.2), its port 1 the backends. Route k: SNI sK.bench.example to backend
# 10.201.0.(2 + k mod B) port 20000 + k, one pool per route.

MR_GEN=${MR_GEN:-$MR_BUILD_DIR/test/gen/meshrelay-gen}

# Where the DPDK processes of a run take their memory: 4 KB pages (--no-huge, the
# default: tests run anywhere), or with GEN_HUGE=1 the hugepages a benchmark reserved
# (GEN_HUGE in gen_bench.sh), their files unlinked once mapped so that a process's pages
# go back when it ends. gen_mem_args MB prints the EAL arguments.
gen_mem_args() {
	if [ -n "${GEN_HUGE:-}" ]; then echo "--huge-dir $GEN_HUGE_DIR --huge-unlink -m $1"
	else echo "--no-huge -m $1"; fi
}

# The memif sockets' directory: $GEN_SOCK_DIR, else $TOPO_DIR. A fresh one per forwarder
# keeps a process still leaving from unlinking the next one's sockets.
gen_sock_dir() { echo "${GEN_SOCK_DIR:-$TOPO_DIR}"; }

# gen_topo_conf FILE ROUTES BACKENDS [MAX_FLOWS] [MEM_MB] [CLOSING_MS] [WORKERS]: a data
# plane configuration with memif ports (server side) in gen_sock_dir (and a checked pool
# of $GEN_CHECKED_MEMBERS members, see below). GEN_POOLED=1: every route's pool holds all
# the backends, ejecting one after 3 failed connections; GEN_CONNECT_MS: the relay's
# connect timeout (1000); GEN_DNS=1: DNS answered on the edge address; GEN_CONNLOG=FILE:
# the connection log into FILE; GEN_METRICS=PORT: metrics on 127.0.0.1:PORT;
# GEN_SOURCE_ADDRS=N: N source addresses (10.201.0.201 on) on the svc port, for more
# connections to one backend address and port than one address's source ports.
gen_topo_conf() {
	local file=$1 routes=$2 backends=$3 flows=${4:-65536} mem=${5:-768} closing=${6:-1000}
	local workers=${7:-1} k dir sep
	dir=$(gen_sock_dir)
	{
		echo "dataplane = { eal = [ \"-l\", \"0-$workers\", \"-n\", \"1\", \"--no-pci\","
		echo "                      $(gen_mem_args "$mem" | sed 's/\([^ ]*\)/"\1",/g')"
		echo "                      \"--log-level\", \"pmd.net.memif:error\" ]; };"
		echo "ports = ("
		echo "  { name = \"edge\"; device = \"net_memif0,role=server,socket=$dir/edge.sock,socket-abstract=no\";"
		# GEN_IPV6=1: the edge port has an IPv6 address too, so every flow table holds
		# IPv6 connections as well (what that costs an IPv4 flow: bench-mem.sh).
		echo "    ipv4 = \"10.200.0.1/24\"; gateway = \"10.200.0.2\"; queues = $workers;" \
			"${GEN_IPV6:+ipv6 = \"fd00:200::1/64\";} exception = { enabled = false; }; },"
		echo "  { name = \"svc\"; device = \"net_memif1,role=server,socket=$dir/svc.sock,socket-abstract=no\";"
		echo "    ipv4 = \"10.201.0.1/24\"; queues = $workers; exception = { enabled = false; };"
		if [ "${GEN_SOURCE_ADDRS:-0}" -gt 0 ]; then
			printf '    source_addresses = ['
			for ((k = 0; k < GEN_SOURCE_ADDRS; k++)); do
				printf '%s "10.201.0.%d"' "$([ $k -gt 0 ] && echo ,)" $((201 + k))
			done
			echo ' ];'
		fi
		echo "  }"
		echo ");"
		echo "listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );"
		echo "relay = { max_flows = $flows; closing_timeout_ms = $closing; idle_timeout_ms = 600000;"
		echo "          connect_timeout_ms = ${GEN_CONNECT_MS:-1000}; };"
		echo "pools = ("
		# Commas between entries, written before each one but the first: no subshell
		# per entry, which tens of thousands of routes would feel.
		sep=""
		for ((k = 0; k < routes; k++)); do
			if [ -n "${GEN_POOLED:-}" ]; then
				# Every backend address serves every route (meshrelay-gen --pooled).
				printf '%s  { name = "p%d"; health = { failures = 3; ejection_ms = 3000; };\n    members = (' "$sep" "$k"
				for ((b = 0; b < backends; b++)); do
					printf '%s { address = "10.201.0.%d"; port = %d; }' "$([ $b -gt 0 ] && echo ,)" $((2 + b)) $((20000 + k))
				done
				printf ' ); }'
			else
				printf '%s  { name = "p%d"; members = ( { address = "10.201.0.%d"; port = %d; } ); }' \
					"$sep" "$k" $((2 + k % backends)) $((20000 + k))
			fi
			sep=$',\n'
		done
		# $GEN_CHECKED_MEMBERS: a pool (no route to it) of that many members, each
		# checked by TCP every 2 s, for what checks cost the worker. They are on
		# addresses nobody answers (10.201.0.100-199): checks of the generator's own
		# backends would go out before it runs, and the neighbour cache would then keep
		# them unresolved for a while.
		if [ "${GEN_CHECKED_MEMBERS:-0}" -gt 0 ]; then
			printf ',\n  { name = "checked"; health = { check = "tcp"; interval_ms = 2000; timeout_ms = 1000; };\n    members = ('
			sep=""
			for ((k = 0; k < GEN_CHECKED_MEMBERS; k++)); do
				printf '%s { address = "10.201.0.%d"; port = %d; }' "$sep" $((100 + k % 100)) $((30000 + k / 100))
				sep=","
			done
			printf ' ); }'
		fi
		echo
		echo ");"
		# GEN_DNS=1: the workers answer DNS for bench.example on the edge address, with
		# no per-client limit worth the name (meshrelay-gen --dns-rate, --mode dns); the
		# ports have no exception path, so names outside the zone are refused.
		[ -n "${GEN_DNS:-}" ] &&
			echo "dns = { port = \"edge\"; zones = [ \"bench.example\" ]; rate = 1000000; outside = \"refuse\"; };"
		# GEN_CONNLOG=FILE: the connection log, into FILE.
		[ -n "${GEN_CONNLOG:-}" ] && echo "log = { connections = \"$GEN_CONNLOG\"; };"
		# GEN_METRICS=PORT: the Prometheus endpoint on 127.0.0.1:PORT.
		[ -n "${GEN_METRICS:-}" ] && echo "metrics = { listen = \"127.0.0.1:$GEN_METRICS\"; };"
		echo "routes = ("
		sep=""
		for ((k = 0; k < routes; k++)); do
			printf '%s  { sni = "s%d.bench.example"; pool = "p%d"; }' "$sep" "$k" "$k"
			sep=$',\n'
		done
		echo
		echo ");"
	} >"$file"
}

# gen_run NS PREFIX LCORE ARGS...: runs the generator on LCORE in NS against the memif
# sockets in gen_sock_dir with its own EAL file prefix ($GEN_MEM_MB MB, default 512); its
# report goes to stdout. A memif peer must not come or go while the data plane polls the
# port: DPDK 22.11's driver maps and unmaps the rings in its interrupt thread, under a
# running burst, and the worker faults. So the data plane's ports (of $DP_SOCK, the last
# dp_start) are resumed only once this generator is connected on both, and paused again
# once its report is out, before it is let go: they stay paused between runs. With
# DP_SOCK empty (another forwarder), the generator keeps its ports 1 s (unless ARGS say
# otherwise) instead.
gen_run() {
	local ns=$1 prefix=$2 lcore=$3 sock=${DP_SOCK:-} done pid rc
	shift 3
	topo_eal_prefix "$prefix"
	gen_command "$ns" "$prefix" "$lcore"
	if [ -z "$sock" ]; then # the report as it comes: the caller stops its forwarder on it
		"${GEN_CMD[@]}" --linger 1 "$@"
		rc=$?
		topo_eal_prefix_gone "$prefix"
		return $rc
	fi
	done=$TOPO_DIR/$prefix.done
	rm -f "$done"
	# The report as it comes here too: a caller in the background may read it while the
	# generator still holds its connections (bench-mem's held flows).
	"${GEN_CMD[@]}" --linger 60 --done-file "$done" "$@" &
	pid=$!
	until gen_dp_links_up "$sock" || [ -e "$done" ] || ! kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	gen_dp_links_up "$sock" && gen_dp_ports "$sock" resume
	while [ ! -e "$done" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	# A data plane that cannot pause (an older build): its last frames out first.
	gen_dp_ports "$sock" pause || sleep 1
	kill -INT "$pid" 2>/dev/null # timeout passes it on: the generator's linger ends
	wait "$pid"
	rc=$?
	topo_eal_prefix_gone "$prefix"
	# The data plane notices the peer gone a moment later, in its own thread: until both
	# links are down, the next run would take a link still up for its own.
	topo_wait_for 10 gen_dp_links_down "$sock" ||
		topo_log "the data plane still sees a generator after it left"
	return $rc
}

# gen_command NS PREFIX LCORE: GEN_CMD, the generator's command on the memif sockets up
# to its own arguments.
gen_command() {
	# shellcheck disable=SC2207
	GEN_CMD=(ip netns exec "$1" timeout -k 5 600 "$MR_GEN" -l "$3" -n 1 --no-pci
		$(gen_mem_args "${GEN_MEM_MB:-512}") --file-prefix "$2" --log-level=error
		--vdev "net_memif0,role=client,socket=$(gen_sock_dir)/edge.sock,socket-abstract=no"
		--vdev "net_memif1,role=client,socket=$(gen_sock_dir)/svc.sock,socket-abstract=no" --)
}

# gen_dp_links SOCK: how many of the two data ports of a gen_topo_conf data plane have
# their memif peer connected (0 also when the data plane does not answer);
# gen_dp_links_up / gen_dp_links_down SOCK: whether both, whether neither.
gen_dp_links() {
	local p n=0
	for p in edge svc; do
		"$MR_CTL" -s "$1" show port "$p" 2>/dev/null | grep -q '^link *up$' && n=$((n + 1))
	done
	echo "$n"
}
gen_dp_links_up() { [ "$(gen_dp_links "$1")" = 2 ]; }
gen_dp_links_down() { [ "$(gen_dp_links "$1")" = 0 ]; }

# gen_dp_ports SOCK pause|resume: both data ports of a gen_topo_conf data plane; fails
# (and says so) when the data plane does not do it. The test's own checks say why.
gen_dp_ports() {
	local p rc=0
	for p in edge svc; do
		"$MR_CTL" -s "$1" port "$p" "$2" >/dev/null || { topo_log "port $p $2 failed"; rc=1; }
	done
	return $rc
}

# gen_field LINE NAME: one key=value field of a report line.
gen_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
