/* SPDX-License-Identifier: BSD-3-Clause */
/* Active side of the relay: the backend connection is opened from the appliance's own
 * address, the kept ClientHello bytes are replayed to it (zero-copy slices), and the
 * relay retransmits what it owns until the backend acknowledges it. Timers live here. */
#include <rte_ip.h>

#include "connlog.h"
#include "flow_limits.h"
#include "health.h"
#include "health_check.h"
#include "mbuf_slice.h"
#include "nexthop.h"
#include "proxy_v2.h"
#include "relay.h"
#include "relay_guard.h"
#include "resolve.h"
#include "rss_steer.h"
#include "tcp_out.h"
#include "turn_bind.h"

/* Relay-owned bytes: retransmitted from this RTO on, doubling, this many times. */
#define STREAM_RTO_MS 300u
#define STREAM_RETRIES 8u
#define RELAY_RECLAIM_SLICE 4096u /* entries visited when an allocation finds the table full */

/* Whether side dir of f, with the local port in its key, names a connection in use. */
static bool side_in_use(const struct dp_worker *w, const struct flow *f, enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;

	if (side->v6) {
		struct flow_key6 k6 = flow_side_key6(w->flows, f, dir);

		return flow_key6_exists(w->flows, &k6);
	}
	return flow_key_exists(w->flows, &side->key);
}

/* The side of a flow a source port is being picked for (rss_steer's is_free). */
struct port_pick {
	const struct dp_worker *w;
	struct flow *f;
	enum flow_dir dir;
};

static bool port_pick_free(void *ctx, uint16_t port)
{
	struct port_pick *pp = ctx;
	struct flow_side *side = pp->dir == FLOW_DIR_CLIENT ? &pp->f->c : &pp->f->b;

	side->key.local_port = rte_cpu_to_be_16(port);
	return !side_in_use(pp->w, pp->f, pp->dir);
}

/* A source port, on a port whose RSS rss_steer aims, that brings the segments coming
 * back to this worker's queues, and such that the side's 4-tuple is free. */
static bool pick_rss_port(struct dp_worker *w, struct flow *f, enum flow_dir dir)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	const struct flow_addr6 *a6 = relay_addr6(w, f, dir);
	struct rss_steer_conn conn = {
		.v6 = a6 != NULL,
		.peer = a6 ? a6->peer : (const uint8_t *)&side->key.peer_ip,
		.local = a6 ? a6->local : (const uint8_t *)&side->key.local_ip,
		.peer_port = side->key.peer_port,
	};
	struct port_pick pp = { .w = w, .f = f, .dir = dir };
	uint16_t port;

	return rss_steer_pick(p->rss_steer, p, w->index, &w->src_port_next, &conn,
			      w->app->src_port_first, w->app->src_port_last, port_pick_free, &pp,
			      &port);
}

/* A source port such that the side's 4-tuple is free, its local address as it is: one
 * RSS brings home where rss_steer aims the port's RSS, else one of this worker's share.
 * Shares are interleaved (port % workers == worker index) so rte_flow rules or dispatch
 * can steer by them. */
static bool pick_port(struct dp_worker *w, struct flow *f, enum flow_dir dir)
{
	const struct dp_appliance *app = w->app;
	uint32_t span = (uint32_t)app->src_port_last - app->src_port_first + 1;
	uint32_t mine = (span + app->n_workers - 1 - w->index) / app->n_workers;
	struct flow_key *k = dir == FLOW_DIR_CLIENT ? &f->c.key : &f->b.key;
	uint8_t port_index = dir == FLOW_DIR_CLIENT ? f->c.port : f->b.port;

	if (app->ports[port_index].rss_steer)
		return pick_rss_port(w, f, dir);
	for (uint32_t tries = 0; tries < 64 && mine > 0; tries++) {
		uint32_t slot = w->src_port_next++ % mine;
		uint32_t port = app->src_port_first + w->index + slot * app->n_workers;

		k->local_port = rte_cpu_to_be_16((uint16_t)port);
		if (!side_in_use(w, f, dir))
			return true;
	}
	return false;
}

