# SPDX-License-Identifier: BSD-3-Clause
# The benchmarks' runs with the generator (sourced from the project root, $TOPO_TAG set):
# the topology helpers, a namespace $NS cleaned up on exit, a fresh data plane per run
# ($MR_DP, so that an old and a new build can take turns), the generator, and the figures
# read off the data plane's telemetry.
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/gen_topo.sh
# 2 MB hugepages for every DPDK process of the run, as deployments run: reserved here where
# the machine has too few free (GEN_HUGE_GB in all, default 4) and given back at exit, the
# machine's own reservation restored; where they cannot be had, or with GEN_HUGE=0, 4 KB
# pages (--no-huge), which the output says.
GEN_HUGE_RESERVED=""
# The 2 MB pool's own counts and a mount of its own: /proc/meminfo's HugePages_Free and
# /dev/hugepages are the default size's, which is 1 GB on many DPDK hosts (the output
# would say 2 MB while the processes took 1 GB pages).
GEN_HUGE_POOL=/sys/kernel/mm/hugepages/hugepages-2048kB
GEN_HUGE_SYS=$GEN_HUGE_POOL/nr_hugepages
GEN_HUGE_DIR=$TOPO_DIR/hugepages-2M
gen_huge_free() { cat "$GEN_HUGE_POOL/free_hugepages" 2>/dev/null || echo 0; }
gen_huge_release() {
	# Unmounting the run's own mount also frees the pages a killed process left in files.
	umount "$GEN_HUGE_DIR" 2>/dev/null
	[ -n "$GEN_HUGE_RESERVED" ] || return 0
	echo "$GEN_HUGE_RESERVED" >"$GEN_HUGE_SYS" 2>/dev/null
	GEN_HUGE_RESERVED=""
}
[ "${GEN_HUGE-1}" != 0 ] && [ -n "${GEN_HUGE-1}" ] && GEN_HUGE=1 || unset GEN_HUGE
# Set before anything is reserved: a signal during the reservation gives it back too.
# The mount goes before the run's directory that holds it.
trap 'keep=${TOPO_KEEP_DIR:-}; TOPO_KEEP_DIR=1 topo_cleanup; gen_huge_release
	[ -n "$keep" ] || rm -rf "$TOPO_DIR"' EXIT
if [ -n "${GEN_HUGE:-}" ]; then
	gen_huge_want=$((${GEN_HUGE_GB:-4} * 512))
	gen_huge_had=$(cat "$GEN_HUGE_SYS" 2>/dev/null || echo 0)
	mkdir -p "$GEN_HUGE_DIR"
	if [ "$(gen_huge_free)" -ge "$gen_huge_want" ] &&
		mount -t hugetlbfs -o pagesize=2M nodev "$GEN_HUGE_DIR" 2>/dev/null; then
		: # enough free already: nothing to reserve or give back
	elif GEN_HUGE_RESERVED=$gen_huge_had &&
		scripts/setup-hugepages.sh --size 2M --total "${GEN_HUGE_GB:-4}G" \
			--mount "$GEN_HUGE_DIR" >/dev/null 2>&1 &&
		[ "$(gen_huge_free)" -gt 0 ]; then
		:
	else
		GEN_HUGE_RESERVED=""
		[ "$(cat "$GEN_HUGE_SYS" 2>/dev/null || echo 0)" = "$gen_huge_had" ] ||
			echo "$gen_huge_had" >"$GEN_HUGE_SYS" 2>/dev/null
		unset GEN_HUGE
	fi
fi
# gen_memory_note: what the run's memory is, for its output.
gen_memory_note() {
	if [ -n "${GEN_HUGE:-}" ]; then
		echo "memory: 2 MB hugepages ($(gen_huge_free) free for this run; GEN_HUGE=0 for 4 KB pages)"
	else
		echo "memory: --no-huge, 4 KB pages (no hugepages to be had here, or GEN_HUGE=0)"
	fi
}
NS=${TOPO_TAG}-ns
topo_ns "$NS"

# Every process gets its own EAL file prefix; runs inside $( ) cannot count in a variable.
next_run() { RUN=$(($(cat "$TOPO_DIR/runs" 2>/dev/null || echo 0) + 1)); echo "$RUN" >"$TOPO_DIR/runs"; }

