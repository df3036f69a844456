/* SPDX-License-Identifier: BSD-3-Clause */
#include "relay_pmtu.h"

#include <string.h>

#include <rte_ip.h>

#include "dispatch.h"
#include "dp_tx.h"
#include "icmp.h"
#include "icmp_error.h"
#include "inbox.h"
#include "relay.h"
#include "relay_guard.h"
#include "turn_bind.h"

/* The smallest MTU an IPv4 router may name (RFC 791: every link carries 68 bytes), and
 * the smallest IPv6 path (RFC 8200 section 5: an error naming less is discarded). */
#define PMTU_MIN_V4 68u
#define PMTU_MIN_V6 1280u

/* The too-big error in m read (its quote within the first segment); false when it is
 * none the relay can use. */
static bool pmtu_parse(const struct rte_mbuf *m, uint16_t l3_off, struct icmp_too_big *e)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	uint32_t in_seg = rte_pktmbuf_data_len(m) - l3_off;

	if ((l3[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;
		uint32_t ihl = rte_ipv4_hdr_len(ip);
		uint32_t len = rte_be_to_cpu_16(ip->total_length);

		/* The net layer checked both lengths against the frame. */
		return icmp_too_big_parse4(l3 + ihl, RTE_MIN(len, in_seg) - ihl, e);
	}
	/* IPv6: the whole message sits in the first segment (ip6.c checked). */
	return icmp_too_big_parse6(l3 + sizeof(struct rte_ipv6_hdr),
				   rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len),
				   e);
}

/* The worker owning the connection e quotes: the one its segments from the peer reach. */
static unsigned int pmtu_owner(const struct dp_worker *w, const struct dp_port *p,
			       const struct icmp_too_big *e)
{
	uint32_t peer, local;

	if (e->v6)
		return dispatch_owner6(w->app, p, e->dst, e->src, e->dst_port,
				       rte_be_to_cpu_16(e->src_port));
	memcpy(&peer, e->dst, 4);
	memcpy(&local, e->src, 4);
	return dispatch_owner(w->app, p, peer, rte_be_to_cpu_32(local), e->dst_port,
			      rte_be_to_cpu_16(e->src_port));
}

/* The flow the quoted segment belongs to, and which side it was sent to. */
static struct flow *pmtu_lookup(struct dp_worker *w, const struct icmp_too_big *e,
				enum flow_dir *dir)
{
	if (e->v6) {
		struct flow_key6 k6;

		memcpy(k6.peer_ip, e->dst, 16);
		memcpy(k6.local_ip, e->src, 16);
		k6.peer_port = e->dst_port;
		k6.local_port = e->src_port;
		return flow_lookup6(w->flows, &k6, dir);
	}
	struct flow_key k = { .peer_port = e->dst_port, .local_port = e->src_port };

	memcpy(&k.peer_ip, e->dst, 4);
	memcpy(&k.local_ip, e->src, 4);
	return flow_lookup(w->flows, &k, dir);
}

/* Whether the quoted sequence number is of bytes in flight towards side dir: sent, not yet
 * acknowledged (RFC 5927 section 5.1, as Linux checks it). Before the splice the relay
 * sent a side nothing a router could find too big (a SYN, a SYN-ACK, a short bind). */
static bool pmtu_quote_in_flight(const struct flow *f, enum flow_dir dir, uint32_t seq)
{
	uint32_t una, snd_nxt;

	if (f->state != FLOW_SPLICED && f->state != FLOW_CLOSING)
		return false;
	una = relay_una_kept(f, dir);
	snd_nxt = dir == FLOW_DIR_CLIENT ? f->c_snd_nxt : f->b_snd_nxt;
	return seq - una < snd_nxt - una;
}

/* The MSS side dir may take on a path of mtu bytes, raised to the configured floor as an
 * announced one is (an IPv6 one naming less than 1280 was discarded before), and an
 * IPv4 error naming no MTU (routers older than RFC 1191) or one below any link's 68
 * gives the floor, as Linux takes its minimum. */
