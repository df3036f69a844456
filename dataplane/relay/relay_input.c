/* SPDX-License-Identifier: BSD-3-Clause */
/* The relay's entry: every TCP segment to one of the appliance's addresses is parsed
 * here, handed to the worker that owns its flow, and given to its flow's state (hello,
 * connect, splice, bind); a listener answers SYNs statelessly (SYN cookies) and creates
 * the flow on the first client data. */
#include <string.h>

#include <rte_ip.h>

#include "connlog.h"
#include "dispatch.h"
#include "dns_input.h"
#include "dns_tcp.h"
#include "flow_limits.h"
#include "inbox.h"
#include "health_check.h"
#include "relay.h"
#include "relay_guard.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "synack.h"
#include "syncookie.h"
#include "tcp_out.h"
#include "turn_bind.h"
#include "turn_bind_slot.h"

/* The TCP header at s->l4_off, in a segment of l4_total bytes (header and payload).
 * Inlined into both families' paths: it runs for every relayed segment. */
static __rte_always_inline bool seg_parse_tcp(struct relay_seg *s, uint32_t l4_total)
{
	struct rte_mbuf *m = s->m;
	uint32_t doff;

	if (l4_total < sizeof(struct rte_tcp_hdr) ||
	    rte_pktmbuf_data_len(m) < s->l4_off + sizeof(struct rte_tcp_hdr))
		return false;
	s->tcp = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, s->l4_off);
	doff = (uint32_t)(s->tcp->data_off >> 4) * 4;
	if (doff < sizeof(struct rte_tcp_hdr) || doff > l4_total ||
	    rte_pktmbuf_data_len(m) < s->l4_off + doff)
		return false;
	s->tcp_len = (uint16_t)doff;
	s->payload_len = l4_total - doff;
	s->seq = rte_be_to_cpu_32(s->tcp->sent_seq);
	s->ack = rte_be_to_cpu_32(s->tcp->recv_ack);
	s->flags = s->tcp->tcp_flags;
	/* Trailing Ethernet padding is not payload. */
	if (rte_pktmbuf_pkt_len(m) > s->l4_off + l4_total)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - s->l4_off - l4_total));
	return true;
}

static bool seg_parse(struct relay_seg *s, struct rte_mbuf *m, uint16_t l3_off)
{
	uint32_t ihl, total;

	s->m = m;
	s->sum_ok = false;
	s->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (unlikely(s->eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))) {
		/* The IPv6 header and its length were checked before (ip6_input). */
		s->ip = NULL;
		s->ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3_off);
		s->l4_off = (uint16_t)(l3_off + sizeof(struct rte_ipv6_hdr));
		return seg_parse_tcp(s, rte_be_to_cpu_16(s->ip6->payload_len));
	}
	s->ip6 = NULL;
	s->ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	ihl = rte_ipv4_hdr_len(s->ip);
	total = rte_be_to_cpu_16(s->ip->total_length);
	if (total < ihl)
		return false;
	s->l4_off = (uint16_t)(l3_off + ihl);
	return seg_parse_tcp(s, total - ihl);
}

/* Options are read only for segments the relay handles; the kernel's are its own. */
static bool seg_parse_opts(struct relay_seg *s)
{
	return tcp_opts_parse((const uint8_t *)s->tcp, s->tcp_len, &s->opts);
}

/* The segment's connection as the relay keys it (an IPv6 one by its address digest). */
static struct flow_key seg_key(const struct relay_seg *s)
{
	if (s->ip6)
		return flow_key6_short(s->ip6->src_addr, s->tcp->src_port, s->tcp->dst_port);
	return (struct flow_key){
		.peer_ip = s->ip->src_addr, .local_ip = s->ip->dst_addr,
		.peer_port = s->tcp->src_port, .local_port = s->tcp->dst_port,
	};
}

