/* SPDX-License-Identifier: BSD-3-Clause */
#include "dns_tcp.h"

#include <string.h>

#include "dns_answer.h"
#include "dns_input.h"
#include "dp_tx.h"
#include "flow_limits.h"
#include "relay_guard.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "tcp_opts.h"
#include "tcp_out.h"

#define DNS_TCP_MAX 4096 /* queries and answers over TCP: ours are far smaller */

bool dns_tcp_flow(const struct dp_worker *w, const struct flow *f)
{
	const struct relay_live *live = relay_live_get(w->app);

	return f->c.key.local_port == rte_cpu_to_be_16(DNS_PORT) &&
	       live->conf.dns.port_index == (int)f->c.port;
}

/* The answer (its 2-byte lengths first, msg_len bytes) to f's client with FIN, from the
 * relay's sequence number seq. */
static void send_tcp_answer(struct dp_worker *w, struct flow *f, const uint8_t *msg,
			    size_t msg_len, uint32_t seq)
{
	const struct dp_port *p = &w->app->ports[f->c.port];
	uint8_t opts[12];
	unsigned int opt_len = 0;
	struct rte_mbuf *m;
	uint8_t *at;

	if (f->c.ts) {
		f->c.ts_last = RTE_MAX(f->c.ts_last, relay_now(w) + 32);
		opt_len = tcp_opts_write_ts(opts, f->c.ts_last, f->c.ts_recent);
	}
	m = tcp_out_header(w->app->pool, p, &f->c.key, relay_addr6(w, f, FLOW_DIR_CLIENT),
			   &f->c.peer_mac, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG,
			   seq, f->c_rcv_nxt, relay_window(f, FLOW_DIR_CLIENT), opts, opt_len);
	at = m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)msg_len) : NULL;
	if (!at) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(at, msg, msg_len);
	if (tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_tx_port(w, p, m);
}

/* The answer to the query at msg (len bytes) in out (at most room bytes), its 2-byte
 * length first: the bytes written, 0 when it did not fit (truncated to room when only its
 * question does). */
static size_t tcp_answer_one(struct dp_worker *w, const struct flow *f,
			     const struct relay_live *live, const uint8_t *msg, size_t len,
			     uint8_t *out, size_t room)
{
	const struct mr_dns_conf *dc = &live->conf.dns;
	struct dns_addr_rr rrs[DNS_RRS];
	struct dns_query q;
	const char *zone = NULL;
	enum dns_parse_status st = dns_parse_query(msg, len, &q);
	enum dp_event ev = DP_EV_dns_formerr;
	enum dns_rcode rcode;
	unsigned int n = 0;
	size_t alen;

	if (room < 2 || st == DNS_PARSE_RESPONSE)
		return 0; /* a response is never answered, over TCP either */
	if (st == DNS_PARSE_OK) {
		rcode = dns_answer_decide(&w->app->ports[f->c.port], live, &q, rrs, &n, &zone, &ev);
	} else {
		q.question_len = 0;
		rcode = st == DNS_PARSE_OPCODE ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR;
	}
	dp_event(w, ev);
	/* Over TCP the room is the message's: an EDNS0 size does not apply (RFC 7766). */
	q.edns_udp_size = q.edns ? DNS_TCP_MAX : 0;
	alen = dns_build_answer(out + 2, room - 2, msg, len, &q, rcode, rrs, n, dc->ttl,
				zone ? &(struct dns_zone){ zone, live->serial, dc->ttl } : NULL);
	if (!alen)
		return 0;
	out[0] = (uint8_t)(alen >> 8);
	out[1] = (uint8_t)alen;
	return alen + 2;
}

/* The length of the message whose 2-byte length is at offset at of f's kept bytes: -1
 * when those two bytes have not all come, -2 when out of bounds. */
static int tcp_msg_len(const struct flow *f, uint32_t at, uint32_t end)
{
	uint8_t buf[2];
	const uint8_t *b = end - at >= 2 ? rte_pktmbuf_read(f->stream, at, 2, buf) : NULL;
	int len = b ? b[0] << 8 | b[1] : -1;

	return len >= 0 && (len > DNS_TCP_MAX || len < DNS_HEADER_LEN) ? -2 : len;
}

/* The client's resends of the answer go this long apart at first, doubling, as many
 * times as DNS_TCP_RESENDS; a client gone for longer is let go. */