static uint16_t pmtu_mss(struct dp_worker *w, uint32_t mtu, bool v6)
{
	if (!v6 && mtu < PMTU_MIN_V4) {
		dp_event(w, DP_EV_pmtu_no_mtu);
		mtu = 0;
	}
	mtu = RTE_MIN(mtu, (uint32_t)UINT16_MAX);
	return relay_peer_mss(w, (uint16_t)(mtu > relay_l3l4_len(v6) ? mtu - relay_l3l4_len(v6)
								     : 0), v6);
}

/* Tell the client of f, the sender of what the relay forwards to its backend, of the
 * backend side's path: a too-big error about the segment e quotes, as the client sent it
 * (its sequence space, its connection to the relay), naming the MTU that carries segments
 * of mss bytes in its own family (IPv6's never below 1280, which Linux would discard). A
 * client that heeds it (Linux does, and resends at once) sends segments that fit, which
 * the relay need not cut. Only a client is told: a host keeps what it learns per
 * destination, not per connection, so a backend (or a TURN server, the far end of many
 * clients) told of one client's path would cut every client's segments to it; and a
 * client could tell it a path of 68 bytes of its own. Their segments are cut instead. */
static void pmtu_tell_client(struct dp_worker *w, const struct flow *f,
			     const struct icmp_too_big *e, uint16_t mss)
{
	const struct flow_side *side = &f->c;
	const struct flow_addr6 *a6 = relay_addr6(w, f, FLOW_DIR_CLIENT);
	const struct dp_port *p = &w->app->ports[side->port];
	uint32_t l3_there = e->v6 ? 40u : 20u, l3_here = side->v6 ? 40u : 20u;
	struct icmp_too_big q = {
		.mtu = mss + relay_l3l4_len(side->v6), .v6 = side->v6,
		.len = (e->len > l3_there ? e->len - l3_there : 0) + l3_here,
		.src_port = side->key.peer_port, .dst_port = side->key.local_port,
		.seq = e->seq - f->seq_c2b,
	};
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;

	if (side->v6)
		q.mtu = RTE_MAX(q.mtu, PMTU_MIN_V6);
	if (a6) {
		memcpy(q.src, a6->peer, 16);
		memcpy(q.dst, a6->local, 16);
	} else {
		memcpy(q.src, &side->key.peer_ip, 4);
		memcpy(q.dst, &side->key.local_ip, 4);
	}
	m = rte_pktmbuf_alloc(w->app->pool);
	eth = m ? (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + ICMP_TOO_BIG_MAX)
		: NULL;
	if (!eth) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(ICMP_TOO_BIG_MAX - icmp_too_big_build((uint8_t *)(eth + 1),
									      &q)));
	eth->dst_addr = side->peer_mac;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(side->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	dp_event(w, DP_EV_pmtu_told);
	dp_tx_port(w, p, m);
}

/* Whether seq (of the relay's towards the member) is in the kept hello (and PROXY
 * header) the relay itself sends, not bytes the splice forwards. */
static bool relay_replaying(const struct flow *f, uint32_t seq)
{
	return f->stream && f->state == FLOW_SPLICED &&
	       seq - (f->b_seq.local_isn + 1) < (uint32_t)f->proxy_len + f->stream_len;
}

/* The error e about flow f's side dir, on f's owner: the side's MSS lowered when the
 * quote is in flight and the MTU smaller than what the relay sends, and a client sending
 * to a smaller backend path told. */
