# SPDX-License-Identifier: BSD-3-Clause
# Start, query and stop meshrelay-dp in tests and the demo (sourced after topo.sh).

MR_BUILD_DIR=${MR_BUILD_DIR:-build}
MR_DP=${MR_DP:-$MR_BUILD_DIR/dataplane/meshrelay-dp}
MR_CTL=${MR_CTL:-$MR_BUILD_DIR/controlplane/meshrelayctl}

# dp_start NS CONF PREFIX LOG [SECONDS]: run the data plane in NS, wait until it is ready.
# Its control socket is $TOPO_DIR/PREFIX.sock. Sets DP_PID and DP_SOCK. Fails (and shows
# the log) when it exits or is not ready in 20 s.
dp_start() {
	local ns=$1 conf=$2 prefix=$3 log=$4 lifetime=${5:-600}
	topo_eal_prefix "$prefix"
	DP_SOCK=$TOPO_DIR/$prefix.sock
	ip netns exec "$ns" timeout -s INT -k 5 "$lifetime" \
		"$MR_DP" -c "$conf" -s "$DP_SOCK" -- --file-prefix "$prefix" >"$log" 2>&1 &
	DP_PID=$!
	topo_track "$DP_PID"
	if ! topo_wait_for 20 grep -q 'meshrelay-dp ready' "$log"; then
		topo_log "data plane did not start:"
		cat "$log" >&2
		return 1
	fi
}

# dp_field PREFIX OBJECT NAME: one field of a telemetry object; fails when unreadable.
dp_field() {
	"$MR_CTL" -p "$1" --json show "$2" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(list(d.values())[0][sys.argv[1]])' "$3" 2>/dev/null
}

# dp_stat PREFIX counters|drops NAME: one counter's value. Nothing, and a non-zero status,
# when it cannot be read: a stopped data plane or a dead telemetry socket must fail the
# check on it, not pass every "nothing counted" one as zeros.
dp_stat() {
	local v
	if ! v=$(dp_field "$@") || ! [[ $v =~ ^[0-9]+$ ]]; then
		topo_log "counter $3 ($2) of $1 unreadable"
		return 1
	fi
	echo "$v"
}

# dp_delta BEFORE AFTER: how far a counter rose between two dp_stat readings. Nothing, and
# a non-zero status, when either reading failed: shell arithmetic takes an empty variable
# for 0, and an empty operand for a unary sign or a syntax error (which skips the whole
# check command without a word).
dp_delta() {
	[[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] || return 1
	echo $(($2 - $1))
}

# dp_sum VALUE...: the sum of dp_stat readings; nothing, and a non-zero status, when one
# of them failed.
dp_sum() {
	local v sum=0
	for v in "$@"; do
		[[ $v =~ ^[0-9]+$ ]] || return 1
		sum=$((sum + v))
	done
	echo "$sum"
}

# dp_status PREFIX FIELD: a field of the status object (flows, mbufs_in_use, ...); nothing
# when unreadable, so a check on it fails rather than reads a stopped data plane as idle.
dp_status() { dp_field "$1" status "$2"; }

# dp_busy_cycles PREFIX: busy cycles summed over the workers, the TSC rate, and the polls
# that found work, on one line ("CYCLES HZ POLLS"). A worker polls without sleeping, so only polls that found work count.
dp_busy_cycles() {
	/usr/bin/python3 test/lib/telemetry.py "$1" /meshrelay/lcores | /usr/bin/python3 -c '
import json, sys
busy, hz, polls = 0, 1, 0
for line in json.load(sys.stdin)["/meshrelay/lcores"]:
    kv = dict(f.split("=") for f in line.split())
    busy += int(kv["busy_cycles"])
    polls += int(kv["busy_polls"])
    hz = int(kv["tsc_hz"])
print(busy, hz, polls)'
}
