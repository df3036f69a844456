/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The splice: every segment of a joined flow is forwarded in place, in the mbuf it came
 * in, to the other connection. Sequence and acknowledgement numbers, SACK blocks,
 * timestamps and window values are translated; addresses and ports rewritten; the TCP
 * checksum updated incrementally (csum_delta.h) or left to the NIC. Payload is never touched.
 */
#include <rte_ip.h>

#include "connlog.h"
#include "csum_delta.h"
#include "dp_tx.h"
#include "flow_limits.h"
#include "relay.h"
#include "relay_guard.h"
#include "relay_tcp.h"
#include "tcp_opts.h"
#include "mbuf_slice.h"
#include "splice_rewrite.h"
#include "mr_bytes.h"
#include "tcp_out.h"
#include "turn_bind_slot.h"

/* Rewrite a 32-bit field of the TCP header (host-order value) and note the change.
 * Option fields at odd offsets make *aligned false: the caller then recomputes. */
static inline void rewrite32(struct csum_delta *d, uint8_t *tcp, unsigned int off,
			     uint32_t value, bool *aligned)
{
	uint32_t old_be, new_be = rte_cpu_to_be_32(value);

	memcpy(&old_be, tcp + off, 4);
	memcpy(tcp + off, &new_be, 4);
	if (off & 1)
		*aligned = false;
	else
		csum_delta32(d, old_be, new_be);
}

struct splice_dir {
	struct flow_side *in, *out;
	uint32_t seq_off;     /* added to this direction's sequence numbers */
	uint32_t ack_off;     /* subtracted from its acknowledgements */
	uint32_t ts_off;      /* added to TSval */
	uint32_t tsecr_off;   /* subtracted from TSecr */
};

static void splice_dir_of(struct flow *f, enum flow_dir dir, struct splice_dir *sd)
{
	bool from_client = dir == FLOW_DIR_CLIENT;

	sd->in = from_client ? &f->c : &f->b;
	sd->out = from_client ? &f->b : &f->c;
	sd->seq_off = from_client ? f->seq_c2b : f->seq_b2c;
	sd->ack_off = from_client ? f->seq_b2c : f->seq_c2b;
	sd->ts_off = from_client ? f->ts_c2b : f->ts_b2c;
	sd->tsecr_off = from_client ? f->ts_b2c : f->ts_c2b;
}

/* SACK edges name the other side's bytes: they move like acknowledgements. */
static void translate_options(const struct relay_seg *s, const struct splice_dir *sd,
			      struct csum_delta *d, bool *aligned, uint32_t *tsval_out)
{
	uint8_t *tcp = (uint8_t *)s->tcp;
	const struct tcp_opts *o = &s->opts;

	*tsval_out = 0;
	if (o->has_ts && sd->out->ts) {
		uint32_t tsecr = o->tsecr;

		*tsval_out = o->tsval + sd->ts_off;
		rewrite32(d, tcp, o->ts_off, *tsval_out, aligned);
		rewrite32(d, tcp, o->ts_off + 4u, tsecr ? tsecr - sd->tsecr_off : 0, aligned);
	}
	for (unsigned int i = 0; i < o->sack_blocks; i++) {
		unsigned int off = o->sack_off + i * 8u;

		rewrite32(d, tcp, off, mr_load_be32(tcp + off) - sd->ack_off, aligned);
		rewrite32(d, tcp, off + 4, mr_load_be32(tcp + off + 4) - sd->ack_off, aligned);
	}
}

/* FIN bookkeeping: a side is done once its FIN is acknowledged by the other. The FIN
 * sequence numbers live in the flow's set-up line: read only around a FIN. */
static void track_close(struct flow *f, enum flow_dir dir, const struct relay_seg *s,
			const struct splice_dir *sd, uint32_t ack_translated)
{
	enum flow_dir other = dir == FLOW_DIR_CLIENT ? FLOW_DIR_BACKEND : FLOW_DIR_CLIENT;

	if (s->flags & RTE_TCP_FIN_FLAG) {
		sd->in->fin_seen = 1;
		flow_side_seq_of(f, dir)->fin_seq = s->seq + s->payload_len + 1;
	}
	if ((s->flags & RTE_TCP_ACK_FLAG) && sd->out->fin_seen &&
	    seq_leq(flow_side_seq_of(f, other)->fin_seq, ack_translated))
		sd->out->fin_acked = 1;
	if (s->flags & RTE_TCP_RST_FLAG)
		sd->in->rst = 1;
}

