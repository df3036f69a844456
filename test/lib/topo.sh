# SPDX-License-Identifier: BSD-3-Clause
# Network-namespace topologies for integration tests and the demo (sourced, bash).
#
# Every test gets a unique tag; namespaces, interfaces, EAL file prefixes and temp dirs
# carry it, and topo_cleanup (run from an EXIT trap) removes exactly what this run made
# and stops exactly the processes it started, by PID.

# Numbers as C writes them: a locale with a decimal comma (de_DE, fr_FR) would make
# $EPOCHREALTIME and printf's %f arguments unreadable as numbers.
export LC_ALL=C
# ip, ethtool, sysctl, nginx and sshd live in /usr/sbin, which a root shell from plain su
# (not su -) leaves out of its PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

TOPO_TAG=${TOPO_TAG:-mr$$}
TOPO_DIR=${TOPO_DIR:-$(mktemp -d "/tmp/meshrelay-${TOPO_TAG}.XXXXXX")}
TOPO_NETNS=()
TOPO_PIDS=()
TOPO_PREFIXES=()

topo_log() { printf '[%s] %s\n' "$TOPO_TAG" "$*" >&2; }

# topo_ns NAME: create a namespace with loopback up, or stop the run (exit 1) when that
# fails. A namespace of that name already there is left alone: it belongs to a run that
# crashed, whose processes may still be inside, or to one running now with the same
# TOPO_TAG, and only its own run can tell which. Working in it would mix what is left
# there into this run's checks.
topo_ns() {
	if ! ip netns add "$1"; then
		topo_log "cannot create namespace $1 (left by an earlier run? see ip netns pids $1, then ip netns del $1)"
		exit 1
	fi
	TOPO_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# topo_veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces.
topo_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# topo_dp_side NS IF: a veth end handed to the data plane (af_packet): no kernel
# addresses, no IPv6 autoconfiguration, so the kernel never answers in its place.
topo_dp_side() {
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" addr flush dev "$2"
}

# topo_kernel_side NS IF: the kernel peer of an af_packet port finishes its own checksums.
topo_kernel_side() {
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
}

# topo_track PID: stop this process on cleanup.
topo_track() { TOPO_PIDS+=("$1"); }

# topo_eal_prefix NAME: remember an EAL file prefix whose runtime dir must go.
topo_eal_prefix() { TOPO_PREFIXES+=("$1"); }

# topo_eal_prefix_gone NAME: remove the runtime dir of a DPDK process of ours that has
# ended, at once: one run in a subshell ($(...)) cannot add it to the cleanup's list, and
# a no-huge process leaves 6 MB there.
topo_eal_prefix_gone() { rm -rf "/var/run/dpdk/$1"; }

# topo_ns_busy NS...: true while a process still runs in one of the namespaces.
topo_ns_busy() {
	local ns
	for ns in "$@"; do
		[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
	done
	return 1
}

# topo_ns_end NS...: end every process inside the namespaces (TERM, KILL after 3 s), then
# delete them. Missing ones are skipped; safe under set -e. A namespace deleted with its
# processes still inside lives on with them, and so do the EAL file prefix and the control
# socket a data plane among them holds.
topo_ns_end() {
	local ns i
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
	done
	for i in $(seq 30); do
		topo_ns_busy "$@" || break
		sleep 0.1
	done
	for ns in "$@"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		# The host settings a data plane killed there kept for its successor go with
		# the namespace (a later one may get its number).
		[ -e "/run/netns/$ns" ] &&
			rm -f "/run/meshrelay/host-settings.$(stat -L -c %i "/run/netns/$ns")"
		ip netns del "$ns" 2>/dev/null || true
	done
}

# topo_pids_wait TENTHS: wait until every tracked process has ended, TENTHS tenths of a
# second at most.
topo_pids_wait() {
	local i pid alive
	for i in $(seq "$1"); do
		alive=
		for pid in "${TOPO_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && { alive=$pid; break; }
		done
		[ -n "$alive" ] || return 0
		sleep 0.1
	done
}

topo_cleanup() {
	set +e # runs from an EXIT trap: every step must run even when one fails
	# Nor may a signal stop it half way: timeout(1) sends its signal to the script and
	# again to the script's process group, and the second one would end this cleanup,
	# leaving namespaces and data planes behind.
	trap '' INT TERM
	local pid p
	# INT first: the data plane (and its timeout wrapper) stops on it. A second later,
	# TERM to whatever is left: a background job of a non-interactive bash starts with INT
	# ignored (openssl s_server, Python servers), and a data plane draining open flows
	# takes a second signal as "stop now". Then KILL, at one deadline for all of them.
	for pid in "${TOPO_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null
	done
	topo_pids_wait 10
	for pid in "${TOPO_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	topo_pids_wait 40
	for pid in "${TOPO_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Whatever still runs inside our namespaces was started by this run (servers behind
	# wrappers, their children): end it before the namespaces go.
	topo_ns_end "${TOPO_NETNS[@]}"
	for p in "${TOPO_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
	done
	[ -n "${TOPO_KEEP_DIR:-}" ] || rm -rf "$TOPO_DIR"
}

# topo_end [STATUS]: topo_cleanup for a demo's EXIT trap (STATUS: the run's, $? when not
# given); a run that failed keeps its directory, its logs in it, and says where.
topo_end() {
	local rc=${1:-$?}

	if [ "$rc" -ne 0 ]; then
		TOPO_KEEP_DIR=1
		printf '\n== its logs are kept in %s\n' "$TOPO_DIR" >&2
	fi
	topo_cleanup
}

# topo_wait_for SECONDS CMD...: poll until CMD succeeds, for SECONDS; 1 on time-out. The
# deadline is in microseconds: $SECONDS moves by whole seconds, and a deadline of one
# second read from it may come at once.
topo_wait_for() {
	local deadline=$((${EPOCHREALTIME//[!0-9]/} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME//[!0-9]/}" -lt $deadline ] || return 1
		sleep 0.1
	done
}
