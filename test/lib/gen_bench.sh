# SPDX-License-Identifier: BSD-3-Clause
# The benchmarks' runs with the generator (sourced from the project root, $TOPO_TAG set):
# the topology helpers, a namespace $NS cleaned up on exit, a fresh data plane per run
# ($MR_DP, so that an old and a new build can take turns), the generator, and the figures
# read off the data plane's telemetry.
. test/lib/topo.sh
. test/lib/dp.sh
. test/lib/gen_topo.sh
trap topo_cleanup EXIT
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

stream_run() { # stream_run FLOWS [ARGS] -> the report's first line with cpp= appended
	local b0 f0 out
	b0=$(busy)
	f0=$(frames)
	out=$(gen --mode stream --concurrency "$1" --routes 16 --backends 4 --seconds "$SECS" "${@:2}")
	echo "$(echo "$out" | head -1) cpp=$(ratio $(($(busy) - b0)) $(($(frames) - f0)))"
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