#define DNS_TCP_RTO_MS 300u
#define DNS_TCP_RESENDS 4u

/* f's queries are answered (msg, len bytes, lengths first): the answer goes with FIN and
 * f stays, keeping the answer instead of the queries, until the client has acknowledged
 * it and closed its half (RFC 9293's FIN-WAIT and TIME-WAIT, dns_tcp_closing_input).
 * Without a buffer to keep the answer in, it goes once and f with it. */
static void tcp_answered(struct dp_worker *w, struct flow *f, const uint8_t *msg, size_t len)
{
	struct rte_mbuf *kept = rte_pktmbuf_alloc(w->app->pool);
	uint8_t *at = kept ? (uint8_t *)rte_pktmbuf_append(kept, (uint16_t)len) : NULL;

	send_tcp_answer(w, f, msg, len, f->c_snd_nxt);
	if (!at) {
		rte_pktmbuf_free(kept);
		return flow_release(w->flows, f);
	}
	memcpy(at, msg, len);
	flow_stream_set(w->flows, f, kept);
	/* One of its client's hellos only while it keeps the answer (to resend it): a
	 * resolver asking over TCP many times a second is not held to client.max_hellos for
	 * connections it has closed. */
	flow_client_hello_done(w->flows, f);
	f->proxy_len = 0;
	f->stream_len = (uint32_t)len;
	f->c_snd_nxt += (uint32_t)len + 1; /* the answer and our FIN */
	f->state = FLOW_ANSWERED;
	f->retries = 0;
	flow_rtx_arm(w->flows, f, relay_now(w) + DNS_TCP_RTO_MS);
	flow_expire_set(w->flows, f, relay_now(w) + w->app->conf->relay.closing_timeout_ms);
}

void dns_tcp_answer(struct dp_worker *w, struct flow *f)
{
	const struct relay_live *live = relay_live_get(w->app);
	/* Room for one segment's answers and one whole answer more behind them. */
	uint8_t query[DNS_TCP_MAX], answer[2 * (DNS_TCP_MAX + 2)];
	uint32_t end = (uint32_t)f->proxy_len + f->stream_len, at;
	/* One segment: the client's MSS and the port's MTU, less the timestamp option. */
	size_t room = RTE_MIN(relay_seg_room(&f->c, &w->app->ports[f->c.port], f->c.ts ? 12u : 0u),
			      DNS_TCP_MAX + 2u);
	size_t len = 0, wrote;
	int one;

	/* The kept bytes must be whole queries, one or more: a client may send several at
	 * once (a stub's A and AAAA in one write), and the answers go with FIN. */
	for (at = f->proxy_len; at < end; at += 2 + (uint32_t)one) {
		one = tcp_msg_len(f, at, end);
		if (one == -2) {
			dp_count(&w->counters.drops[DP_DROP_dns_malformed], 1);
			return relay_abort(w, f, true, false, DP_DROP_none);
		}
		if (one < 0 || end - at - 2 < (uint32_t)one)
			return; /* the rest of it is on its way */
	}
	/* Answered in order, whole, as many as one segment holds (an answer of ours is a
	 * few hundred bytes); the client asks again for the rest on a new connection (RFC
	 * 7766 6.2.1: a server may close with queries unanswered). TC means nothing over TCP:
	 * only a first answer larger than a segment goes cut to it. */
	for (at = f->proxy_len; at < end; at += 2 + (uint32_t)one) {
		const uint8_t *q;

		one = tcp_msg_len(f, at, end);
		q = rte_pktmbuf_read(f->stream, at + 2, (uint32_t)one, query);
		wrote = q ? tcp_answer_one(w, f, live, q, (size_t)one, answer + len,
					   len ? DNS_TCP_MAX + 2u : room)
			  : 0;
		if (!wrote || len + wrote > room)
			break; /* its counts (decide's) stand: it was answered, not sent */
		len += wrote;
		dp_event(w, DP_EV_dns_tcp);
	}
	if (!len)
		return relay_abort(w, f, true, false, DP_DROP_dns_malformed);
	tcp_answered(w, f, answer, len);
}

/* The relay's sequence number of the first byte of f's answer (FLOW_ANSWERED); once the
 * answer is acknowledged and let go, of our FIN. */