/* pick_port, counting a refusal: that address has no free port towards the peer. */
static bool pick_port_counted(struct dp_worker *w, struct flow *f, enum flow_dir dir)
{
	if (pick_port(w, f, dir))
		return true;
	dp_event(w, DP_EV_source_addr_full);
	return false;
}

bool relay_pick_source_port(struct dp_worker *w, struct flow *f, enum flow_dir dir,
			    bool any_address)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	uint32_t n = p->n_src_ipv4, first;

	if (!any_address || side->v6 || n < 2 || side->key.local_ip != rte_cpu_to_be_32(p->ipv4))
		return pick_port_counted(w, f, dir);
	/* Each connection starts at the next address, so that all of them fill alike and a
	 * pick seldom meets a full one first. */
	first = w->src_addr_next++ % n;
	for (uint32_t i = 0; i < n; i++) {
		side->key.local_ip = rte_cpu_to_be_32(p->src_ipv4[(first + i) % n]);
		if (pick_port_counted(w, f, dir))
			return true;
	}
	side->key.local_ip = rte_cpu_to_be_32(p->ipv4);
	return false;
}

void relay_send_side(struct dp_worker *w, struct flow *f, enum flow_dir dir, struct rte_mbuf *m)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	const struct flow_addr6 *a6 = relay_addr6(w, f, dir);
	struct neigh_addr hop;
	struct rte_ether_addr mac;

	if (!rte_is_zero_ether_addr(&side->peer_mac)) {
		dp_tx_port(w, p, m);
		return;
	}
	if (a6) {
		memcpy(hop.b, a6->peer, 16);
		/* Routed when the side was set up: this only finds the next hop, in place. */
		nexthop_v6(w->app, &hop, &hop);
	} else {
		uint32_t nexthop = rte_be_to_cpu_32(side->key.peer_ip);

		nexthop_v4(w->app, nexthop, &nexthop);
		hop = neigh_addr_v4(nexthop);
	}
	if (resolve_send(w, p, &hop, m, &mac))
		side->peer_mac = mac;
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

/* The backend SYN offers what the client has, so options translate one to one. */
static void send_syn(struct dp_worker *w, struct flow *f)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	uint16_t mss = (uint16_t)RTE_MIN(f->c.peer_mss, p->caps.mtu - relay_l3l4_len(f->b.v6));

	if (relay_send_syn(w, f, FLOW_DIR_BACKEND, mss,
			   f->c.local_wscale ? RELAY_WSCALE : TCP_WSCALE_NONE, f->c.sack, f->c.ts))
		dp_event(w, DP_EV_backend_syn);
}

/* The PROXY v2 header of f for authority sni into buf: the client and the address it
 * reached; for a connection that came over TURN, the peer its ConnectionAttempt named and
 * our end of the data connection (in the peer's family: an IPv4 end is mapped into IPv6
 * for an IPv6 peer). Its length. */
static size_t proxy_header(struct dp_worker *w, const struct flow *f, const char *sni,
			   uint8_t *buf)
{
	const struct flow_addr6 *a6 = relay_addr6(w, f, FLOW_DIR_CLIENT);
	struct ip_addr peer;
	uint16_t port;

	if (turn_bind_peer(w, f, &peer, &port)) {
		uint8_t ours[16] = { [10] = 0xff, [11] = 0xff };
		uint32_t v4;

		if (peer.family == IP_ADDR_FAMILY_V4) {
			memcpy(&v4, peer.bytes, 4);
			return proxy_v2_build(buf, PROXY_V2_MAX_LEN, v4, port, f->c.key.local_ip,
					      f->c.key.local_port, sni);
		}
		memcpy(ours + 12, &f->c.key.local_ip, 4);
		return proxy_v2_build6(buf, PROXY_V2_MAX_LEN, peer.bytes, port, ours,
				       f->c.key.local_port, sni);
	}
	if (a6)
		return proxy_v2_build6(buf, PROXY_V2_MAX_LEN, a6->peer, f->c.key.peer_port,
				       a6->local, f->c.key.local_port, sni);
	return proxy_v2_build(buf, PROXY_V2_MAX_LEN, f->c.key.peer_ip, f->c.key.peer_port,
			      f->c.key.local_ip, f->c.key.local_port, sni);
}