/* The addresses of an IPv6 segment's connection in buf; NULL for IPv4. */
static const struct flow_addr6 *seg_addr6(const struct relay_seg *s, struct flow_addr6 *buf)
{
	if (!s->ip6)
		return NULL;
	memcpy(buf->peer, s->ip6->src_addr, 16);
	memcpy(buf->local, s->ip6->dst_addr, 16);
	return buf;
}

static struct flow *seg_lookup(struct dp_worker *w, const struct relay_seg *s,
			       enum flow_dir *dir)
{
	struct flow_key k;

	if (w->looked_up.m == s->m) { /* the burst path's lookup of this very frame */
		*dir = (enum flow_dir)w->looked_up.dir;
		return w->looked_up.flow;
	}
	if (s->ip6) {
		struct flow_key6 k6;

		memcpy(k6.peer_ip, s->ip6->src_addr, 16);
		memcpy(k6.local_ip, s->ip6->dst_addr, 16);
		k6.peer_port = s->tcp->src_port;
		k6.local_port = s->tcp->dst_port;
		return flow_lookup6(w->flows, &k6, dir);
	}
	k = seg_key(s);
	return flow_lookup(w->flows, &k, dir);
}

static struct syncookie_conn seg_conn(const struct syncookie_key *key, const struct relay_seg *s,
				      uint32_t client_isn)
{
	if (s->ip6)
		return syncookie_conn6(key, s->ip6->src_addr, s->ip6->dst_addr, s->tcp->src_port,
				       s->tcp->dst_port, client_isn);
	return (struct syncookie_conn){
		.client_ip = s->ip->src_addr, .local_ip = s->ip->dst_addr,
		.client_port = s->tcp->src_port, .local_port = s->tcp->dst_port,
		.client_isn = client_isn,
	};
}

/* RST answering segment s, whose connection the relay does not keep. */
static void seg_rst_reply(struct dp_worker *w, const struct dp_port *p, const struct relay_seg *s,
			  uint32_t seq, uint32_t ack, bool with_ack)
{
	struct flow_key k = seg_key(s);
	struct flow_addr6 a6;

	tcp_out_rst_reply(w, p, &k, seg_addr6(s, &a6), &s->eth->src_addr, seq, ack, with_ack);
}

/* A client refused before it had a flow, for the connection log. Out of line: refusals are
 * rare, and inlined into the SYN and handshake paths it cost every connection. */
static __rte_noinline void seg_log_refused(struct dp_worker *w, const struct dp_port *p,
			    const struct relay_seg *s, enum dp_drop why)
{
	connlog_refused(w, s->ip6 ? s->ip6->src_addr : (const uint8_t *)&s->ip->src_addr,
			s->ip6 != NULL, rte_be_to_cpu_16(s->tcp->src_port),
			rte_be_to_cpu_16(s->tcp->dst_port), (uint8_t)p->index, why);
}

/* A client refused with a reset before it has a flow: logged, and dropped as why. */
static void listen_refuse(struct dp_worker *w, const struct dp_port *p, struct relay_seg *s,
			  enum dp_drop why)
{
	struct flow_key k = seg_key(s);

	/* The SYN-ACK this ACK answers, kept to be sent again (a plain service's), is done
	 * with: resent, each would draw another RST from the client just told no. */
	synack_made(w, &k, s->ack - 1);
	seg_rst_reply(w, p, s, s->ack, s->seq + s->payload_len, true);
	seg_log_refused(w, p, s, why);
	dp_drop(w, s->m, why);
}

/* What a refusal by the per-client limits is counted as. */
static enum dp_drop limit_drop(enum flow_client_verdict limit)
{
	return limit == FLOW_CLIENT_FLOWS ? DP_DROP_client_flow_limit : DP_DROP_client_hello_limit;
}

/* On a full table, the entry of the closed flow due soonest for s's client, if the
 * per-client limits admit it (one they refuse must not end closed flows for nothing;
 * gateway: another network's, held to none); NULL with the refusal's *why. */