/* The kept hello is no longer needed: no other member can take the flow now. Nor is the
 * peer of a flow that came over TURN, kept until then (turn_bind_peer). */
static void let_hello_go(struct dp_worker *w, struct flow *f)
{
	flow_stream_set(w->flows, f, NULL);
	turn_bind_done(w, f);
}

/* The backend has the whole hello. A TLS server answers it at once: while another member
 * could still take it, one that says nothing for relay.answer_timeout_ms has failed
 * (relay_connect_rtx), as a proxy whose own server hangs, or a hung process whose
 * listening socket still accepts. A plain service's member may take its time. */
static void answer_wait(struct dp_worker *w, struct flow *f)
{
	uint32_t wait = w->app->conf->relay.answer_timeout_ms;

	if (f->stream && !f->plain && wait)
		flow_rtx_arm(w->flows, f, relay_now(w) + wait);
	else
		flow_rtx_disarm(w->flows, f);
}

/* The backend acknowledged relay-owned bytes in s: stop keeping what it has. */
static void note_backend_ack(struct dp_worker *w, struct flow *f, const struct relay_seg *s)
{
	uint32_t acked = s->ack - (f->b_seq.local_isn + 1);
	uint32_t sent = f->b_snd_nxt - (f->b_seq.local_isn + 1);

	if (!f->stream || !(seq_lt(f->b_una, acked)))
		return;
	f->b_una = RTE_MIN(acked, (uint32_t)f->proxy_len + f->stream_len);
	f->retries = 0;
	/* The window moved on: what it held back of the kept bytes goes now. */
	if (seq_lt(sent, (uint32_t)f->proxy_len + f->stream_len))
		relay_send_stream(w, f, sent);
	if (f->b_una == (uint32_t)f->proxy_len + f->stream_len) {
		/* Kept until the backend's first byte reaches the client, while another member
		 * could still take the hello should this one reset now. Bytes in this very
		 * segment are that first byte (a server's first flight acknowledges the hello
		 * as it goes). */
		if (s->payload_len || !relay_may_redispatch(w, f))
			let_hello_go(w, f);
		answer_wait(w, f);
	}
}

/* Addresses, ports and TTL. The IPv4 header checksum is patched by its own delta (the
 * addresses and the TTL word): recomputing it would reload the header just written. */
static void rewrite_headers(struct relay_seg *s, const struct splice_dir *sd,
			    const struct dp_port *out_port, struct csum_delta *d,
			    struct csum_delta *d_ip)
{
	const struct flow_key *k = &sd->out->key;
	uint16_t ttl_proto_old, ttl_proto_new;

	s->eth->dst_addr = sd->out->peer_mac;
	s->eth->src_addr = out_port->mac;
	d_ip->sum = 0;
	csum_delta32(d_ip, s->ip->src_addr, k->local_ip);
	csum_delta32(d_ip, s->ip->dst_addr, k->peer_ip);
	d->sum += d_ip->sum; /* the pseudo-header holds the addresses too */
	csum_delta16(d, s->tcp->src_port, k->local_port);
	csum_delta16(d, s->tcp->dst_port, k->peer_port);
	s->ip->src_addr = k->local_ip;
	s->ip->dst_addr = k->peer_ip;
	/* The new TTL word is built in a register: reading it back from the header right
	 * after the byte store would stall on store forwarding. */
	{
		const uint8_t ttl_proto[2] = { 64, s->ip->next_proto_id };

		memcpy(&ttl_proto_old, &s->ip->time_to_live, 2);
		memcpy(&ttl_proto_new, ttl_proto, 2);
	}
	s->ip->time_to_live = 64;
	csum_delta16(d_ip, ttl_proto_old, ttl_proto_new);
	s->tcp->src_port = k->local_port;
	s->tcp->dst_port = k->peer_port;
}