static bool prepend_proxy_header(struct dp_worker *w, struct flow *f, const char *sni)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(w->app->pool);
	uint8_t *buf = h ? (uint8_t *)rte_pktmbuf_append(h, PROXY_V2_MAX_LEN) : NULL;
	size_t len;

	if (!buf) {
		rte_pktmbuf_free(h);
		return false;
	}
	len = proxy_header(w, f, sni, buf);
	rte_pktmbuf_trim(h, (uint16_t)(PROXY_V2_MAX_LEN - len));
	if (!flow_stream_prepend(w->flows, f, h)) {
		rte_pktmbuf_free(h);
		return false;
	}
	f->proxy_len = (uint16_t)len;
	return true;
}

bool relay_backend_side_set(struct dp_worker *w, struct flow *f, const struct ip_addr *addr)
{
	int out;

	if (addr->family == IP_ADDR_FAMILY_V6) {
		struct neigh_addr dst, hop;

		memcpy(dst.b, addr->bytes, 16);
		out = nexthop_v6(w->app, &dst, &hop);
		if (out < 0)
			return false;
		flow_side_set_v6(w->flows, f, FLOW_DIR_BACKEND, addr->bytes, w->app->ports[out].ipv6);
	} else {
		uint32_t ip, nexthop;

		memcpy(&ip, addr->bytes, 4);
		out = nexthop_v4(w->app, rte_be_to_cpu_32(ip), &nexthop);
		if (out < 0)
			return false;
		f->b.key.peer_ip = ip;
		f->b.key.local_ip = rte_cpu_to_be_32(w->app->ports[out].ipv4);
	}
	f->b.port = (uint8_t)out;
	return true;
}

void relay_connect(struct dp_worker *w, struct flow *f, const struct ip_addr *addr,
		   uint16_t port, bool proxy_v2, const char *sni, bool any_address)
{
	if (!relay_backend_side_set(w, f, addr))
		return relay_abort(w, f, true, false, DP_DROP_backend_unreachable);
	f->b.key.peer_port = port;
	if (!relay_pick_source_port(w, f, FLOW_DIR_BACKEND, any_address) ||
	    flow_key_add(w->flows, f, FLOW_DIR_BACKEND) < 0) {
		f->b.key.peer_port = 0; /* nothing to reset on that side */
		return relay_abort(w, f, true, false, DP_DROP_backend_unreachable);
	}
	if (proxy_v2 && !prepend_proxy_header(w, f, sni))
		return relay_abort(w, f, true, false, DP_DROP_backend_unreachable);
	if (f->via_turn)
		turn_bind_forget(w, f); /* routed: its peer has served */
	f->b_seq.local_isn = relay_isn(w, f, FLOW_DIR_BACKEND);
	f->b_snd_nxt = f->b_seq.local_isn + 1;
	f->state = FLOW_CONNECTING;
	f->retries = 0;
	send_syn(w, f);
	flow_rtx_arm(w->flows, f, relay_now(w) + w->app->conf->relay.connect_timeout_ms);
	/* A backstop: the SYN timer normally ends a dead connect long before. */
	f->expire_ms = relay_now(w) + w->app->conf->relay.hello_timeout_ms +
		       (w->app->conf->relay.connect_timeout_ms << (w->app->conf->relay.syn_retries + 1));
}

