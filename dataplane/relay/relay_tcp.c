/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP the relay speaks on a flow's sides, for every relay module: its checksum check,
 * windows and ISNs, the ACKs and SYNs it sends, and how a flow starts (a free entry) and
 * ends (reset, expired). Calls nothing above it: the modules of each flow state call in. */
#include "relay_tcp.h"

#include <string.h>

#include "connlog.h"
#include "health.h"
#include "nexthop.h"
#include "resolve.h"
#include "tcp_out.h"
#include "turn_bind_slot.h"

bool relay_seg_checksum_ok(const struct dp_port *p, const struct relay_seg *s)
{
	if (s->sum_ok)
		return true;
	if (relay_sum_vouched(p, s->m))
		return true;
	if (relay_sum_refuted(p, s->m))
		return false;
	/* Summing a correct segment, its checksum field included, gives 0xffff: the
	 * complement is 0. */
	if (s->ip6)
		return tcp_checksum_mbuf6(s->m, s->ip6, s->l4_off) == 0;
	return tcp_checksum_mbuf(s->m, s->ip, s->l4_off) == 0;
}

uint16_t relay_window(const struct flow *f, enum flow_dir to)
{
	uint8_t shift = to == FLOW_DIR_CLIENT ? f->c.local_wscale : f->b.local_wscale;

	/* Before the splice the relay holds at most one hello: a fixed 64 KB, rounded up in
	 * the scale, so that the right edge the SYN-ACK offered (65,535 unscaled) never moves
	 * back (RFC 9293 3.8.6); the backend is offered the client's own window. */
	if (to == FLOW_DIR_CLIENT)
		return (uint16_t)RTE_MIN((65535u + (1u << shift) - 1) >> shift, 65535u);
	return (uint16_t)RTE_MIN(f->c_win >> shift, 65535u);
}

void relay_ack_side(struct dp_worker *w, struct flow *f, enum flow_dir dir, uint32_t seq,
		    uint32_t ack)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	uint8_t opts[12];
	unsigned int opt_len = 0;
	struct rte_mbuf *m;

	if (side->ts) {
		/* Spliced, the side's timestamps are the other end's, translated: a clock of our
		 * own would get ahead of them and the peer would drop what follows (PAWS). */
		if (f->state != FLOW_SPLICED && f->state != FLOW_CLOSING)
			side->ts_last = RTE_MAX(side->ts_last, relay_now(w) + 32);
		opt_len = tcp_opts_write_ts(opts, side->ts_last, side->ts_recent);
	}
	m = tcp_out_header(w->app->pool, p, &side->key, relay_addr6(w, f, dir), &side->peer_mac,
			   RTE_TCP_ACK_FLAG, seq, ack, relay_window(f, dir), opts, opt_len);
	if (!m || tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_tx_port(w, p, m);
}

void relay_ack_client(struct dp_worker *w, struct flow *f)
{
	relay_ack_side(w, f, FLOW_DIR_CLIENT, f->c_snd_nxt, f->c_rcv_nxt);
}

/* Reset side dir of f. Spliced, its peer's RCV.NXT lies between what it acknowledged and
 * what the relay sent it: a RST at each end, so one is exact whatever of the rest arrived
 * (RFC 5961 only challenges the other, and the flow is gone when the challenge comes). */
static void rst_side(struct dp_worker *w, struct flow *f, enum flow_dir dir)
{
	bool client = dir == FLOW_DIR_CLIENT;
	const struct flow_side *side = client ? &f->c : &f->b;
	uint32_t at[2] = { client ? f->c_snd_nxt : f->b_snd_nxt, 0 };
	unsigned int n = 1;

	/* A side whose next hop never resolved was sent nothing: nobody to tell. */
	if (rte_is_zero_ether_addr(&side->peer_mac))
		return;
	if (f->state == FLOW_SPLICED || f->state == FLOW_CLOSING) {
		at[1] = relay_una_kept(f, dir);
		n += at[1] != at[0];
	}
	for (unsigned int k = 0; k < n; k++)
		tcp_out_rst_reply(w, &w->app->ports[side->port], &side->key, relay_addr6(w, f, dir),
				  &side->peer_mac, at[k], client ? f->c_rcv_nxt : 0, client);
}

