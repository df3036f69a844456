#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The traffic generator's smoke run: meshrelay-gen on both memif ends of the data plane.
#   connect: thousands of connections over 16 routes and 4 backends, each a captured
#     ClientHello with its own SNI, a request and an answer, every byte checked, the
#     backend checked against the route;
#   a live push that swaps two routes: the generator must see connections land on the
#     wrong backend (so its check can fail), and none once the right table is back;
#   stream: 256 flows busy both ways, 4096 opened at once (a crowd beside busy flows must
#     all get in), then 64 under a SYN flood from random sources,
#     which must create no flow nor stall them (the flood takes only the room the streams
#     leave in the generator's ring, and the relay's cookies only what its flows leave);
# and at the end no flow left and every mbuf back. Then a second data plane with a small
# flow table (4096) takes 20,000 connections/s for 1.5 s: closed flows must leave the
# table at their closing time (100 ms here), or it fills with them and refuses
# connections. A third, whose closing time (2 s) its table cannot hold at that rate,
# gives closed flows' entries to new connections rather than refuse them.
set -u
cd "$(dirname "$0")/../.."
. test/lib/harness.sh
. test/lib/gen_topo.sh

NS=${TOPO_TAG}-gen
PREFIX=${TOPO_TAG}-gdp
topo_ns "$NS"
GEN_DNS=1 GEN_CONNLOG=$TOPO_DIR/connections.log gen_topo_conf "$TOPO_DIR/dp.conf" 16 4 65536 768 500
dp_start "$NS" "$TOPO_DIR/dp.conf" "$PREFIX" "$TOPO_DIR/dp.log" 300 || exit 1
mbufs0=$(dp_status "$PREFIX" mbufs_in_use)

out=$(gen_run "$NS" "${TOPO_TAG}-g1" 0 --mode connect --count 5000 --concurrency 128 \
	--routes 16 --backends 4 --request 300 --response 2000 --seconds 60)
echo "$out"
check "5000 connections completed, every byte and checksum checked" \
	test "$(gen_field "$out" completed)" = 5000 -a "$(gen_field "$out" failed)" = 0 \
	-a "$(gen_field "$out" bad_checksum)" = 0
check "the data plane created exactly those flows" \
	test "$(dp_stat "$PREFIX" counters flow_created)" = 5000

# Routes s0 and s1 swapped: the relay does what it is told, the generator must notice.
sed -e 's/pool = "p0"; }/pool = "P1"; }/' -e 's/pool = "p1"; }/pool = "p0"; }/' \
	-e 's/pool = "P1"; }/pool = "p1"; }/' "$TOPO_DIR/dp.conf" >"$TOPO_DIR/swapped.conf"
"$MR_CTL" -s "$DP_SOCK" push "$TOPO_DIR/swapped.conf" >/dev/null
out=$(gen_run "$NS" "${TOPO_TAG}-g2" 0 --mode connect --count 320 --concurrency 32 \
	--routes 16 --backends 4 --seconds 30)
echo "$out"
check "connections sent to the wrong backend are caught" \
	test "$(gen_field "$out" wrong_backend)" -ge 20
"$MR_CTL" -s "$DP_SOCK" push "$TOPO_DIR/dp.conf" >/dev/null
out=$(gen_run "$NS" "${TOPO_TAG}-g3" 0 --mode connect --count 320 --concurrency 32 \
	--routes 16 --backends 4 --seconds 30)
check "and none once the table is right again" test "$(gen_field "$out" failed)" = 0

out=$(gen_run "$NS" "${TOPO_TAG}-g4" 0 --mode stream --concurrency 256 --routes 16 \
	--backends 4 --seconds 3)
echo "$out"
check "256 streams flowed both ways, every byte and checksum checked" \
	test "$(gen_field "$out" flowing)" = 256 -a "$(gen_field "$out" failed)" = 0 \
	-a "$(gen_field "$out" bad_checksum)" = 0 \
	-a "$(gen_field "$out" c2b_pps | cut -d. -f1)" -gt 0 \
	-a "$(gen_field "$out" b2c_pps | cut -d. -f1)" -gt 0

# The same with segments as Linux sends them (timestamps on every one, window scaling,
# SACK-permitted), one segment per flow in turn: the relay translates timestamps both
# ways and the generator checks every byte and checksum.
out=$(gen_run "$NS" "${TOPO_TAG}-g4l" 0 --mode stream --concurrency 256 --routes 16 \
	--backends 4 --seconds 2 --linux --interleave)
check "256 Linux-like interleaved streams, every byte and checksum checked" \
	test "$(gen_field "$out" flowing)" = 256 -a "$(gen_field "$out" failed)" = 0 \
	-a "$(gen_field "$out" bad_checksum)" = 0 \
	-a "$(gen_field "$out" c2b_pps | cut -d. -f1)" -gt 0 \
	-a "$(gen_field "$out" b2c_pps | cut -d. -f1)" -gt 0