static void pmtu_apply(struct dp_worker *w, struct flow *f, enum flow_dir dir,
		       const struct icmp_too_big *e, struct rte_mbuf *m)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	uint16_t mss;

	dp_event(w, DP_EV_pmtu_too_big_in);
	if (!pmtu_quote_in_flight(f, dir, e->seq))
		return dp_drop(w, m, DP_DROP_icmp_quote_stale);
	/* No IPv6 link is smaller: a node discards such an error (RFC 8201 section 4), as
	 * Linux does, rather than take 1280 from it. */
	if (e->v6 && e->mtu < PMTU_MIN_V6)
		return dp_drop(w, m, DP_DROP_pmtu_below_ipv6_min);
	mss = pmtu_mss(w, e->mtu, e->v6);
	if (mss < side->peer_mss) {
		/* Kept for the flow's life, as a host keeps a connection's PMTU: the splice
		 * cuts what it forwards, the relay's own segments follow relay_seg_room. */
		side->peer_mss = mss;
		dp_event(w, DP_EV_pmtu_lowered);
		if (dir == FLOW_DIR_BACKEND && relay_replaying(f, e->seq)) {
			/* The relay's own copy of the kept hello was lost: sent again now in
			 * pieces that pass, as a host resends at once what a too-big says was
			 * lost (RFC 1191 6.3). Its timer would else take the member for dead and
			 * redispatch, and the next member's MSS undo what was learned; it starts
			 * anew. The client's bytes were acknowledged by the relay: nothing to tell
			 * it. */
			relay_resend_stream(w, f);
		} else if (dir == FLOW_DIR_BACKEND && !f->via_turn) {
			pmtu_tell_client(w, f, e, mss);
		}
	}
	rte_pktmbuf_free(m);
}

/* A hard unreachable about f's side dir: about the relay's own SYN to the member it is
 * connecting to (its exact sequence number: RFC 5927), the member refused, as a RST would
 * say, and the client goes to the next one now rather than after every SYN retry; about
 * the SYN of a TURN data connection, the bind is refused as on the server's RST. Any
 * other is dropped: an established connection rides out what a router says, as a host's
 * does. */
static void unreach_apply(struct dp_worker *w, struct flow *f, enum flow_dir dir,
			  const struct icmp_too_big *e, struct rte_mbuf *m)
{
	bool member_syn = dir == FLOW_DIR_BACKEND && f->state == FLOW_CONNECTING &&
			  e->seq == f->b_seq.local_isn;
	/* A retry's flow whose SYN is not sent yet (c.fin_seen: turn_bind.c) has none to
	 * quote. */
	bool bind_syn = dir == FLOW_DIR_CLIENT && f->state == FLOW_BIND_SYN && !f->c.fin_seen &&
			e->seq == f->c_seq.local_isn;

	dp_event(w, DP_EV_icmp_unreach_in);
	if (!member_syn && !bind_syn)
		return dp_drop(w, m, DP_DROP_icmp_quote_stale);
	rte_pktmbuf_free(m);
	if (bind_syn)
		turn_bind_syn_refused(w, f);
	else if (relay_connect_refused(w, f))
		relay_hello_classify(w, f); /* the next member */
}

/* An error about no connection of the relay's: an IPv4 one goes as any other ICMP message
 * nothing takes (icmp_to_host: true, m consumed); an IPv6 one is the host's (false). */
static bool pmtu_not_relayed(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
			     uint16_t l3_off)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 l3_off);

	if ((ip->version_ihl >> 4) != 4)
		return false;
	icmp_to_host(w, p, m, l3_off);
	return true;
}

bool relay_pmtu_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		      uint16_t l3_off)
{
	struct icmp_too_big e;
	enum flow_dir dir;
	unsigned int owner;
	struct flow *f;

	if (!pmtu_parse(m, l3_off, &e))
		return pmtu_not_relayed(w, p, m, l3_off); /* quoting no TCP segment */
	owner = pmtu_owner(w, p, &e);
	if (owner != w->index) {
		inbox_put(w, owner, m);
		return true;
	}
	f = pmtu_lookup(w, &e, &dir);
	if (!f) /* the host's own connections (the control plane's, say), or one gone */
		return pmtu_not_relayed(w, p, m, l3_off);
	if (e.hard)
		unreach_apply(w, f, dir, &e, m);
	else
		pmtu_apply(w, f, dir, &e, m);
	return true;
}
