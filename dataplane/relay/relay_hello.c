/* SPDX-License-Identifier: BSD-3-Clause */
/* The ClientHello of a new flow: collected in order (mbufs chained, not copied),
 * acknowledged, classified once whole, and handed to relay_route (or refused); a plain
 * or DNS connection's bytes to their own modules. */
#include <rte_ip.h>

#include "connlog.h"
#include "dns_input.h"
#include "dns_tcp.h"
#include "dp_tx.h"
#include "flow_limits.h"
#include "mbuf_slice.h"
#include "relay.h"
#include "relay_guard.h"
#include "relay_route.h"
#include "relay_tcp.h"
#include "sni_parse.h"

#define HELLO_MAX_SPANS 64

static void hello_refuse(struct dp_worker *w, struct flow *f, const struct sni_result *r)
{
	enum dp_drop why = r->verdict == SNI_NOT_TLS	  ? DP_DROP_hello_not_tls
			   : r->verdict == SNI_TOO_LARGE ? DP_DROP_hello_too_large
							 : DP_DROP_hello_malformed;

	relay_abort(w, f, true, false, why);
}

/* The first segment of the client's bytes kept in f (NULL: none). Routed again after a
 * member failed, the flow keeps the PROXY header made for it in a buffer of its own in
 * front (relay_connect.c): the client's bytes start after it. */
static inline const struct rte_mbuf *client_bytes(const struct flow *f)
{
	return f->proxy_len ? f->stream->next : f->stream;
}

/* Whether the client's first byte may start a PROXY v2 header (its signature's CR), which
 * no ClientHello does: a gateway reached directly, not over TURN, announcing a plain
 * connection (relay_plain_from_gateway checks that it is one of the gateways). */
static inline bool first_byte_is_proxy(const struct flow *f)
{
	const struct rte_mbuf *first = client_bytes(f);

	return first && rte_pktmbuf_data_len(first) && *rte_pktmbuf_mtod(first, const uint8_t *) == '\r';
}

void relay_hello_classify(struct dp_worker *w, struct flow *f)
{
	struct sni_parse_config cfg;
	struct sni_span spans[HELLO_MAX_SPANS];
	struct sni_result r;
	unsigned int n = 0;

	if (f->plain)
		return relay_plain_route(w, f); /* no hello to wait for */
	if (unlikely(f->c.key.local_port == rte_cpu_to_be_16(DNS_PORT)) && dns_tcp_flow(w, f))
		return dns_tcp_answer(w, f); /* a DNS query, not a ClientHello */
	if (unlikely(f->via_turn || first_byte_is_proxy(f)) && relay_plain_from_gateway(w, f))
		return; /* another gateway's plain connection, announced by a PROXY header */

	/* Parsing starts from the hello's first byte each time: until the parser's lower
	 * bound of what is missing has come, another parse would only walk the same bytes.
	 * stream_len counts the client's bytes alone, never a kept PROXY header. */
	if (f->stream_len < f->hello_parse_at)
		return;
	sni_parse_config_default(&cfg);
	cfg.max_hello = w->app->conf->relay.max_hello;
	for (const struct rte_mbuf *seg = client_bytes(f); seg && n < HELLO_MAX_SPANS;
	     seg = seg->next)
		spans[n++] = (struct sni_span){ rte_pktmbuf_mtod(seg, const uint8_t *),
						seg->data_len };
	dp_event(w, DP_EV_hello_parsed);
	sni_parse(spans, n, &cfg, &r);
	if (r.verdict == SNI_NEED_MORE && n == HELLO_MAX_SPANS)
		r.verdict = SNI_TOO_LARGE; /* a hello in that many tiny segments is an attack */
	if (r.verdict == SNI_NEED_MORE) {
		uint32_t have = f->stream_len;

		f->hello_parse_at = have + RTE_MIN(r.need_bytes, UINT32_MAX - have);
		return;
	}
	if (r.verdict != SNI_COMPLETE)
		return hello_refuse(w, f, &r);
	relay_route(w, f, &(struct relay_route_key){ .hello = &r });
}

/* A segment this small is copied behind what the flow keeps: copying a few bytes costs
 * less than pinning a buffer, so one byte per segment cannot drain the pool. */
#define HELLO_COPY_MAX 512u
/* Buffers one flow keeps at most before every segment is copied (its hello still fits:
 * a buffer holds a whole frame of the largest MTU). */
#define HELLO_KEPT_SEGS 16u

enum keep_result {
	KEEP_OK,
	KEEP_TOO_LARGE,  /* beyond what a hello may be: the flow goes */
	KEEP_NO_ROOM,    /* the worker's kept buffers are at their cap: the client resends */
	KEEP_WAIT,       /* past what one flow keeps before the splice: resent into it */
};

/* Hellos ended at most per segment to make room for it. */
#define HELLO_EVICT_MAX 4u

/* Whether f's hello has been kept long enough to be ended for a newer one: a quarter of
 * the hello timeout, many round trips, so that a burst of honest clients does not end
 * itself, while the clients that hold hellos open longest (the slow-hello attack) go first
 * and cannot starve the others until the timeout. */