# The same path losing one data segment in 40 on the way to each receiver: the
# receivers hold what comes beyond a hole (checked) and report it in SACK blocks on their
# ACKs, as Linux does; the relay translates the blocks into the other connection's
# sequence space, and each sender checks that every block names bytes it sent and that
# the same ACK has not acknowledged. Every byte must still arrive.
out=$(gen_run "$NS" "${TOPO_TAG}-g4s" 0 --mode stream --concurrency 64 --routes 16 \
	--backends 4 --seconds 2 --linux --interleave --rx-loss 40)
echo "$out"
check "64 Linux-like streams over a lossy path: SACK blocks sent, translated, all valid" \
	test "$(gen_field "$out" flowing)" = 64 -a "$(gen_field "$out" failed)" = 0 \
	-a "$(gen_field "$out" bad_checksum)" = 0 -a "$(gen_field "$out" lost_rx)" -gt 0 \
	-a "$(gen_field "$out" sack_sent)" -gt 0 -a "$(gen_field "$out" sack_rx)" -gt 0 \
	-a "$(gen_field "$out" sack_bad)" = 0 \
	-a "$(gen_field "$out" c2b_pps | cut -d. -f1)" -gt 0 \
	-a "$(gen_field "$out" b2c_pps | cut -d. -f1)" -gt 0

# A crowd: 4096 clients at once beside their own busy flows, the queue towards them full.
# Rationing SYNs on a congested port must still let every one of them in.
out=$(gen_run "$NS" "${TOPO_TAG}-g4b" 0 --mode stream --concurrency 4096 --routes 16 \
	--backends 4 --seconds 2)
echo "$out"
check "4096 streams opened at once all carry data" \
	test "$(gen_field "$(grep ^stream <<<"$out")" flowing)" = 4096 -a \
	"$(gen_field "$(grep ^stream <<<"$out")" failed)" = 0
no_flows() { test "$(dp_status "$PREFIX" flows)" = 0; }
topo_wait_for 10 no_flows

created0=$(dp_stat "$PREFIX" counters flow_created)
cookies0=$(dp_stat "$PREFIX" counters syncookie_out)
out=$(gen_run "$NS" "${TOPO_TAG}-g5" 0 --mode stream --concurrency 64 --routes 16 \
	--backends 4 --seconds 3 --synflood)
echo "$out"
sent=$(gen_field "$(grep ^synflood <<<"$out")" sent)
sline=$(grep ^stream <<<"$out")
check "streams carried on both ways under the SYN flood" \
	test "$(gen_field "$sline" failed)" = 0 -a "$(gen_field "$sline" c2b_pps | cut -d. -f1)" -gt 0 \
	-a "$(gen_field "$sline" b2c_pps | cut -d. -f1)" -gt 0
echo "SYNs left unanswered while the client port's queue was full: $(dp_stat "$PREFIX" drops syn_shed)"
# How many of the flood's SYNs the worker gets to depends on the machine: a count, not a
# share of what was offered.
cookies=$(dp_delta "$cookies0" "$(dp_stat "$PREFIX" counters syncookie_out)")
check "the flood was answered by cookies: $cookies of $sent SYNs" \
	test "$cookies" -gt 100000 -a "$(gen_field "$(grep ^synflood <<<"$out")" answered)" -gt 0
check "and created no flow (64 streams, 64 flows)" \
	test "$(dp_delta "$created0" "$(dp_stat "$PREFIX" counters flow_created)")" -eq 64

# DNS on the same worker: 200,000 queries/s for a second from 4,096 client addresses,
# every one answered with its A record; no flow or buffer kept for them.
out=$(gen_run "$NS" "${TOPO_TAG}-g5d" 0 --mode dns --dns-rate 200000 --routes 16 --seconds 1 |
	grep '^dns ')
check "DNS: $(gen_field "$out" answered) of $(gen_field "$out" sent) queries answered, none wrong" \
	test "$(gen_field "$out" answered)" -gt 150000 -a "$(gen_field "$out" bad)" = 0 -a \
	"$(gen_field "$out" answered)" -ge $(($(gen_field "$out" sent) - 64))

# Clients that vanish and come back. 256 connections are held, then left without a reset,
# as by a host that lost power: the relay keeps them spliced (its idle timeout is ten
# minutes). The same 256 4-tuples connect again. Each SYN meets the old flow and gets its
# challenge ACK; the client resets there (RFC 9293 3.10.7.3), which ends the old flow,
# and a later SYN gets through. A client that ignored the challenge would wait forever.
topo_wait_for 10 no_flows # the streams' flows, closing
out=$(gen_run "$NS" "${TOPO_TAG}-g7a" 0 --mode hold --concurrency 256 --routes 16 --backends 4 \
	--seconds 0.2 --abandon)
check "256 connections held, then abandoned" test "$(gen_field "$out" held)" = 256
check "the relay still holds them" test "$(dp_status "$PREFIX" flows)" = 256
challenged0=$(dp_stat "$PREFIX" counters challenge_ack_out)
out=$(gen_run "$NS" "${TOPO_TAG}-g7b" 0 --mode connect --count 256 --concurrency 256 --routes 16 \
	--backends 4 --seconds 30)
check "their 4-tuples connect again: $(gen_field "$out" completed) of 256 completed" \
	test "$(gen_field "$out" completed)" = 256 -a "$(gen_field "$out" failed)" = 0
