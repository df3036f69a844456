/* SPDX-License-Identifier: BSD-3-Clause */
/* Active side of the relay: the backend connection is opened from the appliance's own
 * address, the kept ClientHello bytes are replayed to it (zero-copy slices), and the
 * relay retransmits what it owns until the backend acknowledges it (relay_timers.c calls
 * in when a retransmission is due). */
#include <rte_ip.h>

#include "connlog.h"
#include "flow_limits.h"
#include "health.h"
#include "mbuf_slice.h"
#include "proxy_v2.h"
#include "proxy_v2_read.h"
#include "relay.h"
#include "relay_guard.h"
#include "relay_ports.h"
#include "relay_tcp.h"
#include "tcp_out.h"
#include "turn_bind_slot.h"

/* Relay-owned bytes: retransmitted from an RTO of three SYN-ACK round trips (RFC 6298's
 * first RTO from one sample), at least STREAM_RTO_MIN_MS, doubling, STREAM_RETRIES times.
 * Its first expiry counts against the member: it must not come before the member could
 * have answered. */
#define STREAM_RTO_MIN_MS 300u
#define STREAM_RTO_UNIT_MS 50u
#define STREAM_RETRIES 8u

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

bool relay_proxy_header_keep(struct dp_worker *w, struct flow *f, const uint8_t *hdr,
			     uint16_t len)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(w->app->pool);
	uint8_t *buf = h ? (uint8_t *)rte_pktmbuf_append(h, len) : NULL;

	if (!buf || !flow_stream_prepend(w->flows, f, h)) {
		rte_pktmbuf_free(h);
		return false;
	}
	memcpy(buf, hdr, len);
	f->proxy_len = len;
	return true;
}

/* f's PROXY v2 header kept in front of its bytes; to another network's gateway, a TLS
 * connection's carries the mark that its hello follows (the gateway routes by that, not
 * by the header's authority and port as for a plain service). */
static bool prepend_proxy_header(struct dp_worker *w, struct flow *f, const char *sni,
				 bool to_gateway)
{
	static const uint8_t hello = 1;
	uint8_t buf[PROXY_V2_MAX_LEN];
	size_t len = proxy_header(w, f, sni, buf);

	if (to_gateway && !f->plain)
		len = proxy_v2_add_tlv(buf, len, sizeof(buf), PROXY_V2_TYPE_HELLO_FOLLOWS, &hello, 1);
	return len && relay_proxy_header_keep(w, f, buf, (uint16_t)len);
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
	/* A header of ours is made anew for where the flow goes now: a gateway's is marked,
	 * a member's is not (a push may have turned the route meanwhile). Not a TURN peer's,
	 * whose peer may be gone by now (it only ever goes to members), nor the one another
	 * gateway sent. And none where the route wants none. */
	if (f->proxy_len && ((!f->via_turn && !f->c.gateway_header) || !proxy_v2)) {
		flow_stream_drop_head(w->flows, f);
		f->proxy_len = 0;
	}
	if (proxy_v2 && !f->proxy_len && !prepend_proxy_header(w, f, sni, !any_address))
		return relay_abort(w, f, true, false, DP_DROP_backend_unreachable);
	f->b_seq.local_isn = relay_isn(w, f, FLOW_DIR_BACKEND);
	f->b_snd_nxt = f->b_seq.local_isn + 1;
	f->state = FLOW_CONNECTING;
	/* Routed: its peer has served, unless another member may still take the flow, which
	 * is then chosen for the same peer and told of it (turn_bind_done). */
	if (f->via_turn && !relay_may_redispatch(w, f))
		turn_bind_forget(w, f);
	f->retries = 0;
	send_syn(w, f);
	flow_rtx_arm(w->flows, f, relay_now(w) + w->app->conf->relay.connect_timeout_ms);
	/* A backstop: the SYN timer normally ends a dead connect long before. */
	flow_expire_set(w->flows, f, relay_now(w) + relay_connect_backstop_ms(&w->app->conf->relay));
}