uint32_t relay_member_slot(const struct dp_worker *w, const struct flow *f)
{
	const struct flow_addr6 *a6 = relay_addr6(w, f, FLOW_DIR_BACKEND);

	return health_slot_follows(w->app->health, f->member,
				   a6 ? IP_ADDR_FAMILY_V6 : IP_ADDR_FAMILY_V4,
				   a6 ? (const void *)a6->peer : (const void *)&f->b.key.peer_ip,
				   rte_be_to_cpu_16(f->b.key.peer_port)) ? f->member : HEALTH_NONE;
}

void relay_member_answered(struct dp_worker *w, struct flow *f)
{
	f->member_owed = 0;
	/* A slot with nothing counted against it has nothing to hear: the common case skips
	 * the look-up that the slot still follows this member. */
	if (health_counts_against(w->app->health, f->member))
		health_report(w, relay_member_slot(w, f), HEALTH_EV_CONNECTED);
}

/* How the log tells a flow the relay ends for reason: the client's own end (its reset, or
 * its FIN before the hello was whole), else refused before the splice or aborted after. */
static enum connlog_end abort_end(const struct flow *f, enum dp_drop reason)
{
	if (reason == DP_DROP_client_abort)
		return f->c.fin_seen ? CONNLOG_END_FIN : CONNLOG_END_RST_CLIENT;
	return f->state == FLOW_SPLICED || f->state == FLOW_CLOSING ? CONNLOG_END_ABORTED
								    : CONNLOG_END_REFUSED;
}

/* f ends: a member whose bytes reached the client (the burst path forwards them without
 * asking) answered it, whatever ended it after. */
static void member_settle(struct dp_worker *w, struct flow *f)
{
	if (f->member_owed && f->c_snd_nxt != f->c_seq.local_isn + 1)
		relay_member_answered(w, f);
}

void relay_abort(struct dp_worker *w, struct flow *f, bool rst_client, bool rst_backend,
		 enum dp_drop reason)
{
	member_settle(w, f);
	if (rst_client)
		rst_side(w, f, FLOW_DIR_CLIENT);
	if (rst_backend && f->b.key.peer_port)
		rst_side(w, f, FLOW_DIR_BACKEND);
	if (reason != DP_DROP_none)
		dp_count(&w->counters.drops[reason], 1);
	connlog_end(w, f, abort_end(f, reason), reason);
	/* Every way out of a bind in progress, or of a hello that came over TURN, passes
	 * here: its bind slot or kept peer goes with the flow. */
	if (f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT || f->via_turn)
		turn_bind_forget(w, f);
	flow_release(w->flows, f);
}

/* The next hop of side dir of f: its peer, or the gateway towards it. */
static struct neigh_addr side_hop(const struct dp_worker *w, const struct flow *f,
				  enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct flow_addr6 *a6 = relay_addr6(w, f, dir);
	struct neigh_addr hop;

	if (a6) {
		memcpy(hop.b, a6->peer, 16);
		/* Routed when the side was set up: this only finds the next hop, in place. */
		nexthop_v6(w->app, &hop, &hop);
	} else {
		uint32_t nexthop = rte_be_to_cpu_32(side->key.peer_ip);

		nexthop_v4(w->app, nexthop, &nexthop);
		hop = neigh_addr_v4(nexthop);
	}
	return hop;
}

void relay_send_side(struct dp_worker *w, struct flow *f, enum flow_dir dir, struct rte_mbuf *m)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	struct neigh_addr hop;
	struct rte_ether_addr mac;

	if (!rte_is_zero_ether_addr(&side->peer_mac)) {
		dp_tx_port(w, p, m);
		return;
	}
	hop = side_hop(w, f, dir);
	if (resolve_send(w, p, &hop, m, &mac))
		side->peer_mac = mac;
}

struct hop_moves {
	struct dp_worker *w;
	const struct dp_neigh_moved *moved;
	unsigned int n;
};

/* Each of f's sides sent to a moved MAC for that neighbour follows it, the moves in the
 * order seen (a hop that moved twice in one round ends at its last MAC). */