# dp_up ROUTES BACKENDS [MAX_FLOWS] [MEM_MB] [CLOSING_MS]: a fresh data plane; sets PREFIX
# and DP_REAL (the process itself, for RSS and the stop signal).
dp_up() {
	next_run
	PREFIX=${TOPO_TAG}-dp$RUN
	export GEN_SOCK_DIR=$TOPO_DIR/run$RUN
	mkdir -p "$GEN_SOCK_DIR"
	gen_topo_conf "$TOPO_DIR/dp.conf" "$1" "$2" "${3:-262144}" "${4:-1024}" "${5:-100}"
	dp_start "$NS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp$RUN.log" 3600 || exit 1
	DP_REAL=$(pgrep -P "$DP_PID" -x meshrelay-dp)
}
dp_down() {
	kill -INT "$DP_REAL" 2>/dev/null
	wait "$DP_PID" 2>/dev/null
	# Its runtime dir at once: a data plane brought up inside $(...) (bench-proxies.sh's
	# rounds) never reaches the cleanup's list.
	topo_eal_prefix_gone "$PREFIX"
}
gen() { # gen ARGS...: one generator run with a fresh file prefix
	next_run
	gen_run "$NS" "${TOPO_TAG}-g$RUN" 0 "$@"
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$DP_REAL/status"; }
busy() { dp_busy_cycles "$PREFIX" | cut -d' ' -f1; }
hz() { dp_busy_cycles "$PREFIX" | cut -d' ' -f2; }
frames() { dp_stat "$PREFIX" counters rx_frames; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

# stream_run FLOWS [ARGS] -> the report's first line with cpp= (busy cycles per frame) and
# fpp= (frames per poll that found work: how full the bursts were) appended. Over
# $STREAM_ROUTES routes and $STREAM_BACKENDS backends (16 and 4; the data plane must have
# been brought up with the same): each backend address and port takes at most the relay's
# 50,000 source ports, so a million flows need more than 16 of them.
stream_run() {
	local b0 p0 b1 p1 f0 out
	read -r b0 _ p0 <<<"$(dp_busy_cycles "$PREFIX")"
	f0=$(frames)
	out=$(gen --mode stream --concurrency "$1" --routes "${STREAM_ROUTES:-16}" \
		--backends "${STREAM_BACKENDS:-4}" --seconds "$SECS" "${@:2}")
	read -r b1 _ p1 <<<"$(dp_busy_cycles "$PREFIX")"
	f0=$(($(frames) - f0))
	echo "$(echo "$out" | head -1) cpp=$(ratio $((b1 - b0)) "$f0") fpp=$(ratio "$f0" $((p1 - p0)))"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# connect_run ROUTES [ARGS] -> the generator's connect report with cyc= (the worker's busy
# cycles for it), cpc= (per connection) and per_core_s= (connections per worker
# core-second) appended.
connect_run() {
	local b0 out cyc done_n
	b0=$(busy)
	out=$(gen --mode connect --concurrency 512 --routes "$1" --backends $(($1 < 16 ? $1 : 16)) \
		--seconds "$SECS" "${@:2}")
	cyc=$(($(busy) - b0))
	done_n=$(gen_field "$out" completed)
	echo "$(echo "$out" | head -1) cyc=$cyc cpc=$(ratio "$cyc" "$done_n") per_core_s=$(awk \
		-v c="$cyc" -v n="$done_n" -v h="$(hz)" 'BEGIN { printf "%.0f", c ? n * h / c : 0 }')"
}

# The forwarding ceiling: testpmd on the same memif ports ($SECS long).
# testpmd_run MODE GEN_ARGS...: testpmd forwarding on the memif ports while the generator
# runs with GEN_ARGS; prints the generator's report line with tp_cpp=CYCLES_PER_PACKET.
testpmd_run() {
	local mode=$1 fifo=$TOPO_DIR/testpmd.in log=$TOPO_DIR/testpmd-$1.log pid
	shift
	rm -f "$fifo"
	mkfifo "$fifo"
	next_run
	export GEN_SOCK_DIR=$TOPO_DIR/run$RUN
	mkdir -p "$GEN_SOCK_DIR"
	topo_eal_prefix "${TOPO_TAG}-tp$RUN"
	ip netns exec "$NS" timeout -k 5 $((SECS + 60)) dpdk-testpmd -l 0-1 -n 1 --no-pci \
		$(gen_mem_args 1024) --file-prefix "${TOPO_TAG}-tp$RUN" --log-level=pmd.net.memif:error \
		--vdev "net_memif0,role=server,socket=$GEN_SOCK_DIR/edge.sock,socket-abstract=no" \
		--vdev "net_memif1,role=server,socket=$GEN_SOCK_DIR/svc.sock,socket-abstract=no" -- \
		--forward-mode="$mode" --nb-cores=1 --auto-start --record-core-cycles --disable-link-check \
		--rxd=1024 --txd=1024 --total-num-mbufs=16384 <"$fifo" >"$log" 2>&1 &
	pid=$!
	topo_track "$pid"
	exec 7>"$fifo"
	topo_wait_for 20 grep -q 'Press enter to exit' "$log" # forwarding, sockets in place
	# The generator keeps its ports open (idle) after its report until testpmd has
	# stopped forwarding: a memif peer leaving under a busy forwarder can crash it. No
	# data plane of ours to pause here (DP_SOCK empty).
	DP_SOCK="" gen "$@" --linger 5 >"$TOPO_DIR/tp-gen.out" &
	topo_wait_for $((SECS + 30)) grep -q '^[a-z]* .*seconds=' "$TOPO_DIR/tp-gen.out"
	echo >&7
	exec 7>&-
	wait "$pid"
	wait
	topo_eal_prefix_gone "${TOPO_TAG}-tp$RUN" # run in $(...): the cleanup never hears of it
	echo "$(head -1 "$TOPO_DIR/tp-gen.out") tp_cpp=$(sed -n 's|.*CPU cycles/packet=\([0-9.]*\).*|\1|p' "$log" | tail -1)"
}

# mem_per_flow PUT: the memory 1 M held flows cost, twice in a row; PUT KEY VALUE records
# each figure (mem_*). The table is written whole when it is made, so it is resident
# from the start whether used or not: the memory per flow is the RSS with 1 M
# flows held less the RSS of the same data plane with a 64-entry table, both after a short
# stream has cycled every mbuf of the pool once. Leaves the 1 M data plane up.
mem_per_flow() {
	local put=$1 rss_base rss0 rss_held1 rss_held2 flows1 flows2 gpid pass cap=1125000
	# 4 KB pages for these runs: RSS is the measure, and it does not count hugepages.
	local GEN_HUGE=""
	mem_rss_after_warmup() { # the data plane is up; sets RSS_KB
		gen --mode stream --concurrency 16 --routes 64 --backends 8 --seconds 1 >/dev/null
		sleep 1.5
		RSS_KB=$(rss_kb)
	}
	dp_up 64 8 64 1536 1000
	mem_rss_after_warmup
	rss_base=$RSS_KB
	dp_down
	dp_up 64 8 "$cap" 1536 1000
	mem_rss_after_warmup
	rss0=$RSS_KB
	for pass in 1 2; do
		GEN_MEM_MB=1024 gen --mode hold --concurrency 1000000 --routes 64 --backends 8 \
			--request 100 --response 100 --seconds 4 >"$TOPO_DIR/hold.out" &
		gpid=$!
		topo_wait_for 150 grep -q '^hold' "$TOPO_DIR/hold.out"
		sleep 1
		eval "rss_held$pass=$(rss_kb) flows$pass=$(dp_status "$PREFIX" flows)"
		cat "$TOPO_DIR/hold.out"
		wait "$gpid"
		sleep 1.5
	done
	$put mem_rss_base_kb "$rss_base"
	$put mem_rss0_kb "$rss0"
	$put mem_rss_held_kb "$rss_held1"
	$put mem_rss_held2_kb "$rss_held2"
	$put mem_flows_held "$flows1"
	$put mem_bytes_per_flow $(((rss_held1 - rss_base) * 1024 / (flows1 ? flows1 : 1)))
	# The table's count is per entry, and the table has room to spare: compared per entry.
	$put mem_bytes_per_entry $(((rss_held1 - rss_base) * 1024 / cap))
	$put mem_dp_bytes_per_flow "$(dp_field "$PREFIX" flows bytes_per_flow)"
	$put mem_hold_conn_per_s "$(gen_field "$(cat "$TOPO_DIR/hold.out")" conn_per_s)"
	$put mem_flows_after "$(dp_status "$PREFIX" flows)"
}