/* The kept stream sent to the member from offset from, and its retransmission timer
 * armed: the hello's timeout from the member's round trip, doubled with each retry. */
static void stream_send_timed(struct dp_worker *w, struct flow *f, uint32_t from)
{
	relay_send_stream(w, f, from);
	flow_rtx_arm(w->flows, f, relay_now(w) + ((f->stream_rto * STREAM_RTO_UNIT_MS) << f->retries));
}

/* Options both sides agreed on and the offsets that make one connection of the two. */
static void splice_setup(struct dp_worker *w, struct flow *f, const struct relay_seg *s)
{
	const struct tcp_opts *o = &s->opts;
	uint32_t connect_ms = w->app->conf->relay.connect_timeout_ms;
	/* The SYN answered went at the deadline less its timeout; after a retransmission
	 * the sample is ambiguous (Karn) and the connect timeout stands in for it. */
	uint32_t rtt = f->retries ? connect_ms : relay_now(w) - (f->rtx_ms - connect_ms);
	uint32_t rto = RTE_MIN(RTE_MAX(3 * rtt, STREAM_RTO_MIN_MS), 255 * STREAM_RTO_UNIT_MS);

	f->stream_rto = (uint8_t)((rto + STREAM_RTO_UNIT_MS - 1) / STREAM_RTO_UNIT_MS);
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
		/* The ACK that completes the backend's handshake echoes its SYN-ACK's TSval:
		 * a backend that answered with a SYN cookie reads its options back from it. */
		f->b.ts_recent = o->tsval;
		/* Each side must keep seeing timestamps that only grow (PAWS). */
		f->c.ts_last = RTE_MAX(f->c.ts_last, relay_now(w) + 32);
		f->ts_b2c = f->c.ts_last + 1 - o->tsval;
		f->ts_c2b = f->b.ts_last + 1 - f->c.ts_recent;
	}
	f->b_una = 0;
	relay_guard_start(f, rte_be_to_cpu_16(s->tcp->rx_win)); /* a SYN's window: unscaled */
}

/* The member f connected to refused it or did not answer: tell its health, and when the
 * connection may still try another (relay.redispatch) make f a hello again, the old
 * backend side forgotten (reset when it may have answered, or holds the connection open:
 * rst_member) and its PROXY header kept, to be routed after the member that failed: true
 * (whoever called in routes it, as relay.h says). false when it may not: the caller ends
 * the flow. */
static bool backend_failed(struct dp_worker *w, struct flow *f, enum health_event ev,
			   bool rst_member)
{
	uint32_t slot;

	if (f->member == FLOW_NO_MEMBER)
		return false;
	slot = relay_member_slot(w, f);
	f->member_owed = 0;
	health_report(w, slot, ev);
	if (!relay_may_redispatch(w, f))
		return false;
	if (rst_member && !rte_is_zero_ether_addr(&f->b.peer_mac)) {
		/* Spliced, the member's RCV.NXT is past what it acknowledged and at most what
		 * was sent: a RST at each end, so one is exact (RFC 5961 challenges the other).
		 * Still connecting, it can only be just past the SYN. */
		uint32_t at[2] = { f->b_snd_nxt, f->state == FLOW_SPLICED
						 ? f->b_seq.local_isn + 1 + f->b_una : f->b_snd_nxt };

		for (unsigned int k = 0; k < (at[1] != at[0] ? 2u : 1u); k++)
			tcp_out_rst_reply(w, &w->app->ports[f->b.port], &f->b.key,
					  relay_addr6(w, f, FLOW_DIR_BACKEND), &f->b.peer_mac,
					  at[k], 0, false);
	}
	flow_rtx_disarm(w->flows, f);
	flow_side_forget(w->flows, f, FLOW_DIR_BACKEND);
	/* A PROXY header stays: it names the client and our end of its connection, the same
	 * for every member, and for a connection over TURN the peer only its bind knew. */
	health_count_redispatch(w, slot);
	dp_event(w, ev == HEALTH_EV_REFUSED ? DP_EV_redispatch_refused
		    : ev == HEALTH_EV_TIMEOUT ? DP_EV_redispatch_timeout : DP_EV_redispatch_reset);
	f->dispatches++;
	f->state = FLOW_HELLO;
	f->hello_parse_at = 0; /* shares seq_b2c's place: the whole hello is parsed again */
	return true;
}