/* Options both sides agreed on and the offsets that make one connection of the two. */
static void splice_setup(struct dp_worker *w, struct flow *f, const struct relay_seg *s)
{
	const struct tcp_opts *o = &s->opts;

	f->b_seq.peer_isn = s->seq;
	f->b.peer_mss = relay_peer_mss(w, o->mss, f->b.v6);
	f->b.peer_mac = s->eth->src_addr;
	if (f->c.local_wscale && o->wscale != TCP_WSCALE_NONE) {
		f->b.peer_wscale = o->wscale;
		f->b.local_wscale = RELAY_WSCALE;
	}
	f->b.sack = f->c.sack && o->sack_perm;
	f->b.ts = f->c.ts && o->has_ts;
	f->seq_c2b = (f->b_seq.local_isn + 1 + f->proxy_len) - (f->c_seq.peer_isn + 1);
	f->seq_b2c = (f->c_seq.local_isn + 1) - (f->b_seq.peer_isn + 1);
	if (f->b.ts) {
		/* Each side must keep seeing timestamps that only grow (PAWS). */
		f->c.ts_last = RTE_MAX(f->c.ts_last, relay_now(w) + 32);
		f->ts_b2c = f->c.ts_last + 1 - o->tsval;
		f->ts_c2b = f->b.ts_last + 1 - f->c.ts_recent;
	}
	f->b_una = 0;
	relay_guard_start(f, rte_be_to_cpu_16(s->tcp->rx_win)); /* a SYN's window: unscaled */
}

/* The member f connected to refused it or did not answer: tell its health, and send the
 * kept hello to the next member in the client's order when the connection may still try
 * one (relay.redispatch), the old backend side forgotten (reset when it may have answered)
 * and the PROXY header built afresh. false when it may not: the caller ends the flow. */
static bool backend_failed(struct dp_worker *w, struct flow *f, enum health_event ev)
{
	if (f->member == FLOW_NO_MEMBER)
		return false;
	health_report(w, f->member, ev);
	if (!relay_may_redispatch(w, f))
		return false;
	if (ev == HEALTH_EV_TIMEOUT)
		tcp_out_rst_reply(w, &w->app->ports[f->b.port], &f->b.key,
				  relay_addr6(w, f, FLOW_DIR_BACKEND), &f->b.peer_mac,
				  f->b_snd_nxt, 0, false);
	flow_rtx_disarm(w->flows, f);
	flow_side_forget(w->flows, f, FLOW_DIR_BACKEND);
	if (f->proxy_len)
		flow_stream_drop_head(w->flows, f);
	f->proxy_len = 0;
	health_count_redispatch(w, f->member);
	dp_event(w, ev == HEALTH_EV_REFUSED ? DP_EV_redispatch_refused
		    : ev == HEALTH_EV_TIMEOUT ? DP_EV_redispatch_timeout : DP_EV_redispatch_reset);
	f->dispatches++;
	f->state = FLOW_HELLO;
	relay_hello_classify(w, f); /* routes again, after the member that failed */
	return true;
}

bool relay_may_redispatch(const struct dp_worker *w, const struct flow *f)
{
	uint32_t kept = (uint32_t)f->proxy_len + f->stream_len;

	return f->member != FLOW_NO_MEMBER && (f->stream || f->plain) && !f->gateway_plain &&
	       !f->sole_member &&
	       f->dispatches + 1u < w->app->conf->relay.redispatch &&
	       f->c_snd_nxt == f->c_seq.local_isn + 1 && /* nothing from it reached the client */
	       (f->state != FLOW_SPLICED || f->b_snd_nxt - (f->b_seq.local_isn + 1) <= kept);
}

bool relay_backend_reset(struct dp_worker *w, struct flow *f)
{
	return backend_failed(w, f, HEALTH_EV_RESET);
}