static struct flow *listen_reclaim(struct dp_worker *w, const struct relay_seg *s, bool gateway,
				   enum dp_drop *why)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;
	struct flow *closed = relay_flow_closed_soonest(w), *f = NULL;
	enum flow_client_verdict limit = FLOW_CLIENT_OK;

	if (closed && !gateway)
		limit = flow_client_verdict_of(w->flows,
					       flow_client_key_of(s->ip ? s->ip->src_addr : 0,
								  s->ip6 ? s->ip6->src_addr : NULL),
					       rc->client_max_flows, rc->client_max_hellos);
	if (closed && limit == FLOW_CLIENT_OK) /* NULL only if the entry ended was not freed */
		f = relay_flow_reclaim(w, closed, rc->hello_timeout_ms);
	*why = limit != FLOW_CLIENT_OK ? limit_drop(limit) : DP_DROP_flow_table_full;
	return f;
}

/* Turn the SYN in s into our SYN-ACK: the cookie is all we remember, but for a plain
 * service's handshake (plain: to a VIP), kept while there is room to be sent again should
 * the client's ACK be lost (synack.h). Window scale and SACK are offered as the client
 * offered them, timestamps or not. */
static void listen_syn(struct dp_worker *w, const struct dp_port *p, struct relay_seg *s,
		       bool plain)
{
	const struct tcp_opts *o = &s->opts;
	const struct syncookie_key *key = syncookie_keys_get(&w->app->secrets->cookies, false);
	struct syncookie_conn conn = seg_conn(key, s, s->seq);
	struct syncookie_opts asked = { o->mss ? o->mss : 536, o->wscale, o->sack_perm };
	struct synack a = {
		.key = seg_key(s),
		.peer_mac = s->eth->src_addr,
		.port = (uint8_t)p->index,
		.wscale = o->wscale != TCP_WSCALE_NONE,
		.sack = o->sack_perm,
		.ts = o->has_ts,
		.cookie = syncookie_make(key, &conn, w->now_ms, s->ip6 != NULL, &asked),
		.peer_next = s->seq + 1,
		.tsecr = o->tsval,
	};
	struct flow_addr6 a6;
	bool sent = synack_send(w, p, &a, seg_addr6(s, &a6));

	rte_pktmbuf_free(s->m);
	if (!sent)
		return;
	dp_event(w, DP_EV_syncookie_out);
	if (plain)
		synack_keep(w, &a);
}

/* A flow's client side from the segment that completes the handshake and what its SYN
 * asked for (from the cookie). */
static void flow_init_client(struct dp_worker *w, const struct dp_port *p, struct flow *f,
			     const struct relay_seg *s, const struct syncookie_opts *asked)
{
	f->c.key = seg_key(s);
	if (s->ip6)
		flow_side_set_v6(w->flows, f, FLOW_DIR_CLIENT, s->ip6->src_addr, s->ip6->dst_addr);
	f->c_seq.peer_isn = s->seq - 1;
	f->c_seq.local_isn = s->ack - 1;
	f->c.peer_mss = relay_peer_mss(w, asked->mss, s->ip6 != NULL);
	f->c.port = (uint8_t)p->index;
	f->c.peer_mac = s->eth->src_addr;
	f->c_rcv_nxt = s->seq;
	f->c_snd_nxt = s->ack;
	f->c.sack = asked->sack_perm;
	f->c.peer_wscale = asked->wscale == SYNCOOKIE_WSCALE_NONE ? 0 : asked->wscale;
	f->c.local_wscale = asked->wscale == SYNCOOKIE_WSCALE_NONE ? 0 : RELAY_WSCALE;
	if (s->opts.has_ts) {
		f->c.ts = 1;
		f->c.ts_recent = s->opts.tsval;
		f->c.ts_last = relay_now(w) + 32;
	}
	f->c_win = (uint32_t)rte_be_to_cpu_16(s->tcp->rx_win) << f->c.peer_wscale;
}