bool relay_may_redispatch(const struct dp_worker *w, const struct flow *f)
{
	uint32_t kept = (uint32_t)f->proxy_len + f->stream_len;

	return f->member != FLOW_NO_MEMBER && (f->stream || f->plain) && !f->gateway_plain &&
	       !f->sole_member &&
	       f->dispatches + 1u < w->app->conf->relay.redispatch &&
	       f->c_snd_nxt == f->c_seq.local_isn + 1 && /* nothing from it reached the client */
	       /* Connecting, or spliced with nothing sent past the kept bytes; never closing:
		* its client is gone or going. */
	       (f->state == FLOW_CONNECTING ||
		(f->state == FLOW_SPLICED && f->b_snd_nxt - (f->b_seq.local_isn + 1) <= kept));
}

bool relay_backend_reset(struct dp_worker *w, struct flow *f)
{
	return backend_failed(w, f, HEALTH_EV_RESET, false);
}

bool relay_backend_closed(struct dp_worker *w, struct flow *f)
{
	return backend_failed(w, f, HEALTH_EV_RESET, true);
}

bool relay_connect_refused(struct dp_worker *w, struct flow *f)
{
	if (backend_failed(w, f, HEALTH_EV_REFUSED, false))
		return true;
	relay_abort(w, f, true, false, DP_DROP_backend_refused);
	return false;
}