void relay_connect_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	bool acks_syn = (s->flags & RTE_TCP_ACK_FLAG) && s->ack == f->b_seq.local_isn + 1;

	if ((s->flags & RTE_TCP_RST_FLAG) && acks_syn) {
		rte_pktmbuf_free(s->m);
		if (backend_failed(w, f, HEALTH_EV_REFUSED))
			return;
		return relay_abort(w, f, true, false, DP_DROP_backend_refused);
	}
	if ((s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)) ==
	    RTE_TCP_ACK_FLAG && !acks_syn) {
		/* The backend still holds an older connection on this 4-tuple (a relay restart)
		 * and answers with its ACK: reset that one (RFC 793) and ask again. */
		tcp_out_rst_reply(w, &w->app->ports[f->b.port], &f->b.key,
				  relay_addr6(w, f, FLOW_DIR_BACKEND), &s->eth->src_addr, s->ack, 0,
				  false);
		rte_pktmbuf_free(s->m);
		return send_syn(w, f);
	}
	if ((s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG || !acks_syn)
		return rte_pktmbuf_free(s->m);
	splice_setup(w, f, s);
	rte_pktmbuf_free(s->m);
	if (f->member != FLOW_NO_MEMBER)
		health_report(w, f->member, HEALTH_EV_CONNECTED);
	f->state = FLOW_SPLICED;
	connlog_spliced(w, f);
	flow_client_hello_done(w->flows, f);
	f->retries = 0;
	f->expire_ms = relay_now(w) + w->app->conf->relay.idle_timeout_ms;
	dp_event(w, DP_EV_backend_established);
	relay_send_stream(w, f, 0);
	flow_rtx_arm(w->flows, f, relay_now(w) + STREAM_RTO_MS);
}

static struct rte_mbuf *stream_segment(struct dp_worker *w, struct flow *f, uint32_t off,
				       uint32_t len, bool last)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	uint8_t opts[12];
	unsigned int opt_len = 0;
	struct rte_mbuf *m, *payload;

	if (f->b.ts)
		opt_len = tcp_opts_write_ts(opts, f->b.ts_last, 0);
	m = tcp_out_header(w->app->pool, p, &f->b.key, relay_addr6(w, f, FLOW_DIR_BACKEND),
			   &f->b.peer_mac, RTE_TCP_ACK_FLAG | (last ? RTE_TCP_PSH_FLAG : 0),
			   f->b_seq.local_isn + 1 + off, f->b_seq.peer_isn + 1,
			   relay_window(f, FLOW_DIR_BACKEND), opts, opt_len);
	payload = m ? mbuf_slice(w->app->pool, f->stream, off, len) : NULL;
	if (!payload || rte_pktmbuf_chain(m, payload) != 0) {
		rte_pktmbuf_free(payload);
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (!p->caps.tx_multi_seg)
		dp_event(w, DP_EV_tx_linearized);
	if (tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* A bare ACK of the backend's SYN, for when no kept bytes are left to carry it. */
static void ack_backend(struct dp_worker *w, struct flow *f)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	uint8_t opts[12];
	unsigned int opt_len = f->b.ts ? tcp_opts_write_ts(opts, f->b.ts_last, 0) : 0;
	struct rte_mbuf *m = tcp_out_header(w->app->pool, p, &f->b.key,
					    relay_addr6(w, f, FLOW_DIR_BACKEND), &f->b.peer_mac,
					    RTE_TCP_ACK_FLAG, f->b_snd_nxt, f->b_seq.peer_isn + 1,
					    relay_window(f, FLOW_DIR_BACKEND), opts, opt_len);

	if (!m || tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_tx_port(w, p, m);
}

void relay_send_stream(struct dp_worker *w, struct flow *f, uint32_t from)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	uint32_t total = f->proxy_len + f->stream_len;
	uint32_t seg_max = relay_seg_room(&f->b, p, f->b.ts ? 12 : 0);

	if (!f->stream || from >= total)
		return ack_backend(w, f);
	for (uint32_t off = from; off < total;) {
		uint32_t len = RTE_MIN(seg_max, total - off);
		struct rte_mbuf *m = stream_segment(w, f, off, len, off + len == total);

		if (!m)
			return; /* out of mbufs: the retransmission timer tries again */
		dp_tx_port(w, p, m);
		off += len;
		if (seq_lt(f->b_snd_nxt, f->b_seq.local_isn + 1 + off))
			f->b_snd_nxt = f->b_seq.local_isn + 1 + off;
	}
}

static void rtx_fire(void *ctx, struct flow *f)
{
	struct dp_worker *w = ctx;
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	if (f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT)
		return turn_bind_rtx(w, f);
	if (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS)
		return health_check_timeout(w, f);
	if (f->state == FLOW_CONNECTING) {
		/* A member that leaves one SYN unanswered while others may take the hello gets
		 * no second chance: its client would wait twice the time for it. Its health
		 * hears of it once. */
		if (f->retries == 0 && backend_failed(w, f, HEALTH_EV_TIMEOUT))
			return;
		if (f->retries >= rc->syn_retries)
			return relay_abort(w, f, true, false, DP_DROP_backend_timeout);
		f->retries++;
		dp_event(w, DP_EV_syn_retransmit);
		send_syn(w, f);
		flow_rtx_arm(w->flows, f, relay_now(w) + (rc->connect_timeout_ms << f->retries));
		return;
	}
	if (f->state != FLOW_SPLICED || !f->stream) {
		flow_rtx_disarm(w->flows, f);
		return;
	}
	/* The hello unacknowledged after its first timeout: another member may take it. */
	if (f->retries == 0 && f->b_una == 0 && backend_failed(w, f, HEALTH_EV_TIMEOUT))
		return;
	if (f->retries >= STREAM_RETRIES)
		return relay_abort(w, f, true, true, DP_DROP_backend_timeout);
	f->retries++;
	dp_event(w, DP_EV_stream_retransmit);
	relay_send_stream(w, f, f->b_una);
	flow_rtx_arm(w->flows, f, relay_now(w) + (STREAM_RTO_MS << f->retries));
}

static void expire_fire(void *ctx, struct flow *f)
{
	struct dp_worker *w = ctx;

	switch ((enum flow_state)f->state) {
	case FLOW_HELLO:
		return relay_abort(w, f, true, false, DP_DROP_hello_timeout);
	case FLOW_CONNECTING:
		return relay_abort(w, f, true, false, DP_DROP_backend_timeout);
	case FLOW_BIND_SYN:
	case FLOW_BIND_WAIT:
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_timeout);
	case FLOW_CHECK:
	case FLOW_CHECK_TLS:
		return health_check_timeout(w, f);
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
		flow_release(w->flows, f);
	}
}

