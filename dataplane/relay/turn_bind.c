/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_bind.h"

#include <stdlib.h>
#include <string.h>

#include "connlog.h"
#include "relay_ports.h"
#include "relay_tcp.h"
#include "stun_msg.h"
#include "tcp_out.h"

#define BIND_RTO_MS 300u
#define BIND_RETRIES 6u

/* The data connection's SYN: ours to open, with every option. A retry's connection marks
 * "SYN not sent yet" with its client side's FIN flag (bind_refused): whichever path sends
 * the first SYN ends the mark, or the flow would reach the splice as if the peer had
 * closed. */
static void send_syn(struct dp_worker *w, struct flow *f)
{
	const struct dp_port *p = &w->app->ports[f->c.port];

	f->c.fin_seen = 0;
	relay_send_syn(w, f, FLOW_DIR_CLIENT,
		       (uint16_t)RTE_MIN(w->app->conf->relay.mss, p->caps.mtu - relay_l3l4_len(false)),
		       RELAY_WSCALE, true, true);
}

/* The ConnectionBind, as data on the connection (ours, so a copy is fine: it is tiny). */
static void send_bind(struct dp_worker *w, struct flow *f, const struct turn_bind_slot *b)
{
	const struct dp_port *p = &w->app->ports[f->c.port];
	uint8_t opts[12];
	unsigned int opt_len = f->c.ts ? tcp_opts_write_ts(opts, f->c.ts_last, f->c.ts_recent) : 0;
	struct rte_mbuf *m = tcp_out_header(w->app->pool, p, &f->c.key, NULL, &f->c.peer_mac,
					    RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, f->c_seq.local_isn + 1,
					    f->c_rcv_nxt, relay_window(f, FLOW_DIR_CLIENT), opts,
					    opt_len);
	char *data = m ? rte_pktmbuf_append(m, b->req.len) : NULL;

	if (data)
		memcpy(data, b->req.msg, b->req.len);
	if (!data || tcp_out_finish(m, p) < 0) { /* the timer sends it again */
		rte_pktmbuf_free(m);
		return;
	}
	relay_send_side(w, f, FLOW_DIR_CLIENT, m);
}

/* Open the connection: a flow whose client side is ours to start. */
static int bind_open(struct dp_worker *w, const struct turn_bind_slot *b, struct flow **out)
{
	int port = -1;
	struct flow *f;

	for (unsigned int i = 0; i < w->app->n_ports; i++)
		if (rte_cpu_to_be_32(w->app->ports[i].ipv4) == b->req.source)
			port = (int)i;
	f = port >= 0 ? relay_flow_take(w, relay_connect_backstop_ms(&w->app->conf->relay))
		      : NULL;
	if (!f)
		return -1;
	f->c.port = (uint8_t)port;
	f->c.key.peer_ip = b->req.server;
	f->c.key.peer_port = b->req.server_port;
	f->c.key.local_ip = b->req.source;
	if (!relay_pick_source_port(w, f, FLOW_DIR_CLIENT, false) ||
	    flow_key_add(w->flows, f, FLOW_DIR_CLIENT) < 0) {
		flow_release(w->flows, f);
		return -1;
	}
	f->c_seq.local_isn = relay_isn(w, f, FLOW_DIR_CLIENT);
	f->via_turn = 1;
	f->c_snd_nxt = f->c_seq.local_isn + 1;
	f->state = FLOW_BIND_SYN;
	f->retries = 0;
	*out = f;
	return 0;
}

void turn_bind_start(struct dp_worker *w, void *arg)
{
	struct turn_bind_req *req = arg;
	struct turn_bind_slot *b = NULL;
	struct flow *f;

	req->result = -1;
	b = turn_bind_slot_take(w);
	if (!b)
		return;
	b->req = req->bind;
	if (bind_open(w, b, &f) < 0)
		return;
	b->used = true;
	b->acked = false;
	b->attempts = 1;
	b->flow_index = f->index;
	b->flow_isn = f->c_seq.local_isn;
	dp_event(w, DP_EV_turn_bind_start);
	send_syn(w, f);
	flow_rtx_arm(w->flows, f, relay_now(w) + w->app->conf->relay.connect_timeout_ms);
	req->result = 0;
}

/* A TURN server may refuse a bind that comes right after the attempt (its id not yet
 * known where the bind lands): drop this connection, open another a little later. The
 * SYN goes out when the flow's timer fires. */
static void bind_refused(struct dp_worker *w, struct flow *f, struct turn_bind_slot *b, bool rst)
{
	struct flow *again;

	if (b->attempts >= TURN_BIND_ATTEMPTS)
		return relay_abort(w, f, rst, false, DP_DROP_turn_bind_refused);
	b->used = false; /* keep the slot's content: it is taken again at once below */
	relay_abort(w, f, rst, false, DP_DROP_none);
	if (bind_open(w, b, &again) < 0)
		return dp_count(&w->counters.drops[DP_DROP_turn_bind_refused], 1);
	b->used = true;
	b->acked = false;
	b->flow_index = again->index;
	b->flow_isn = again->c_seq.local_isn;
	again->retries = 0;
	flow_rtx_arm(w->flows, again, relay_now(w) + (TURN_BIND_RETRY_MS << b->attempts++));
	again->state = FLOW_BIND_SYN;
	again->c.fin_seen = 1; /* marks "SYN not sent yet" until the timer fires */
}