bool relay_connect_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	bool acks_syn = (s->flags & RTE_TCP_ACK_FLAG) && s->ack == f->b_seq.local_isn + 1;

	/* Everything here ends, opens or resets something (a SYN-ACK's options last for the
	 * whole splice): its checksum first, as everywhere else. */
	if (!relay_seg_checksum_ok(&w->app->ports[f->b.port], s)) {
		dp_drop(w, s->m, DP_DROP_tcp_checksum);
		return false;
	}
	if ((s->flags & RTE_TCP_RST_FLAG) && acks_syn) {
		rte_pktmbuf_free(s->m);
		if (backend_failed(w, f, HEALTH_EV_REFUSED, false))
			return true;
		relay_abort(w, f, true, false, DP_DROP_backend_refused);
		return false;
	}
	if ((s->flags & (RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_ACK_FLAG && !acks_syn) {
		/* The backend still holds an older connection on this 4-tuple (a relay restart,
		 * or its SYN-ACK for an earlier SYN): its ACK or SYN-ACK acknowledges no SYN of
		 * ours. Reset that one (RFC 9293 3.10.7.3) and ask again. */
		relay_reset_stale(w, f, FLOW_DIR_BACKEND, s);
		dp_drop(w, s->m, DP_DROP_backend_bad_ack);
		send_syn(w, f);
		return false;
	}
	if ((s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG || !acks_syn) {
		/* A RST for no SYN of ours, or a segment with neither SYN nor ACK. */
		dp_drop(w, s->m, DP_DROP_backend_bad_ack);
		return false;
	}
	splice_setup(w, f, s);
	rte_pktmbuf_free(s->m);
	if (f->member != FLOW_NO_MEMBER) {
		/* Counted now; a success once a byte of its reaches the client. */
		health_count_connection(w, relay_member_slot(w, f));
		f->member_owed = 1;
	}
	f->state = FLOW_SPLICED;
	connlog_spliced(w, f);
	flow_client_hello_done(w->flows, f);
	f->retries = 0;
	flow_expire_set(w->flows, f, relay_now(w) + w->app->conf->relay.idle_timeout_ms);
	dp_event(w, DP_EV_backend_established);
	stream_send_timed(w, f, 0); /* retries is 0: the first timeout */
	return false;
}

static struct rte_mbuf *stream_segment(struct dp_worker *w, struct flow *f, uint32_t off,
				       uint32_t len, bool last)
{
	const struct dp_port *p = &w->app->ports[f->b.port];
	uint8_t opts[12];
	unsigned int opt_len = 0;
	struct rte_mbuf *m, *payload;

	if (f->b.ts)
		opt_len = tcp_opts_write_ts(opts, f->b.ts_last, f->b.ts_recent);
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
	unsigned int opt_len = f->b.ts ? tcp_opts_write_ts(opts, f->b.ts_last, f->b.ts_recent) : 0;
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
	/* No further than the backend's window from what it acknowledged (RFC 9293 3.8.6):
	 * past it, bytes are dropped there and wait out a retransmission each. One segment
	 * at least, so that a closed window is probed by the retransmission timer. */
	uint32_t end = RTE_MIN(total, f->b_una + RTE_MAX(f->b.max_win, seg_max));

	if (!f->stream || from >= total)
		return ack_backend(w, f);
	for (uint32_t off = from; off < end;) {
		uint32_t len = RTE_MIN(seg_max, end - off);
		struct rte_mbuf *m = stream_segment(w, f, off, len, off + len == total);

		if (!m)
			return; /* out of mbufs: the retransmission timer tries again */
		dp_tx_port(w, p, m);
		off += len;
		if (seq_lt(f->b_snd_nxt, f->b_seq.local_isn + 1 + off))
			f->b_snd_nxt = f->b_seq.local_isn + 1 + off;
	}
}

void relay_resend_stream(struct dp_worker *w, struct flow *f)
{
	stream_send_timed(w, f, f->b_una);
}

bool relay_connect_rtx(struct dp_worker *w, struct flow *f)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	if (f->state == FLOW_CONNECTING) {
		/* A member that leaves one SYN unanswered while others may take the hello gets
		 * no second chance: its client would wait twice the time for it. Its health
		 * hears of it once. */
		if (f->retries == 0 && backend_failed(w, f, HEALTH_EV_TIMEOUT, true))
			return true;
		if (f->retries >= rc->syn_retries) {
			/* Reset too: a member whose SYN-ACKs were lost holds the connection
			 * half open (SYN-RECEIVED) for its own retries. */
			relay_abort(w, f, true, true, DP_DROP_backend_timeout);
			return false;
		}
		f->retries++;
		dp_event(w, DP_EV_syn_retransmit);
		send_syn(w, f);
		flow_rtx_arm(w->flows, f, relay_now(w) + (rc->connect_timeout_ms << f->retries));
		return false;
	}
	if (f->state != FLOW_SPLICED || !f->stream) {
		flow_rtx_disarm(w->flows, f);
		return false;
	}
	/* The hello acknowledged whole, and no answer to it in relay.answer_timeout_ms
	 * (splice.c's answer_wait): the member failed, and the next one takes the hello; or,
	 * when none may, its client goes on waiting for it. */
	if (f->b_una == (uint32_t)f->proxy_len + f->stream_len) {
		if (backend_failed(w, f, HEALTH_EV_TIMEOUT, true))
			return true;
		flow_rtx_disarm(w->flows, f);
		return false;
	}
	/* The hello unacknowledged after its first timeout: another member may take it. */
	if (f->retries == 0 && f->b_una == 0 && backend_failed(w, f, HEALTH_EV_TIMEOUT, true))
		return true;
	if (f->retries >= STREAM_RETRIES) {
		relay_abort(w, f, true, true, DP_DROP_backend_timeout);
		return false;
	}
	f->retries++;
	dp_event(w, DP_EV_stream_retransmit);
	relay_resend_stream(w, f);
	return false;
}