/* Per-listener accounting, once per connection that gets a flow. */
static void count_listener(struct dp_worker *w, const struct dp_port *p,
			   const struct relay_seg *s, const struct relay_live *live)
{
	const struct mr_config *c = &live->conf;
	uint16_t port = rte_be_to_cpu_16(s->tcp->dst_port);

	for (unsigned int i = 0; i < c->n_listeners; i++) {
		if (c->listeners[i].port_index == p->index && c->listeners[i].tcp_port == port) {
			dp_count(&w->listener_flows[live->listener_counter[i]], 1);
			return;
		}
	}
}

/* The handshake's cookie (our ISN: the ACK number less one) checked under the current key,
 * then the previous one: valid, *asked what the SYN asked for, as it carries it; or, asked
 * NULL, made by us but expired (a client that sent its first bytes minutes after
 * connecting, from a pool of idle connections). */
static bool cookie_ours(const struct dp_worker *w, const struct relay_seg *s,
			struct syncookie_opts *asked)
{
	for (int previous = 0; previous < 2; previous++) {
		const struct syncookie_key *key =
			syncookie_keys_get(&w->app->secrets->cookies, previous);
		struct syncookie_conn conn = seg_conn(key, s, s->seq - 1);

		if (asked ? syncookie_check(key, &conn, w->now_ms, s->ip6 != NULL, s->ack - 1,
					    asked)
			  : syncookie_expired(key, &conn, w->now_ms, s->ack - 1))
			return true;
	}
	return false;
}

/* First data with a valid cookie: only now does the connection cost a flow entry. A
 * plain TCP service's connection (plain: to a VIP) gets it with the handshake's ACK, since
 * its server may speak first. */