static void hop_move_flow(void *ctx, struct flow *f)
{
	const struct hop_moves *mv = ctx;

	for (unsigned int d = 0; d < 2; d++) {
		enum flow_dir dir = d ? FLOW_DIR_BACKEND : FLOW_DIR_CLIENT;
		struct flow_side *side = d ? &f->b : &f->c;
		struct neigh_addr at;
		bool have_hop = false;

		if (d && !side->key.peer_port)
			continue;
		for (unsigned int i = 0; i < mv->n; i++) {
			if (!rte_is_same_ether_addr(&side->peer_mac, &mv->moved[i].from))
				continue;
			if (!have_hop) {
				at = side_hop(mv->w, f, dir);
				have_hop = true;
			}
			if (memcmp(at.b, mv->moved[i].addr, sizeof(at.b)) == 0) {
				side->peer_mac = mv->moved[i].to;
				dp_event(mv->w, DP_EV_hop_followed);
			}
		}
	}
}

void relay_hops_moved(struct dp_worker *w, const struct dp_neigh_moved *moved, unsigned int n)
{
	struct hop_moves mv = { w, moved, n };

	/* The flows in use from the timer wheel, once for every move of the round: a walk
	 * over every entry of a large table, or one a move, would hold the worker for as
	 * long as its receive queues could wait. */
	flow_visit(w->flows, UINT32_MAX, hop_move_flow, &mv);
}

void relay_follow_mac(struct dp_worker *w, struct flow *f, enum flow_dir dir,
		      const struct rte_ether_addr *from)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	struct neigh_addr hop = side_hop(w, f, dir);
	struct rte_ether_addr mac;

	/* Asked as a segment to the hop would ask: a stale entry is probed, a missing one
	 * solicited, so that the next segment from the new MAC finds its answer. */
	switch (neigh_resolve_addr(w->neigh, &hop, w->now_ms, NULL, &mac)) {
	case NEIGH_HIT_PROBE:
		resolve_solicit(w, p, &hop);
		/* fall through */
	case NEIGH_HIT:
		if (rte_is_same_ether_addr(&mac, from)) {
			side->peer_mac = *from;
			return dp_event(w, DP_EV_hop_followed);
		}
		break;
	case NEIGH_QUEUED_REQUEST:
	case NEIGH_REQUEST:
		resolve_solicit(w, p, &hop);
		break;
	default:
		break;
	}
	dp_event(w, DP_EV_hop_unconfirmed);
}

uint32_t relay_isn(const struct dp_worker *w, const struct flow *f, enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct flow_addr6 *a6 = relay_addr6(w, f, dir);
	uint64_t ports = (uint64_t)side->key.peer_port << 16 | side->key.local_port;
	uint64_t a, b, c;

	if (a6) {
		uint64_t l0, l1;

		memcpy(&a, a6->peer, 8);
		memcpy(&b, a6->peer + 8, 8);
		memcpy(&l0, a6->local, 8);
		memcpy(&l1, a6->local + 8, 8);
		c = l0 ^ (l1 << 1 | l1 >> 63) ^ ports << 32; /* our own addresses are few and known */
	} else {
		a = (uint64_t)side->key.peer_ip << 32 | side->key.local_ip;
		b = ports;
		c = 0;
	}
	/* The clock of RFC 6528 ticks every 4 us; this one steps a millisecond at a time. */
	return (uint32_t)syncookie_siphash(&w->app->secrets->isn, a, b, c) +
	       (uint32_t)(w->now_ms * 250);
}

bool relay_send_syn(struct dp_worker *w, struct flow *f, enum flow_dir dir, uint16_t mss,
		    uint8_t wscale, bool sack, bool ts)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	uint8_t opts[40];
	unsigned int opt_len;
	struct rte_mbuf *m;

	side->ts_last = RTE_MAX(side->ts_last, relay_now(w));
	opt_len = tcp_opts_write_syn(opts, mss, wscale, sack, ts, side->ts_last, 0);
	m = tcp_out_header(w->app->pool, p, &side->key, relay_addr6(w, f, dir), &side->peer_mac,
			   RTE_TCP_SYN_FLAG, flow_side_seq_of(f, dir)->local_isn, 0, 65535, opts, opt_len);
	if (!m || tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	relay_send_side(w, f, dir, m);
	return true;
}