check "each met its old flow's challenge and reset it ($(gen_field "$out" stale_resets) resets)" \
	test "$(gen_field "$out" stale_resets)" -ge 256 -a \
	"$(dp_delta "$challenged0" "$(dp_stat "$PREFIX" counters challenge_ack_out)")" -ge 256
check "no flow left once closed" topo_wait_for 10 no_flows
"$MR_CTL" -p "$PREFIX" show flows | head -5
check "every mbuf back" test "$(dp_status "$PREFIX" mbufs_in_use)" = "$mbufs0"
# The connection log was on throughout, at the generator's full rate: every connection
# that ended has a line in the file or is counted as dropped (or, for refusals past the
# rate, suppressed), and nothing else is there.
ended=$(dp_sum "$(dp_stat "$PREFIX" counters flow_created)" "$(dp_stat "$PREFIX" drops flow_table_full)" \
	"$(dp_stat "$PREFIX" drops client_flow_limit)" "$(dp_stat "$PREFIX" drops client_hello_limit)")
queued=$(dp_stat "$PREFIX" counters connlog_queued)
dropped=$(dp_stat "$PREFIX" counters connlog_dropped)
suppressed=$(dp_stat "$PREFIX" counters connlog_suppressed)
topo_wait_for 5 bash -c "[ \$(grep -c . '$TOPO_DIR/connections.log') -ge '$queued' ]"
check "connection log: $ended connections, $(grep -c . "$TOPO_DIR/connections.log") lines, $dropped dropped, $suppressed suppressed" \
	test -n "$ended" -a "$(grep -c . "$TOPO_DIR/connections.log")" = "$queued" -a \
	"$(dp_sum "$queued" "$dropped" "$suppressed")" = "$ended"
kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
wait "$DP_PID"

# small_dp NAME CLOSING_MS: a data plane with a 4096-flow table, its sockets and files
# named NAME, prefix ${PREFIX}NAME's first letter.
small_dp() {
	export GEN_SOCK_DIR=$TOPO_DIR/$1
	mkdir -p "$GEN_SOCK_DIR"
	gen_topo_conf "$TOPO_DIR/$1.conf" 16 4 4096 512 "$2"
	dp_start "$NS" "$TOPO_DIR/$1.conf" "${PREFIX}${1:0:1}" "$TOPO_DIR/dp-$1.log" 120
}
small_dp small 100 || exit 1
# peak_flows: the most flows the small table held, sampled until TERM (sent once the
# generator is done, whatever it printed) and for 60 s at most, twice the run's own limit:
# a generator that hangs or dies must not leave the sampler, and the test, waiting.
peak_flows() {
	local peak=0 f deadline=$((SECONDS + 60))
	trap 'echo "$peak"; exit 0' TERM
	while [ $SECONDS -lt $deadline ]; do
		f=$(dp_status "${PREFIX}s" flows)
		[ -n "$f" ] && [ "$f" -gt "$peak" ] && peak=$f
		sleep 0.05
	done
	echo "$peak"
}
peak_flows >"$TOPO_DIR/peak" &
sampler=$!
gen_run "$NS" "${TOPO_TAG}-g6" 0 --mode connect --count 30000 --rate 20000 \
	--concurrency 256 --routes 16 --backends 4 --seconds 30 >"$TOPO_DIR/g6.out"
kill -TERM "$sampler" 2>/dev/null
wait "$sampler"
out=$(cat "$TOPO_DIR/g6.out")
echo "$out"
check "a 4096-entry table took 30,000 connections at 20,000/s ($(gen_field "$out" pace_forgiven) starts not caught up after stalls)" \
	test "$(gen_field "$out" completed)" = 30000 -a "$(gen_field "$out" failed)" = 0
# 20,000/s for 100 ms of closing is 2,000 flows, and 256 open at most beside them.
check "and held at most $(cat "$TOPO_DIR/peak") flows at once, never full" \
	test "$(cat "$TOPO_DIR/peak")" -lt 3584 -a "$(dp_stat "${PREFIX}s" drops flow_table_full)" = 0
kill -INT "$(pgrep -P "$DP_PID" -x meshrelay-dp)"
wait "$DP_PID"

# A table too small for its closing time: 20,000 connections/s each closed for 2 s would
# keep 40,000 closed flows in 4096 entries. New connections take the entries of the
# closed flows due soonest (the relay's TIME-WAIT given up), and none is refused.
small_dp tight 2000 || exit 1
out=$(gen_run "$NS" "${TOPO_TAG}-g7" 0 --mode connect --count 20000 --rate 20000 \
	--concurrency 256 --routes 16 --backends 4 --seconds 30)
echo "$out"
reclaimed=$(dp_stat "${PREFIX}t" counters flow_reclaimed)
check "closed flows gave their entries to 20,000 new connections ($reclaimed taken), none refused" \
	test "$(gen_field "$out" completed)" = 20000 -a "$(gen_field "$out" failed)" = 0 \
	-a "$(dp_stat "${PREFIX}t" drops flow_table_full)" = 0 -a "$reclaimed" -gt 0
check_done 60-generator