static void listen_ack(struct dp_worker *w, const struct dp_port *p, struct relay_seg *s,
		       const struct relay_live *live, bool plain)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;
	bool fin = (s->flags & RTE_TCP_FIN_FLAG) != 0;
	enum flow_client_verdict limit;
	enum dp_drop why;
	bool gateway;
	struct syncookie_opts asked;
	struct flow *f;

	/* A flow is made of what the segment says (its options, from the cookie in its
	 * timestamp): a corrupted one must not make it, nor end a connection. Verified once:
	 * the hello's input takes the verdict. */
	if ((s->payload_len || plain || fin) && !relay_seg_checksum_ok(p, s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	s->sum_ok = s->payload_len || plain || fin;
	if (!cookie_ours(w, s, &asked)) {
		/* The cookie hashes the client's ISN, taken as seq - 1: a segment sent after the
		 * first data fails here though the handshake was good. That may be data that
		 * overtook the first, or a bare ACK after the first was lost (a duplicated
		 * SYN-ACK answered, a window update). Dropping it lets the client resend the
		 * first; a reset, exactly in its window, would kill a healthy connection.
		 * First data whose cookie is ours but expired is told, exactly: it would be
		 * resent until the client's own timeout, a quarter of an hour. Rationed, as
		 * each look costs MACs. */
		if (s->payload_len && relay_ration_take(w, &w->cookie_look) && cookie_ours(w, s, NULL)) {
			dp_event(w, DP_EV_cookie_expired_reset);
			seg_rst_reply(w, p, s, s->ack, 0, false);
		}
		return dp_drop(w, s->m, DP_DROP_syncookie_invalid);
	}
	if (s->payload_len == 0 && !plain && fin) {
		/* A client that closes before its first byte (a TCP health check, nc -z): a
		 * FIN left unanswered would be resent for minutes. The reset is exact (our
		 * next sequence number), and no flow is made for a connection already over. */
		dp_event(w, DP_EV_handshake_fin);
		seg_rst_reply(w, p, s, s->ack, s->seq + 1, true);
		rte_pktmbuf_free(s->m);
		return;
	}
	if (s->payload_len == 0 && !plain) {
		dp_event(w, DP_EV_handshake_ack);
		rte_pktmbuf_free(s->m);
		return;
	}
	/* Another network's gateway brings a whole network's clients from one address: the
	 * per-client limits would refuse its bursts. The table's own size still bounds it. */
	gateway = s->ip && relay_live_is_gateway(live, s->ip->src_addr);
	f = relay_flow_alloc(w, rc->hello_timeout_ms);
	if (unlikely(!f) && (f = listen_reclaim(w, s, gateway, &why)) == NULL)
		return listen_refuse(w, p, s, why);
	flow_init_client(w, p, f, s, &asked);
	limit = gateway ? FLOW_CLIENT_OK
			: flow_client_attach(w->flows, f, rc->client_max_flows,
					     rc->client_max_hellos);
	if (limit != FLOW_CLIENT_OK) {
		/* One address may not hold the table or the buffers: told at once, as a full
		 * table tells everyone. */
		flow_release(w->flows, f);
		return listen_refuse(w, p, s, limit_drop(limit));
	}
	if (flow_key_add(w->flows, f, FLOW_DIR_CLIENT) < 0) {
		flow_release(w->flows, f);
		return dp_drop(w, s->m, DP_DROP_flow_table_full);
	}
	dp_event(w, DP_EV_flow_created);
	/* With the log on: a DNS query over TCP is DNS, as over UDP, not one of its
	 * connections. */
	if (unlikely(w->connlog != NULL)) {
		if (s->tcp->dst_port == rte_cpu_to_be_16(DNS_PORT) && dns_tcp_flow(w, f))
			connlog_skip(w, f);
		else
			connlog_begin(w, f, rte_be_to_cpu_16(s->tcp->dst_port));
	}
	if (plain) {
		f->plain = 1;
		synack_made(w, &f->c.key, s->ack - 1);
		if (s->payload_len == 0) {
			rte_pktmbuf_free(s->m);
			return relay_hello_classify(w, f); /* routed at once */
		}
	} else {
		count_listener(w, p, s, live);
	}
	relay_hello_input(w, f, s);
}

/* A client's SYN on a 4-tuple whose flow is closing (the relay's TIME-WAIT, or a DNS
 * connection's after its answer): a new
 * connection when the old one was reset or the SYN starts beyond all the old one sent, as
 * a host's TIME-WAIT takes it (RFC 9293 3.10.7.4, RFC 6191). The old flow goes now and
 * the SYN meets the listener; otherwise it is challenged, and the client's reset at the
 * challenge (its answer in SYN-SENT) makes the next SYN a new connection. Such clients
 * (NAT gateways, fixed source ports) would else wait out the closing time. A SYN whose
 * checksum fails frees nothing: it goes on as any segment of the closing flow. */
static bool syn_reopens(struct dp_worker *w, const struct dp_port *p, struct flow *f,
			enum flow_dir dir, const struct relay_seg *s)
{
	bool answered = f->state == FLOW_ANSWERED; /* DNS over TCP, its answer sent */

	if ((f->state != FLOW_CLOSING && !answered) || dir != FLOW_DIR_CLIENT ||
	    (s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
			 RTE_TCP_FIN_FLAG)) != RTE_TCP_SYN_FLAG)
		return false;
	if (!f->c.rst && !f->b.rst &&
	    !seq_lt(answered ? f->c_rcv_nxt : f->b_snd_nxt - f->seq_c2b, s->seq))
		return false;
	if (!relay_seg_checksum_ok(p, s))
		return false;
	dp_event(w, DP_EV_flow_closed);
	dp_event(w, DP_EV_closing_reopened);
	turn_bind_done(w, f);
	flow_release(w->flows, f);
	return true;
}

/* A segment for a relay source port with no flow behind it: a backend still sending on a
 * connection the relay gave up (its SYN-ACK after the last retry) or lost (a restart) is
 * told so, as a closed port tells (RFC 9293 3.10.7.1), rather than keep it open until its
 * own timeouts. Never a RST for a RST; a corrupted segment gets nothing; rationed a
 * second, so spoofed segments draw out no more than that. */