static bool hello_evictable(const struct dp_worker *w, const struct flow *f)
{
	uint32_t timeout = w->app->conf->relay.hello_timeout_ms;
	uint32_t started = f->expire_ms - timeout;

	return relay_now(w) - started >= timeout / 4;
}

/* Whether n more buffers may be kept by this worker's flows (relay.kept_mbufs), ending
 * the oldest kept hellos other than f (RST to their clients) when that makes room. */
static bool kept_room(struct dp_worker *w, const struct flow *f, uint32_t n)
{
	for (unsigned int i = 0; i < HELLO_EVICT_MAX; i++) {
		struct flow *oldest;

		if (flow_kept_mbufs(w->flows) + n <= w->app->kept_per_worker)
			return true;
		oldest = flow_hello_oldest(w->flows);
		if (!oldest || oldest == f || !hello_evictable(w, oldest))
			return false;
		relay_abort(w, oldest, true, false, DP_DROP_hello_evicted);
	}
	return flow_kept_mbufs(w->flows) + n <= w->app->kept_per_worker;
}

/* A buffer only this flow uses, its own memory: bytes may be written behind its data. */
static bool tail_writable(const struct rte_mbuf *m)
{
	return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1;
}

/* Copy the n bytes of m behind f's kept bytes: into the room of the last buffer, the rest
 * into one fresh buffer (it holds any frame). m is freed when all went in. */
static enum keep_result keep_copy(struct dp_worker *w, struct flow *f, struct rte_mbuf *m,
				  uint32_t n)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(f->stream);
	/* Never behind a PROXY header's own buffer (a plain flow's, made before any client
	 * byte): it is dropped whole when the flow is routed again without one. */
	bool header_only = f->proxy_len && last == f->stream;
	uint32_t in_tail = tail_writable(last) && !header_only
				   ? RTE_MIN(rte_pktmbuf_tailroom(last), n) : 0;
	struct rte_mbuf *more = NULL;

	if (in_tail < n) {
		more = kept_room(w, f, 1) ? rte_pktmbuf_alloc(w->app->pool) : NULL;
		if (!more || mbuf_append_copy(more, m, in_tail, n - in_tail) < 0) {
			rte_pktmbuf_free(more);
			return KEEP_NO_ROOM;
		}
	}
	if (in_tail && mbuf_append_copy(f->stream, m, 0, in_tail) < 0) {
		rte_pktmbuf_free(more);
		return KEEP_NO_ROOM;
	}
	if (more && !flow_stream_append(w->flows, f, more)) {
		rte_pktmbuf_free(more); /* cannot happen below HELLO_KEPT_SEGS; nothing kept */
		rte_pktmbuf_trim(f->stream, (uint16_t)in_tail);
		return KEEP_NO_ROOM;
	}
	rte_pktmbuf_free(m);
	return KEEP_OK;
}

/* Keep the new in-order bytes of s (headers and overlap cut away): small segments and
 * those past the flow's buffer cap are copied, others kept as they came (zero-copy). */
static enum keep_result hello_keep(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	uint32_t overlap = f->c_rcv_nxt - s->seq;
	uint32_t fresh = s->payload_len - overlap;
	struct rte_mbuf *m = s->m;
	enum keep_result r = KEEP_OK;

	if (f->stream_len + fresh > w->app->conf->relay.max_hello + 16384u)
		/* A plain connection's client may simply talk first, and a TLS client whose
		 * hello is whole may send early data under the window it was offered: both
		 * wait for the splice. Before a whole hello, so many bytes are no hello. */
		return f->plain || f->state == FLOW_CONNECTING ? KEEP_WAIT : KEEP_TOO_LARGE;
	rte_pktmbuf_adj(m, (uint16_t)(s->l4_off + s->tcp_len + overlap));
	if (rte_pktmbuf_pkt_len(m) > fresh)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - fresh));
	dp_mbuf_tx_flags(m, 0);
	if (f->stream && (fresh <= HELLO_COPY_MAX || f->stream->nb_segs >= HELLO_KEPT_SEGS))
		r = keep_copy(w, f, m, fresh);
	else if (!kept_room(w, f, m->nb_segs) || !flow_stream_append(w->flows, f, m))
		r = KEEP_NO_ROOM;
	if (r == KEEP_OK) {
		f->stream_len += fresh;
		f->c_rcv_nxt += fresh;
		if (f->state == FLOW_HELLO) /* until its SYN arms a retransmission */
			flow_hello_queue(w->flows, f);
	}
	return r;
}

/* Before the splice the relay is the client's receiver; it offers a fixed window. */
#define HELLO_WINDOW 65535u

static bool hello_in_window(const struct flow *f, const struct relay_seg *s);

/* A SYN, RST or FIN from the client before the splice, checksum first (RFC 5961: a RST
 * ends the flow only at exactly the next expected byte, a SYN never; a FIN only in order,
 * with an acceptable acknowledgement). Consumes s. */