/* The same for an IPv6 segment going out on an IPv6 side. IPv6 has no header checksum:
 * the addresses' change goes into the TCP delta only (its pseudo-header). */
static void rewrite_headers6(struct relay_seg *s, const struct splice_dir *sd,
			     const struct flow_addr6 *out6, const struct dp_port *out_port,
			     struct csum_delta *d)
{
	const struct flow_key *k = &sd->out->key;

	s->eth->dst_addr = sd->out->peer_mac;
	s->eth->src_addr = out_port->mac;
	for (unsigned int i = 0; i < 16; i += 4) {
		uint32_t os, od, ns, nd;

		memcpy(&os, s->ip6->src_addr + i, 4);
		memcpy(&od, s->ip6->dst_addr + i, 4);
		memcpy(&ns, out6->local + i, 4);
		memcpy(&nd, out6->peer + i, 4);
		csum_delta32(d, os, ns);
		csum_delta32(d, od, nd);
	}
	memcpy(s->ip6->src_addr, out6->local, 16);
	memcpy(s->ip6->dst_addr, out6->peer, 16);
	s->ip6->hop_limits = 64;
	csum_delta16(d, s->tcp->src_port, k->local_port);
	csum_delta16(d, s->tcp->dst_port, k->peer_port);
	s->tcp->src_port = k->local_port;
	s->tcp->dst_port = k->peer_port;
}

static void finish_checksums6(struct rte_mbuf *m, struct relay_seg *s,
			      const struct dp_port *in_port, const struct dp_port *out_port,
			      const struct csum_delta *d, bool aligned)
{
	if (out_port->caps.tx_tcp_cksum && (s->sum_ok || relay_sum_vouched(in_port, m))) {
		m->l2_len = sizeof(struct rte_ether_hdr);
		m->l3_len = sizeof(struct rte_ipv6_hdr);
		dp_mbuf_tx_flags(m, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM);
		s->tcp->cksum = rte_ipv6_phdr_cksum(s->ip6, m->ol_flags);
		return;
	}
	dp_mbuf_tx_flags(m, 0);
	if (aligned) {
		s->tcp->cksum = csum_delta_apply(d, s->tcp->cksum);
	} else {
		s->tcp->cksum = 0;
		s->tcp->cksum = tcp_checksum_mbuf6(m, s->ip6, s->l4_off);
	}
}

/* A segment between an IPv4 and an IPv6 side: its IP header is replaced by one of the
 * out side's family (the payload stays where it is) and the TCP checksum computed anew.
 * False when the mbuf has no room for the longer header. */