static void stray_reset(struct dp_worker *w, const struct dp_port *p, struct relay_seg *s)
{
	uint32_t len = s->payload_len + !!(s->flags & RTE_TCP_SYN_FLAG) +
		       !!(s->flags & RTE_TCP_FIN_FLAG);

	if ((s->flags & RTE_TCP_RST_FLAG) || !relay_seg_checksum_ok(p, s) ||
	    !relay_ration_take(w, &w->stray_rst))
		return;
	dp_event(w, DP_EV_stray_reset);
	if (s->flags & RTE_TCP_ACK_FLAG)
		seg_rst_reply(w, p, s, s->ack, 0, false);
	else
		seg_rst_reply(w, p, s, 0, s->seq + len, true);
}

static void listen_input(struct dp_worker *w, const struct dp_port *p, struct relay_seg *s,
			 const struct relay_live *live, bool plain)
{
	uint8_t fl = s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG);

	if (fl == RTE_TCP_SYN_FLAG && w->app->draining) {
		/* Shutting down: a RST sends the client to another gateway at once. */
		seg_rst_reply(w, p, s, 0, s->seq + 1, true);
		seg_log_refused(w, p, s, DP_DROP_draining);
		return dp_drop(w, s->m, DP_DROP_draining);
	}
	if (fl == RTE_TCP_SYN_FLAG) {
		dp_event(w, DP_EV_syn_in);
		/* Checked before the cookie is worked out: shedding keeps a flood cheap. */
		if (!dp_tx_cookie_allowed(w, p))
			return dp_drop(w, s->m, DP_DROP_syn_shed);
		/* Its options are sealed into the cookie for the whole connection (a window
		 * scale misread by a flipped bit would be the flow's), and its addresses get
		 * the answer: a corrupted SYN must not be answered (RFC 1122 4.2.2.7). */
		if (!relay_seg_checksum_ok(p, s))
			return dp_drop(w, s->m, DP_DROP_tcp_checksum);
		return listen_syn(w, p, s, plain);
	}
	if (fl == RTE_TCP_ACK_FLAG)
		return listen_ack(w, p, s, live, plain);
	/* A RST for a connection we never kept, or flag soup: nothing to answer. */
	dp_drop(w, s->m, DP_DROP_tcp_no_flow);
}

/* A segment without a flow to a VIP port no plain TCP service listens on: a SYN or an ACK
 * gets a RST, if it is whole and the second's ration of such resets (stray_reset's) holds:
 * a blind flood across the range draws no more than that. */
static void vip_refuse(struct dp_worker *w, const struct dp_port *p, struct relay_seg *s)
{
	uint8_t fl = s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG);

	if (fl != RTE_TCP_SYN_FLAG && fl != RTE_TCP_ACK_FLAG)
		return dp_drop(w, s->m, DP_DROP_vip_no_service);
	if (!relay_seg_checksum_ok(p, s))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	/* As a host's closed port answers (RFC 9293 3.10.7.1). A segment with an ACK is one
	 * of a connection whose service a push took away while it was being opened: told at
	 * once, not left to wait for a server that is gone. */
	if (relay_ration_take(w, &w->stray_rst)) {
		seg_rst_reply(w, p, s, fl == RTE_TCP_SYN_FLAG ? 0 : s->ack,
			      fl == RTE_TCP_SYN_FLAG ? s->seq + 1 : 0, fl == RTE_TCP_SYN_FLAG);
		seg_log_refused(w, p, s, DP_DROP_vip_no_service);
	}
	dp_drop(w, s->m, DP_DROP_vip_no_service);
}

/* Whether s is addressed to one of p's source addresses (relay_pick_source_port). */
static bool to_source_addr(const struct dp_port *p, const struct relay_seg *s)
{
	return !s->ip6 && dp_port_source_addr(p, rte_be_to_cpu_32(s->ip->dst_addr));
}