void relay_flow_expire(struct dp_worker *w, struct flow *f)
{
	switch ((enum flow_state)f->state) {
	case FLOW_HELLO:
		return relay_abort(w, f, true, false, DP_DROP_hello_timeout);
	case FLOW_CONNECTING: /* the member may hold it half open: reset there too */
		return relay_abort(w, f, true, true, DP_DROP_backend_timeout);
	case FLOW_BIND_SYN:
	case FLOW_BIND_WAIT:
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_timeout);
	case FLOW_SPLICED:
		if (f->c.fin_seen && f->b.fin_seen) { /* its last ACK never came (splice.c) */
			dp_event(w, DP_EV_flow_fin_expired);
			connlog_end(w, f, CONNLOG_END_FIN, DP_DROP_none);
		} else {
			dp_event(w, DP_EV_flow_idle_expired);
			connlog_end(w, f, CONNLOG_END_IDLE, DP_DROP_none);
		}
		return relay_abort(w, f, true, true, DP_DROP_none);
	default:
		dp_event(w, DP_EV_flow_closed); /* logged when it began to close (splice.c) */
		member_settle(w, f);
		turn_bind_done(w, f);
		flow_release(w->flows, f);
	}
}

void relay_reset_all(struct dp_worker *w)
{
	/* Every open connection ends here at once, far more records than the log's ring
	 * holds: they wait for the logging thread (2 s at most) rather than being lost; so do
	 * their resets for room in a port's queue, 2 s more, so a slow log cannot take the
	 * queues' time. */
	uint64_t log_deadline = rte_rdtsc() + 2 * rte_get_tsc_hz();

	connlog_stopping(w, log_deadline);
	w->tx_wait_until_tsc = log_deadline + 2 * rte_get_tsc_hz();
	for (uint32_t i = 0; i < flow_capacity(w->flows); i++) {
		struct flow *f = flow_at(w->flows, i);

		if (!f)
			continue;
		if (f->state == FLOW_CLOSING || f->state == FLOW_ANSWERED) {
			relay_flow_expire(w, f); /* closed already: nothing to tell */
			continue;
		}
		if (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS) {
			relay_abort(w, f, false, true, DP_DROP_none); /* a check has no client */
			continue;
		}
		relay_abort(w, f, true, true, DP_DROP_stopped);
	}
	dp_tx_flush(w);
	w->tx_wait_until_tsc = 0;
}

/* How many flows a full table's reclaim looks at: only slots marked as holding a closed
 * flow are walked, so the first one marked still so is usually it. */
#define RECLAIM_LOOK_MAX 256

struct flow *relay_flow_alloc(struct dp_worker *w, uint32_t life_ms)
{
	return flow_alloc(w->flows, relay_now(w) + life_ms);
}

struct flow *relay_flow_closed_soonest(struct dp_worker *w)
{
	/* A new connection is not refused for entries closed connections keep for their late
	 * segments (the relay's TIME-WAIT): it takes the one due soonest, as a host gives up
	 * TIME-WAIT state when its table of those is full. Those segments, should any come,
	 * are dropped as a stranger's are. */
	return flow_closing_soonest(w->flows, RECLAIM_LOOK_MAX);
}

struct flow *relay_flow_reclaim(struct dp_worker *w, struct flow *closed, uint32_t life_ms)
{
	dp_event(w, DP_EV_flow_reclaimed);
	relay_flow_expire(w, closed);
	return relay_flow_alloc(w, life_ms);
}

struct flow *relay_flow_take(struct dp_worker *w, uint32_t life_ms)
{
	struct flow *f = relay_flow_alloc(w, life_ms), *closed;

	/* A table full of closed flows would else keep checks from ever bringing a member
	 * back up, and TURN data connections from ever opening. */
	if (f || !(closed = relay_flow_closed_soonest(w)))
		return f;
	return relay_flow_reclaim(w, closed, life_ms);
}

void relay_reset_stale(struct dp_worker *w, const struct flow *f, enum flow_dir dir,
		       const struct relay_seg *s)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;

	tcp_out_rst_reply(w, &w->app->ports[side->port], &side->key, relay_addr6(w, f, dir),
			  &s->eth->src_addr, s->ack, 0, false);
}