static uint32_t answer_start(const struct flow *f)
{
	return f->c_snd_nxt - f->stream_len - 1;
}

void dns_tcp_resend(struct dp_worker *w, struct flow *f)
{
	if (f->retries >= DNS_TCP_RESENDS)
		return relay_abort(w, f, true, false, DP_DROP_dns_tcp_unacked);
	f->retries++;
	dp_event(w, DP_EV_dns_tcp_resent);
	send_tcp_answer(w, f, rte_pktmbuf_mtod(f->stream, const uint8_t *), f->stream_len,
			answer_start(f));
	flow_rtx_arm(w->flows, f, relay_now(w) + (DNS_TCP_RTO_MS << f->retries));
}

/* Our answer and FIN acknowledged and the client's FIN in: f waits out its TIME-WAIT
 * only, a connection that is over, no longer one its client holds against
 * client.max_flows (a resolver asking over TCP opens one a query), and one a full table
 * takes for a new connection. */
static void maybe_over(struct dp_worker *w, struct flow *f)
{
	if (f->c.fin_seen && f->c.fin_acked)
		flow_set_over(w->flows, f);
}

/* The client's FIN, in order: acknowledged, and f kept a tenth of the closing time for
 * its resends should that ACK be lost (TIME-WAIT: a new SYN ends it at once, see
 * relay_input.c). */
static void client_fin(struct dp_worker *w, struct flow *f)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	f->c_rcv_nxt++;
	f->c.fin_seen = 1;
	flow_expire_set(w->flows, f, relay_now(w) + rc->closing_timeout_ms / 10);
	relay_ack_client(w, f);
	maybe_over(w, f);
}

void dns_tcp_closing_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	uint32_t start = answer_start(f), end = s->seq + s->payload_len;

	if (!relay_seg_checksum_ok(&w->app->ports[f->c.port], s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (!relay_guard_seq_ok(s->seq, s->payload_len, f->c_rcv_nxt, DNS_TCP_MAX)) {
		if (!(s->flags & RTE_TCP_RST_FLAG))
			relay_ack_client(w, f);
		return dp_drop(w, s->m, DP_DROP_tcp_out_of_window);
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		if (s->seq != f->c_rcv_nxt) {
			relay_challenge(w, f, FLOW_DIR_CLIENT, f->c_rcv_nxt);
			return dp_drop(w, s->m, DP_DROP_rst_not_exact);
		}
		rte_pktmbuf_free(s->m);
		dp_event(w, DP_EV_flow_closed);
		return flow_release(w->flows, f);
	}
	if (s->flags & RTE_TCP_SYN_FLAG) {
		relay_challenge(w, f, FLOW_DIR_CLIENT, f->c_rcv_nxt);
		return dp_drop(w, s->m, DP_DROP_syn_in_window);
	}
	if (!(s->flags & RTE_TCP_ACK_FLAG) || s->ack - start > f->c_snd_nxt - start) {
		relay_ack_client(w, f);
		return dp_drop(w, s->m, relay_guard_window_drop(s));
	}
	if (s->opts.has_ts && seq_leq(s->seq, f->c_rcv_nxt))
		f->c.ts_recent = s->opts.tsval;
	if (s->ack == f->c_snd_nxt && f->stream) {
		/* The answer and our FIN arrived: nothing to resend, no buffer to keep. */
		flow_rtx_disarm(w->flows, f);
		flow_stream_set(w->flows, f, NULL);
		f->stream_len = 0;
		f->c.fin_acked = 1;
		maybe_over(w, f);
	}
	if (seq_lt(f->c_rcv_nxt, end) && !f->c.fin_seen) {
		/* Bytes after the answer closed the connection: not read (RFC 9293 3.10.7.4 for
		 * a closed receiver), the client told at once to ask on a new connection. */
		rte_pktmbuf_free(s->m);
		return relay_abort(w, f, true, false, DP_DROP_dns_after_answer);
	}
	rte_pktmbuf_free(s->m);
	if ((s->flags & RTE_TCP_FIN_FLAG) && end == f->c_rcv_nxt && !f->c.fin_seen)
		return client_fin(w, f);
	if ((s->flags & RTE_TCP_FIN_FLAG) || s->payload_len)
		relay_ack_client(w, f); /* a resent FIN or query: our ACK of it was lost */
}