static bool reshape_headers(struct dp_worker *w, struct flow *f, const struct splice_dir *sd,
			    enum flow_dir out_dir, struct relay_seg *s,
			    const struct dp_port *out_port)
{
	const struct flow_addr6 *out6 = relay_addr6(w, f, out_dir);
	uint16_t l3_len = out6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	struct rte_ether_hdr *eth;

	if (!rte_pktmbuf_adj(s->m, s->l4_off))
		return false;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(s->m, sizeof(*eth) + l3_len);
	if (!eth)
		return false;
	eth->dst_addr = sd->out->peer_mac;
	eth->src_addr = out_port->mac;
	eth->ether_type = rte_cpu_to_be_16(out6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	tcp_out_ip_header(eth + 1, &sd->out->key, out6);
	s->eth = eth;
	s->ip = out6 ? NULL : (struct rte_ipv4_hdr *)(eth + 1);
	s->ip6 = out6 ? (struct rte_ipv6_hdr *)(eth + 1) : NULL;
	s->l4_off = (uint16_t)(sizeof(*eth) + l3_len);
	s->tcp->src_port = sd->out->key.local_port;
	s->tcp->dst_port = sd->out->key.peer_port;
	return tcp_out_finish(s->m, out_port) == 0;
}

/* Largest payload the out side takes: its peer's MSS, our port's MTU, room for options. */
static uint32_t out_mss(const struct flow_side *out, const struct dp_port *port,
			const struct relay_seg *s)
{
	return relay_seg_room(out, port, s->tcp_len - (uint32_t)sizeof(struct rte_tcp_hdr));
}

/* A segment bigger than the out side takes (its MSS or our port's MTU is smaller than
 * what the sender was told) leaves as several: the headers copied, the payload sliced
 * without copying. Headers are already translated; seq is the translated one. */
static void splice_split(struct dp_worker *w, const struct dp_port *port, struct relay_seg *s,
			 uint32_t seq, uint32_t mss)
{
	const uint16_t hlen = (uint16_t)(s->l4_off + s->tcp_len);
	const uint8_t fin_psh = s->flags & (RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);

	for (uint32_t off = 0; off < s->payload_len; off += mss) {
		uint32_t n = RTE_MIN(mss, s->payload_len - off);
		struct rte_mbuf *m = rte_pktmbuf_alloc(w->app->pool);
		uint8_t *h = m ? (uint8_t *)rte_pktmbuf_append(m, hlen) : NULL;
		struct rte_mbuf *body = h ? mbuf_slice(w->app->pool, s->m, hlen + off, n) : NULL;
		struct rte_tcp_hdr *tcp;

		if (!body || rte_pktmbuf_chain(m, body) != 0) {
			rte_pktmbuf_free(body);
			rte_pktmbuf_free(m);
			break; /* the sender retransmits what did not leave */
		}
		memcpy(h, rte_pktmbuf_mtod(s->m, const uint8_t *), hlen);
		tcp = (struct rte_tcp_hdr *)(h + s->l4_off);
		tcp->sent_seq = rte_cpu_to_be_32(seq + off);
		/* FIN and PSH belong to the last piece only; CWR (one window reduction) to the
		 * first. A RST goes on the first, its bytes after it not sent: it ends the
		 * connection where it starts, and the data a RST carries is never the
		 * stream's. */
		tcp->tcp_flags = (uint8_t)((s->flags & ~fin_psh) |
					   (off + n == s->payload_len ? fin_psh : 0));
		if (off)
			tcp->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		/* The urgent pointer counts from each piece's first byte: moved back by the
		 * piece's offset, or gone once the urgent data lies behind it. */
		if (s->flags & RTE_TCP_URG_FLAG) {
			uint16_t urg = rte_be_to_cpu_16(tcp->tcp_urp);

			if (urg > off) {
				tcp->tcp_urp = rte_cpu_to_be_16((uint16_t)(urg - off));
			} else {
				tcp->tcp_flags &= (uint8_t)~RTE_TCP_URG_FLAG;
				tcp->tcp_urp = 0;
			}
		}
		if (tcp_out_finish(m, port) < 0) {
			rte_pktmbuf_free(m);
			break;
		}
		dp_event(w, DP_EV_segment_split);
		dp_tx_port(w, port, m);
		if (s->flags & RTE_TCP_RST_FLAG)
			break;
	}
	rte_pktmbuf_free(s->m);
}

/* The backend's SYN-ACK once more, exactly as it came first (its checksum right): our
 * handshake ACK was lost. Any other SYN is for the guard. */
static bool backend_synack_again(const struct dp_worker *w, const struct flow *f,
				 const struct relay_seg *s)
{
	return (s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		       (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
	       s->seq == f->b_seq.peer_isn && s->ack == f->b_seq.local_isn + 1 &&
	       relay_seg_checksum_ok(&w->app->ports[f->b.port], s);
}

/* Whether s is the kept hello's member closing before its first byte: a FIN, alone and
 * in order. No TLS server ends a handshake so (a refusal is an alert first): it is a proxy
 * whose own server is gone, or one at its connection limit. */
static bool backend_closes_unanswered(const struct flow *f, const struct relay_seg *s)
{
	return (s->flags & RTE_TCP_FIN_FLAG) && !s->payload_len && f->stream && !f->plain &&
	       s->seq == f->b_seq.peer_isn + 1 && f->c_snd_nxt == f->c_seq.local_isn + 1;
}

/* A segment from the backend while the relay still keeps the hello (or, for a plain
 * service's connection, before any byte of the member's reached the client, whether or
 * not the client spoke): a RST, or a FIN before any byte of a TLS member's, then sends
 * the connection to the next member (true: consumed); its first byte for the client ends
 * the keeping. */
static bool backend_early(struct dp_worker *w, struct flow *f, const struct relay_seg *s)
{
	bool closes = backend_closes_unanswered(f, s);

	if (closes)
		note_backend_ack(w, f, s); /* its RST goes where its ACK says it stands */
	if (((s->flags & RTE_TCP_RST_FLAG) && relay_backend_reset(w, f)) ||
	    (closes && relay_backend_closed(w, f))) {
		rte_pktmbuf_free(s->m);
		relay_hello_classify(w, f); /* routed after the member that failed */
		return true;
	}
	if (f->stream && s->payload_len && f->b_una == (uint32_t)f->proxy_len + f->stream_len)
		let_hello_go(w, f);
	return false;
}

/* Whether a backend segment may be early (backend_early): the hello kept, or a plain
 * connection's RST before the member's first byte reached the client (a server-first
 * service's member that accepts and resets before its banner). */
static inline bool backend_maybe_early(const struct flow *f, const struct relay_seg *s)
{
	return f->stream != NULL ||
	       (f->plain && (s->flags & RTE_TCP_RST_FLAG) &&
		f->c_snd_nxt == f->c_seq.local_isn + 1);
}

/* Whether s leaves with a TCP checksum made anew whatever its port offloads, not patched:
 * in the other IP family's header, split in pieces, or with an option field the rewrite
 * changes at an odd offset (which the delta cannot patch). */
static bool sum_made_anew(const struct splice_dir *sd, const struct relay_seg *s,
			  uint32_t mss)
{
	const struct tcp_opts *o = &s->opts;

	return sd->out->v6 != (s->ip6 != NULL) || s->payload_len > mss ||
	       (o->has_ts && sd->out->ts && (o->ts_off & 1)) ||
	       (o->sack_blocks && (o->sack_off & 1));
}

/* Rewrite s for the out side in place: sequence, acknowledgement, window (less
 * win_less bytes: an acknowledgement raised by that much keeps its right edge) and options
 * translated, addresses and ports, checksums updated (or left to the NIC when the sum
 * that came is known right). false when the headers could not be reshaped for the other
 * IP family (no room). Inlined, as is
 * note_sent: every segment of the full path passes here, and as calls they added 95
 * instructions to a connection (callgrind). */
static __rte_always_inline bool rewrite_segment(struct dp_worker *w, struct flow *f,
						struct splice_dir *sd, enum flow_dir out_dir,
						struct relay_seg *s,
						const struct dp_port *out_port, uint32_t seq,
						uint32_t ack, uint32_t win_less)
{
	const struct dp_port *in_port = &w->app->ports[sd->in->port];
	struct csum_delta d = { 0 }, d_ip;
	bool aligned = true;
	uint32_t bytes = relay_guard_win_bytes(sd->in, s);
	uint16_t win = splice_rescale(bytes > win_less ? bytes - win_less : 0,
				      sd->out->local_wscale);
	uint32_t tsval;

	rewrite32(&d, (uint8_t *)s->tcp, 4, seq, &aligned);
	if (s->flags & RTE_TCP_ACK_FLAG)
		rewrite32(&d, (uint8_t *)s->tcp, 8, ack, &aligned);
	csum_delta16(&d, s->tcp->rx_win, rte_cpu_to_be_16(win));
	s->tcp->rx_win = rte_cpu_to_be_16(win);
	translate_options(s, sd, &d, &aligned, &tsval);
	if (tsval && seq_lt(sd->out->ts_last, tsval))
		sd->out->ts_last = tsval;
	if (sd->out->v6 != (s->ip6 != NULL))
		return reshape_headers(w, f, sd, out_dir, s, out_port);
	if (s->ip6) {
		rewrite_headers6(s, sd, relay_addr6(w, f, out_dir), out_port, &d);
		finish_checksums6(s->m, s, in_port, out_port, &d, aligned);
	} else {
		rewrite_headers(s, sd, out_port, &d, &d_ip);
		splice_finish_checksums(s->m, s->ip, s->tcp, s->l4_off, in_port, out_port, &d, &d_ip,
					aligned, s->sum_ok);
	}
	return true;
}

/* What was sent on towards the out side of a segment from dir, starting at seq (in the
 * out side's space): its end, counted and logged. */
static __rte_always_inline void note_sent(struct dp_worker *w, struct flow *f,
					  enum flow_dir dir, const struct relay_seg *s,
					  uint32_t seq)
{
	/* A FIN takes a sequence number: the ACK of it is within what was sent. */
	uint32_t end = seq + s->payload_len + ((s->flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
	uint32_t *snd_nxt = dir == FLOW_DIR_CLIENT ? &f->b_snd_nxt : &f->c_snd_nxt;

	if (seq_lt(*snd_nxt, end))
		*snd_nxt = end;
	/* The member's first byte on the way (the burst path leaves that to the flow's end:
	 * relay_tcp.c). */
	if (dir == FLOW_DIR_BACKEND && unlikely(f->member_owed) && s->payload_len)
		relay_member_answered(w, f);
	dp_event(w, dir == FLOW_DIR_CLIENT ? DP_EV_splice_c2b : DP_EV_splice_b2c);
	connlog_packet(w, f, dir);
}

/* A spliced flow after a segment: closing once both FINs are acknowledged or a side reset
 * (its entry kept a closing time for late segments), else its next deadline. */
static void spliced_timer(struct dp_worker *w, struct flow *f)
{
	const struct mr_relay_conf *rc = &w->app->conf->relay;

	if ((f->c.fin_acked && f->b.fin_acked) || f->c.rst || f->b.rst) {
		/* A closed flow retransmits nothing; it leaves at its time. */
		flow_rtx_disarm(w->flows, f);
		flow_set_closing(w->flows, f,
				 relay_now(w) + (f->c.rst || f->b.rst ? rc->closing_timeout_ms / 10
								      : rc->closing_timeout_ms));
		/* Logged as it closes, not when its entry goes a closing time later. */
		connlog_closed(w, f);
	} else {
		/* Both FINs passed and one is not acknowledged yet: its sender resends it until
		 * the ACK comes. A closing time is all that may take; a peer gone after its FIN
		 * would else hold the flow for the idle timeout. Not while data is unacknowledged
		 * too (more than a FIN in flight): a receiver out of reach for a while (a phone
		 * in a tunnel) still gets it, as on an open flow. */
		bool closing = f->c.fin_seen && f->b.fin_seen &&
			       f->c_snd_nxt - relay_una(f, FLOW_DIR_CLIENT) <= 1 &&
			       f->b_snd_nxt - relay_una_kept(f, FLOW_DIR_BACKEND) <= 1;

		flow_expire_set(w->flows, f, relay_now(w) + (closing ? rc->closing_timeout_ms
								     : rc->idle_timeout_ms));
	}
}

/* Why client segment s, resent because our ACK was lost, is not sent on while the stream
 * is kept, or DP_DROP_none when it brings only new bytes:
 * - it starts among the bytes the relay stripped before the client's part of the
 *   backend's stream (another gateway's header, a TURN answer; relay_stream_skip moved
 *   peer_isn past them): translated, they would land in the place of our own PROXY
 *   header, which the backend may not have yet;
 * - it starts among the kept bytes the relay acknowledged: the relay sends the member its
 *   own copy, the one it routed by; the client's could reach the member first, and with
 *   other bytes than were classified.
 * Asked only while the stream is kept: early in the flow, far from any wrap of the
 * sequence space. */
static enum dp_drop resent_while_kept(const struct flow *f, const struct relay_seg *s)
{
	if (!s->payload_len)
		return DP_DROP_none;
	if (seq_lt(s->seq, f->c_seq.peer_isn + 1))
		return DP_DROP_stripped_resent;
	return seq_lt(s->seq, f->c.acked) ? DP_DROP_kept_resent : DP_DROP_none;
}

void splice_forward(struct dp_worker *w, struct flow *f, enum flow_dir dir,
		    struct relay_seg *s)
{
	enum flow_dir out_dir = dir == FLOW_DIR_CLIENT ? FLOW_DIR_BACKEND : FLOW_DIR_CLIENT;
	struct splice_dir sd;
	const struct dp_port *in_port, *out_port;
	uint32_t seq, ack, mss, raised = 0;
	enum dp_drop why;
	bool anew;

	if (dir == FLOW_DIR_BACKEND && backend_synack_again(w, f, s)) {
		/* The backend did not see our handshake ACK: it rides on the kept bytes. */
		rte_pktmbuf_free(s->m);
		relay_send_stream(w, f, f->stream ? f->b_una : f->proxy_len + f->stream_len);
		return;
	}
	if (dir == FLOW_DIR_CLIENT && relay_syn_repeated(f, s)) {
		/* The backend never saw this SYN's connection start: it must not see it now. */
		rte_pktmbuf_free(s->m);
		dp_event(w, DP_EV_syn_repeated);
		return;
	}
	switch (relay_guard_spliced(w, f, dir, s, &why)) {
	case GUARD_CHALLENGE:
		relay_challenge(w, f, dir, dir == FLOW_DIR_CLIENT ? f->c.acked : f->b.acked);
		/* fall through */
	case GUARD_DROP:
		return dp_drop(w, s->m, why);
	case GUARD_PASS:
		break;
	}
	splice_dir_of(f, dir, &sd);
	out_port = &w->app->ports[sd.out->port];
	mss = out_mss(sd.out, out_port, s);
	/* Nothing is learned from a segment corrupted on its way: a wrong ACK learned would
	 * stand in the challenge ACKs and close the flow early. Summed here where the sum is
	 * made anew (it must not vouch for bad bytes); else as the NIC judged it, where it
	 * does (what the port lets through unjudged, the peer's own check drops). */
	anew = sum_made_anew(&sd, s, mss);
	in_port = &w->app->ports[sd.in->port];
	if (anew ? !relay_seg_checksum_ok(in_port, s) : relay_sum_refuted(in_port, s->m))
		return dp_drop(w, s->m, DP_DROP_tcp_checksum);
	s->sum_ok = s->sum_ok || anew;
	if (dir == FLOW_DIR_BACKEND && unlikely(backend_maybe_early(f, s)) &&
	    backend_early(w, f, s))
		return;
	if (dir == FLOW_DIR_CLIENT && unlikely(f->stream != NULL) &&
	    (why = resent_while_kept(f, s)) != DP_DROP_none) {
		/* The client is told again they arrived; its bytes after them, if any, it
		 * sends again. */
		dp_drop(w, s->m, why);
		return relay_ack_side(w, f, FLOW_DIR_CLIENT, f->c_snd_nxt, f->c.acked);
	}
	ack = s->ack - sd.ack_off;
	if (unlikely(relay_guard_learn(f, dir, s, ack, relay_guard_win_bytes(sd.in, s))))
		relay_follow_mac(w, f, dir, &s->eth->src_addr);
	seq = s->seq + sd.seq_off;
	/* The relay already acknowledged the client's kept bytes itself: while it keeps them,
	 * never less than what the client was told (c.acked, the end of the kept bytes, then
	 * the member's ACKs, whose checksums the guard checks meanwhile). Once they are let
	 * go, the member's ACKs are past them and go as they come: a raised one would turn a
	 * wrong ACK learned into bytes the client takes for delivered. */
	if (dir == FLOW_DIR_BACKEND && unlikely(f->stream != NULL) && seq_lt(ack, f->c.acked)) {
		/* The member's window counts from its own ACK: the client is offered only
		 * what is left of it past the raised one. */
		raised = f->c.acked - ack;
		ack = f->c.acked;
	}
	if (dir == FLOW_DIR_BACKEND && (s->flags & RTE_TCP_ACK_FLAG))
		note_backend_ack(w, f, s);
	track_close(f, dir, s, &sd, ack);
	if (!rewrite_segment(w, f, &sd, out_dir, s, out_port, seq, ack, raised))
		return dp_drop(w, s->m, DP_DROP_header_no_room); /* the sender resends it */
	note_sent(w, f, dir, s, seq);
	if (f->state == FLOW_SPLICED)
		spliced_timer(w, f);
	/* IP options would not survive the header copy; such segments go as they are. */
	if (s->payload_len > mss &&
	    s->l4_off == sizeof(struct rte_ether_hdr) + (s->ip6 ? sizeof(struct rte_ipv6_hdr)
								 : sizeof(struct rte_ipv4_hdr)))
		return splice_split(w, out_port, s, seq, mss);
	dp_tx_port(w, out_port, s->m);
}