/* The server's SYN-ACK: what it agreed to, then the ConnectionBind. */
static void bind_established(struct dp_worker *w, struct flow *f, struct relay_seg *s,
			     const struct turn_bind_slot *b)
{
	const struct tcp_opts *o = &s->opts;

	f->c_seq.peer_isn = s->seq;
	f->c.peer_mss = relay_peer_mss(w, o->mss, false);
	f->c.peer_mac = s->eth->src_addr;
	if (o->wscale != TCP_WSCALE_NONE) {
		f->c.peer_wscale = o->wscale;
		f->c.local_wscale = RELAY_WSCALE;
	}
	f->c.sack = o->sack_perm;
	f->c.ts = o->has_ts;
	f->c.ts_recent = o->tsval;
	f->c_rcv_nxt = s->seq + 1;
	f->c_win = rte_be_to_cpu_16(s->tcp->rx_win); /* a SYN's window is never scaled */
	f->c_snd_nxt = f->c_seq.local_isn + 1 + b->req.len;
	f->state = FLOW_BIND_WAIT;
	f->retries = 0;
	/* The ConnectionBind exchange has its own time, whatever the SYN's retries took: a
	 * backstop behind its retransmissions. */
	flow_expire_set(w->flows, f, relay_now(w) + (BIND_RTO_MS << (BIND_RETRIES + 1)));
	send_bind(w, f, b);
	flow_rtx_arm(w->flows, f, relay_now(w) + BIND_RTO_MS);
}

/* The answer is in: on success the stream after it is a client's, from its first byte. */
static void bind_answered(struct dp_worker *w, struct flow *f, struct turn_bind_slot *b)
{
	uint8_t buf[TURN_BIND_ANSWER_MAX];
	const uint8_t *hdr = rte_pktmbuf_read(f->stream, 0, STUN_HDR_LEN, buf);
	long len = hdr ? stun_frame_length(hdr, STUN_HDR_LEN) : -1;
	const uint8_t *all;
	struct stun_msg m;

	if (len < 0 || len > TURN_BIND_ANSWER_MAX)
		return bind_refused(w, f, b, true);
	if (f->stream_len < (uint32_t)len)
		return; /* more to come */
	all = rte_pktmbuf_read(f->stream, 0, (uint32_t)len, buf);
	if (!all || stun_decode(all, (size_t)len, &m, NULL) < 0 ||
	    m.method != TURN_CONNECTION_BIND || memcmp(m.tid, b->req.tid, sizeof(b->req.tid)) != 0)
		return bind_refused(w, f, b, true);
	/* The server's error answer to this very request: the same bytes again would get the
	 * same (a stale nonce, 438: the control connection renews it), and the server has
	 * let the connection id go with its answer. Counted, not tried again. */
	if (m.cls != STUN_SUCCESS) {
		if (m.error_code == 438)
			dp_event(w, DP_EV_turn_bind_stale_nonce);
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_refused);
	}
	/* Shutting down: reset the bound connection, so that the TURN server closes its
	 * peer's at once (as a client's SYN gets a RST) and the peer goes elsewhere; left
	 * unbound, the peer would wait out the server's 30 s. */
	if (w->app->draining)
		return relay_abort(w, f, true, false, DP_DROP_draining);
	/* Both directions now start after the bind's bytes: shift them out of sight. */
	if (!relay_stream_skip(w, f, (uint32_t)len))
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_refused);
	f->c_seq.local_isn += b->req.len;
	turn_bind_keep_peer(w, b, f); /* until the flow is routed for good; the slot is free */
	f->state = FLOW_HELLO;
	flow_rtx_disarm(w->flows, f);
	flow_expire_set(w->flows, f, relay_now(w) + w->app->conf->relay.hello_timeout_ms);
	dp_event(w, DP_EV_turn_bind_done);
	connlog_begin(w, f, 0); /* arrived over TURN: no listener */
	if (f->stream_len) {
		/* The segment that brought the peer's first bytes was counted before the
		 * record began: it is the record's first packet. */
		connlog_packet(w, f, FLOW_DIR_CLIENT);
		/* The peer's first bytes came with the answer: kept as any hello's, evictable
		 * in its order until the hello is whole (hello_keep queues only a FLOW_HELLO). */
		flow_hello_queue(w->flows, f);
		relay_hello_classify(w, f);
	}
}