bool relay_owns_port(const struct dp_worker *w, const struct relay_live *live,
		     const struct dp_port *p, uint16_t port)
{
	return dp_relay_source_port(w->app, port) || relay_live_is_listener(live, p->index, port);
}

bool relay_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		 uint16_t l3_off)
{
	const struct relay_live *live = relay_live_get(w->app); /* once per segment */
	struct relay_seg s;
	enum flow_dir dir;
	struct flow *f;
	bool listener = false, vip, owned, plain = false;
	unsigned int owner;

	if (!seg_parse(&s, m, l3_off)) {
		dp_drop(w, m, DP_DROP_tcp_bad_header);
		return true;
	}
	vip = !s.ip6 && dp_port_vip(p, rte_be_to_cpu_32(s.ip->dst_addr));
	owned = vip || relay_owns_port(w, live, p, rte_be_to_cpu_16(s.tcp->dst_port));
	owner = s.ip6 ? dispatch_owner6(w->app, p, s.ip6->src_addr, s.ip6->dst_addr,
					s.tcp->src_port, rte_be_to_cpu_16(s.tcp->dst_port))
		      : dispatch_owner(w->app, p, s.ip->src_addr, rte_be_to_cpu_32(s.ip->dst_addr),
				       s.tcp->src_port,
				       rte_be_to_cpu_16(s.tcp->dst_port));
	if (owner != w->index) {
		inbox_put(w, owner, m);
		return true;
	}
	f = seg_lookup(w, &s, &dir);
	if (f && unlikely(syn_reopens(w, p, f, dir, &s)))
		f = NULL;
	/* A port that is no longer the relay's (a push removed or moved its listener) still
	 * carries the flows open on it: only a segment of no flow is the host's. */
	if (unlikely(!owned) && !f)
		return false;
	/* A plain TCP service's VIP and port listen like a listener of the port; at a
	 * listener's port, a VIP takes TLS as the port's own address does (a name routed both
	 * as TLS and as a plain service is answered with its VIP). The port's source
	 * addresses carry only the relay's own connections. */
	if (!f) {
		uint16_t dport = rte_be_to_cpu_16(s.tcp->dst_port);

		if (unlikely(vip)) {
			plain = route_table_vip_port(live->routes, rte_be_to_cpu_32(s.ip->dst_addr),
						     dport);
			listener = plain || relay_live_is_listener(live, p->index, dport);
		} else {
			listener = relay_live_is_listener(live, p->index, dport) &&
				   !to_source_addr(p, &s);
		}
	}
	if (unlikely(vip) && !f && !listener) {
		vip_refuse(w, p, &s);
		return true;
	}
	if ((f || listener) && !seg_parse_opts(&s)) {
		dp_drop(w, m, DP_DROP_tcp_bad_header);
		return true;
	}
	if (f) {
		if (f->state == FLOW_SPLICED || f->state == FLOW_CLOSING)
			splice_forward(w, f, dir, &s);
		else if (f->state == FLOW_BIND_SYN || f->state == FLOW_BIND_WAIT)
			turn_bind_input(w, f, &s);
		else if (f->state == FLOW_CHECK || f->state == FLOW_CHECK_TLS)
			health_check_input(w, f, &s);
		else if (f->state == FLOW_ANSWERED)
			dns_tcp_closing_input(w, f, &s);
		else if (dir == FLOW_DIR_CLIENT)
			relay_hello_input(w, f, &s);
		else if (relay_connect_input(w, f, &s))
			relay_hello_classify(w, f); /* redispatched after a refusal */
		return true;
	}
	if (listener) {
		listen_input(w, p, &s, live, plain);
		return true;
	}
	/* Owned port, no flow, no listener: a source port of ours with nothing behind it. */
	stray_reset(w, p, &s);
	dp_drop(w, m, DP_DROP_tcp_no_flow);
	return true;
}