static void hello_control(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	if (!relay_seg_checksum_ok(&w->app->ports[f->c.port], s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (s->flags & RTE_TCP_SYN_FLAG) {
		relay_challenge(w, f, FLOW_DIR_CLIENT, f->c_rcv_nxt);
		return dp_drop(w, s->m, DP_DROP_syn_in_window);
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		if (s->seq == f->c_rcv_nxt) {
			rte_pktmbuf_free(s->m);
			return relay_abort(w, f, false, true, DP_DROP_client_abort);
		}
		if (relay_guard_seq_ok(s->seq, 0, f->c_rcv_nxt, HELLO_WINDOW))
			relay_challenge(w, f, FLOW_DIR_CLIENT, f->c_rcv_nxt);
		return dp_drop(w, s->m, DP_DROP_rst_not_exact);
	}
	if (hello_in_window(f, s) && seq_leq(s->seq, f->c_rcv_nxt) &&
	    seq_leq(f->c_rcv_nxt, s->seq + s->payload_len)) {
		rte_pktmbuf_free(s->m); /* the client gave up before its hello was whole */
		f->c.fin_seen = 1;     /* closed, not reset: as the log tells it */
		return relay_abort(w, f, true, true, DP_DROP_client_abort);
	}
	dp_drop(w, s->m, relay_guard_window_drop(s));
	relay_ack_client(w, f);
}

/* Inside the window the relay offers, acknowledging only what the relay sent (a segment
 * without ACK is not: relay_guard_window_ok). */
static bool hello_in_window(const struct flow *f, const struct relay_seg *s)
{
	uint32_t oldest = f->c_snd_nxt - HELLO_WINDOW;

	return (s->flags & RTE_TCP_ACK_FLAG) &&
	       relay_guard_seq_ok(s->seq, s->payload_len, f->c_rcv_nxt, HELLO_WINDOW) &&
	       s->ack - oldest <= f->c_snd_nxt - oldest;
}

void relay_hello_input(struct dp_worker *w, struct flow *f, struct relay_seg *s)
{
	const struct dp_port *p = &w->app->ports[f->c.port];

	if (relay_syn_repeated(f, s)) {
		rte_pktmbuf_free(s->m);
		dp_event(w, DP_EV_syn_repeated);
		return relay_ack_client(w, f);
	}
	if (unlikely(f->plain || s->payload_len || f->state == FLOW_CONNECTING) &&
	    (s->flags & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_SYN_FLAG)) == RTE_TCP_FIN_FLAG) {
		/* A client may close its half once its first bytes are out (a half-close, as
		 * nc -N or a DNS query then shutdown do) while the backend is still being
		 * opened: its bytes are kept, its FIN is left unacknowledged, and the client's
		 * retransmission of it meets the splice. So is a bare FIN after a whole hello
		 * (connecting), and a plain client's bare FIN: its server may speak first. Only
		 * a bare FIN before a whole hello gives up. */
		dp_event(w, DP_EV_fin_deferred);
		s->flags &= (uint8_t)~RTE_TCP_FIN_FLAG;
	}
	if (s->flags & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_SYN_FLAG))
		return hello_control(w, f, s);
	if (!hello_in_window(f, s))
		return dp_drop(w, s->m, relay_guard_window_drop(s));
	/* Nothing is learned from a segment corrupted on its way: a window of 0 or a wild
	 * timestamp would be carried into the splice. The timestamp to echo is only that of
	 * a segment at or before what was acknowledged, and never an older one than echoed
	 * (RFC 7323 section 4.3: an old duplicate does not roll it back). */
	if (!relay_seg_checksum_ok(p, s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	if (s->opts.has_ts && seq_leq(s->seq, f->c_rcv_nxt) &&
	    (int32_t)(s->opts.tsval - f->c.ts_recent) >= 0)
		f->c.ts_recent = s->opts.tsval;
	f->c_win = (uint32_t)rte_be_to_cpu_16(s->tcp->rx_win) << f->c.peer_wscale;
	if (s->payload_len == 0)
		return rte_pktmbuf_free(s->m);
	if (seq_leq(s->seq + s->payload_len, f->c_rcv_nxt)) { /* all old: re-ACK */
		rte_pktmbuf_free(s->m);
		return relay_ack_client(w, f);
	}
	if (seq_lt(f->c_rcv_nxt, s->seq)) { /* a gap: the client will resend */
		dp_drop(w, s->m, DP_DROP_hello_out_of_order);
		return relay_ack_client(w, f);
	}
	switch (hello_keep(w, f, s)) {
	case KEEP_TOO_LARGE:
		rte_pktmbuf_free(s->m);
		return relay_abort(w, f, true, true, DP_DROP_hello_too_large);
	case KEEP_NO_ROOM:
		return dp_drop(w, s->m, DP_DROP_hello_no_room); /* not acknowledged: resent */
	case KEEP_WAIT:
		return dp_drop(w, s->m, DP_DROP_early_bytes_wait); /* the same, into the splice */
	case KEEP_OK:
		break;
	}
	connlog_packet(w, f, FLOW_DIR_CLIENT);
	relay_ack_client(w, f);
	if (f->state == FLOW_HELLO)
		relay_hello_classify(w, f);
}