void relay_timers(struct dp_worker *w)
{
	health_check_run(w);
	/* Timers count whole milliseconds: the list is walked once per tick, not per loop. */
	if (w->now_ms != w->rtx_ms) {
		w->rtx_ms = w->now_ms;
		flow_rtx_run(w->flows, relay_now(w), rtx_fire, w);
	}
	flow_closing_run(w->flows, relay_now(w), expire_fire, w);
	if (w->now_ms >= w->next_sweep_ms) {
		/* The whole table once a second, in slices sized by the time since the last one,
		 * so a worker held up for a while still reaches every expired flow. */
		uint64_t elapsed = w->now_ms - (w->next_sweep_ms - 10);
		uint64_t budget = (uint64_t)flow_capacity(w->flows) * elapsed / 1000 + 1;

		flow_sweep(w->flows, relay_now(w), (uint32_t)RTE_MIN(budget, flow_capacity(w->flows)),
			   expire_fire, w);
		w->next_sweep_ms = w->now_ms + 10;
	}
}

struct flow *relay_flow_alloc(struct dp_worker *w)
{
	struct flow *f = flow_alloc(w->flows, relay_now(w));

	/* Closed flows leave at their time (flow_closing_run), but those the queue could not
	 * take wait for the sweep: a full table first reclaims expired ones. */
	if (!f && w->now_ms != w->reclaim_ms) {
		w->reclaim_ms = w->now_ms;
		flow_sweep(w->flows, relay_now(w), RELAY_RECLAIM_SLICE, expire_fire, w);
		f = flow_alloc(w->flows, relay_now(w));
	}
	return f;
}