/* The TURN server's answer to the data connection's SYN, as relay_connect_input takes a
 * backend's: its checksum first (a SYN-ACK's options last for the whole splice, a RST
 * ends the bind); an ACK or SYN-ACK of something else is an older connection the server
 * still holds on this 4-tuple (a restart of ours), reset so that the SYN sent again is
 * answered; what acknowledges nothing of ours otherwise is counted as dropped. Consumes s. */
static void bind_syn_sent(struct dp_worker *w, struct flow *f, struct relay_seg *s,
			  struct turn_bind_slot *b)
{
	uint8_t fl = s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG);
	bool acks_syn = (fl & RTE_TCP_ACK_FLAG) && s->ack == f->c_seq.local_isn + 1;

	if (!relay_seg_checksum_ok(&w->app->ports[f->c.port], s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (fl == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) && acks_syn) {
		bind_established(w, f, s, b);
	} else if ((fl & RTE_TCP_RST_FLAG) && acks_syn) {
		turn_bind_syn_refused(w, f);
	} else if ((fl & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_ACK_FLAG && !acks_syn) {
		relay_reset_stale(w, f, FLOW_DIR_CLIENT, s);
		send_syn(w, f);
		return dp_drop(w, s->m, DP_DROP_backend_bad_ack);
	} else {
		return dp_drop(w, s->m, DP_DROP_backend_bad_ack);
	}
	rte_pktmbuf_free(s->m);
}

/* Whether s starts exactly at the TURN server's next byte and its checksum holds: only
 * such a RST or FIN of the server ends the bind (RFC 5961). */
static bool server_exact(struct dp_worker *w, const struct flow *f, const struct relay_seg *s)
{
	return s->seq == f->c_rcv_nxt && relay_seg_checksum_ok(&w->app->ports[f->c.port], s);
}

void turn_bind_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	struct turn_bind_slot *b = turn_bind_slot_of(w, f);

	if (!b) {
		rte_pktmbuf_free(s->m);
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_refused);
	}
	if (f->state == FLOW_BIND_SYN)
		return bind_syn_sent(w, f, s, b);
	if ((s->flags & RTE_TCP_RST_FLAG) && server_exact(w, f, s)) {
		/* Refused after the bind: try another connection. Any other RST is the hello
		 * input's to challenge or drop (RFC 5961). */
		rte_pktmbuf_free(s->m);
		return bind_refused(w, f, b, false);
	}
	/* Closed by the server before any answer: a refusal of the bind, not a client's
	 * abort (no peer was ever behind it), counted as such. */
	if (f->state == FLOW_BIND_WAIT && (s->flags & RTE_TCP_FIN_FLAG) && !s->payload_len &&
	    !f->stream_len && server_exact(w, f, s)) {
		rte_pktmbuf_free(s->m);
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_refused);
	}
	/* All of the bind acknowledged, not more, by a segment whose checksum holds: once
	 * acked, it is never sent again, so a corrupted or forged ACK must not pass for it. */
	if (!b->acked && (s->flags & RTE_TCP_ACK_FLAG) && s->ack == f->c_snd_nxt &&
	    relay_seg_checksum_ok(&w->app->ports[f->c.port], s))
		b->acked = true;
	if (!b->acked && s->payload_len) {
		rte_pktmbuf_free(s->m); /* an answer before our bind is acked: it comes again */
		return;
	}
	relay_hello_input(w, f, s); /* keeps in-order bytes, acknowledges, or aborts */
	if (f->state == FLOW_BIND_WAIT && f->stream_len >= STUN_HDR_LEN)
		bind_answered(w, f, b);
}

void turn_bind_syn_refused(struct dp_worker *w, struct flow *f)
{
	relay_abort(w, f, false, false, DP_DROP_turn_bind_refused);
}

void turn_bind_rtx(struct dp_worker *w, struct flow *f)
{
	struct turn_bind_slot *b = turn_bind_slot_of(w, f);
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	if (!b)
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_timeout);
	if (f->state == FLOW_BIND_SYN && f->c.fin_seen) { /* a retry's first SYN is due */
		send_syn(w, f);
		flow_rtx_arm(w->flows, f, relay_now(w) + rc->connect_timeout_ms);
		return;
	}
	if (f->state == FLOW_BIND_SYN) {
		if (f->retries >= rc->syn_retries)
			return relay_abort(w, f, false, false, DP_DROP_turn_bind_timeout);
		f->retries++;
		send_syn(w, f);
		flow_rtx_arm(w->flows, f, relay_now(w) + (rc->connect_timeout_ms << f->retries));
		return;
	}
	if (b->acked) { /* nothing of ours in flight: the answer is up to the server */
		flow_rtx_disarm(w->flows, f);
		return;
	}
	if (f->retries >= BIND_RETRIES)
		return relay_abort(w, f, true, false, DP_DROP_turn_bind_timeout);
	f->retries++;
	send_bind(w, f, b);
	flow_rtx_arm(w->flows, f, relay_now(w) + (BIND_RTO_MS << f->retries));
}
