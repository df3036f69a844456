/* SPDX-License-Identifier: BSD-3-Clause */
#include "ip6.h"

#include <string.h>

#include <rte_ip.h>
#include <rte_random.h>

#include "dp_tx.h"
#include "inbox.h"
#include "mld.h"
#include "nd.h"
#include "nexthop.h"

#define L3_OFF sizeof(struct rte_ether_hdr)

static bool is_ours(const struct dp_port *p, const uint8_t addr[16])
{
	return memcmp(addr, p->ipv6, 16) == 0;
}

static bool is_loopback(const uint8_t addr[16])
{
	static const uint8_t loopback[16] = { [15] = 1 };

	return memcmp(addr, loopback, 16) == 0;
}

void ip6_send_solicit(struct dp_worker *w, const struct dp_port *p,
		      const struct neigh_addr *target)
{
	uint8_t frame[ND_FRAME_MAX];

	if (dp_tx_copy(w, p, frame, nd_build_ns(frame, &p->mac, p->ipv6, target->b)))
		dp_event(w, DP_EV_nd_solicit_out);
}

/* Multicast listener reports (mld.h) of a port's solicited-node group: two unsolicited
 * joins a second apart when the data plane starts and when the port's link comes back up
 * (RFC 3810's robustness variable and unsolicited report interval, 9.1 and 9.11), and an
 * answer to each query that asks, after a random part of its maximum response delay
 * (6.2); each on its own timer. A query of MLDv1 makes the reports MLDv1 until the older
 * version querier present timeout (9.12: 2 x 125 s + 10 s). A port paused for its
 * driver sends nothing: what is due waits a second at a time. */
#define MLD_UNSOLICITED 2
#define MLD_UNSOLICITED_GAP_MS 1000u
#define MLD_V1_QUERIER_MS 260000u
#define MLD_PAUSED_WAIT_MS 1000u

static void mld_send(struct dp_worker *w, const struct dp_port *p, enum mld_report r)
{
	uint64_t v1_until = __atomic_load_n(&w->app->mld_v1_until_ms[p->index], __ATOMIC_RELAXED);
	enum mld_version v = w->now_ms < v1_until ? MLD_V1 : MLD_V2;
	uint8_t frame[MLD_FRAME_MAX], group[16];

	nd_solicited_node(p->ipv6, group);
	if (dp_tx_copy(w, p, frame, mld_report_build(frame, &p->mac, group, v, r)))
		dp_event(w, DP_EV_mld_report_out);
}

/* Timer *due (ms, 0: none) of port p: fired (true) when due now, p not paused; pushed on
 * while p is paused. Lowers *next to what stays due. */
static bool mld_timer_fires(struct dp_worker *w, unsigned int p, uint64_t *due, uint64_t *next)
{
	if (!*due)
		return false;
	if (w->now_ms >= *due && w->tx_port[p].paused)
		*due = w->now_ms + MLD_PAUSED_WAIT_MS;
	if (w->now_ms < *due) {
		*next = RTE_MIN(*next, *due);
		return false;
	}
	*due = 0;
	return true;
}

void ip6_mld_start(struct dp_worker *w, const struct dp_port *p)
{
	if (!p->has_ipv6)
		return;
	w->mld_unsolicited[p->index] = MLD_UNSOLICITED;
	w->mld_join_ms[p->index] = RTE_MAX(w->now_ms, 1ul);
	w->link_timers_ms = RTE_MIN(w->link_timers_ms, w->now_ms);
}

uint64_t ip6_mld_run(struct dp_worker *w)
{
	uint64_t next = UINT64_MAX;

	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		if (mld_timer_fires(w, i, &w->mld_join_ms[i], &next)) {
			mld_send(w, p, MLD_REPORT_JOIN);
			if (--w->mld_unsolicited[i]) {
				w->mld_join_ms[i] = w->now_ms + MLD_UNSOLICITED_GAP_MS;
				next = RTE_MIN(next, w->mld_join_ms[i]);
			}
		}
		if (mld_timer_fires(w, i, &w->mld_answer_ms[i], &next))
			mld_send(w, p, MLD_REPORT_CURRENT);
	}
	return next;
}

void ip6_mld_leave(struct dp_worker *w)
{
	/* Once: RFC 3810 6.1 repeats state changes, but the process is ending; a leave
	 * lost costs the switch its membership timeout, not a neighbour. */
	for (unsigned int i = 0; i < w->app->n_ports; i++) /* a paused port takes nothing */
		if (w->app->ports[i].has_ipv6 && !w->tx_port[i].paused)
			mld_send(w, &w->app->ports[i], MLD_REPORT_LEAVE);
}

/* A query in m (l3_len bytes of IPv6 from L3_OFF) that asks about p's group: its answer
 * scheduled. m stays the caller's: the host hears queries too, for its own groups. */
static void mld_note_query(struct dp_worker *w, const struct dp_port *p,
			   const struct rte_mbuf *m, uint32_t l3_len)
{
	uint64_t *answer = &w->mld_answer_ms[p->index];
	struct mld_query q;
	uint8_t group[16];
	uint64_t due;

	nd_solicited_node(p->ipv6, group);
	if (rte_pktmbuf_data_len(m) < L3_OFF + l3_len ||
	    !mld_query_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, L3_OFF), l3_len, &q) ||
	    !mld_query_asks(&q, group))
		return;
	dp_event(w, DP_EV_mld_query_in);
	if (q.version == MLD_V1)
		__atomic_store_n(&w->app->mld_v1_until_ms[p->index], w->now_ms + MLD_V1_QUERIER_MS,
				 __ATOMIC_RELAXED);
	due = RTE_MAX(w->now_ms + (q.max_resp_ms ? rte_rand() % q.max_resp_ms : 0), 1ul);
	if (!*answer || due < *answer) /* an answer already due sooner serves (6.2) */
		*answer = due;
	w->link_timers_ms = RTE_MIN(w->link_timers_ms, *answer);
}

/* What a solicitation or advertisement tells of its sender (or target). Only messages
 * about our own address or answering us create entries, as with ARP; the counts are the
 * receiving worker's (count false for copies). Whether it may teach anything (what the
 * other workers are given a copy of). */
static bool learn(struct dp_worker *w, const struct dp_port *p, const struct nd_msg *msg,
		  bool count)
{
	struct neigh_addr who;
	enum neigh_learn_result r;
	bool for_us;

	if (!msg->has_lladdr || !rte_is_valid_assigned_ether_addr(&msg->lladdr) ||
	    rte_is_same_ether_addr(&msg->lladdr, &p->mac))
		return false;
	if (msg->kind == ND_NS) {
		if (nd_is_unspecified(msg->src) || !is_ours(p, msg->target))
			return false;
		memcpy(who.b, msg->src, 16);
		for_us = true;
	} else {
		/* An advertisement fills or confirms an entry only: with none, it is discarded
		 * (RFC 4861 7.2.5), so a host that claims an address first, unasked, cannot
		 * hold it against the real one. */
		memcpy(who.b, msg->target, 16);
		for_us = is_ours(p, msg->dst) && neigh_known_addr(w->neigh, &who);
	}
	/* As arp_sender_on_link: the neighbour cache is keyed by address alone, so only
	 * what belongs on p's link is learned there. */
	if (!nexthop_on_link6(p, who.b)) {
		if (count)
			dp_event(w, DP_EV_arp_off_link);
		return false;
	}
	r = neigh_learn_addr(w->neigh, &who, &msg->lladdr, w->now_ms, for_us);
	if (count && r == NEIGH_LEARN_UPDATED)
		dp_event(w, DP_EV_neigh_learned);
	else if (count && r == NEIGH_LEARN_CONFLICT)
		dp_event(w, DP_EV_neigh_conflict);
	return true;
}

/* Our address advertised to all nodes, unsolicited, with override: neighbours that
 * cached another MAC for it take ours (RFC 4861 7.2.6). */
static bool advertise_to_all(struct dp_worker *w, const struct dp_port *p)
{
	static const uint8_t unspecified[16];
	uint8_t frame[ND_FRAME_MAX];

	return dp_tx_copy(w, p, frame, nd_build_na(frame, &p->mac, p->ipv6, NULL, unspecified,
						 p->ipv6, false));
}

/* Another host advertises our address as its own: neighbours that take its override would
 * send our traffic there. Advertise ours to all nodes with override, at most once in
 * ND_DEFEND_MS per port (as ARP does, RFC 5227 2.4; RFC 4861 7.2.6), and count it. */
#define ND_DEFEND_MS 10000u
static void nd_defend(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	uint64_t *last = &w->nd_defended_ms[p->index];

	if (*last == 0 || w->now_ms - *last >= ND_DEFEND_MS) {
		*last = w->now_ms ? w->now_ms : 1;
		if (advertise_to_all(w, p))
			dp_event(w, DP_EV_nd_advert_out);
	}
	dp_drop(w, m, DP_DROP_nd_claims_ours);
}

void ip6_announce(struct dp_worker *w, const struct dp_port *p)
{
	if (advertise_to_all(w, p))
		dp_event(w, DP_EV_announce_out);
}

/* Whether advertisement msg (in frame m) gives our address to another MAC: the one its
 * target link-layer option names, which neighbours take, else the frame's sender. Our own
 * MAC there (our advertisement reflected, a proxy repeating it) claims nothing. */
static bool nd_is_claim(const struct dp_port *p, const struct rte_mbuf *m,
			const struct nd_msg *msg)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	return is_ours(p, msg->target) &&
	       !rte_is_same_ether_addr(msg->has_lladdr ? &msg->lladdr : &eth->src_addr, &p->mac);
}

/* Whether m (ICMPv6, l3_len bytes from L3_OFF, sent from our address) gives that address
 * to another MAC: an advertisement that is such a claim (as RFC 4861 7.2.6 has a host
 * announce itself), or a solicitation whose source link-layer option names another MAC,
 * which its receivers take for our address (RFC 4861 7.2.3). One without the option
 * changes no entry. */
static bool nd_claims_ours(const struct dp_port *p, const struct rte_mbuf *m, uint32_t l3_len)
{
	struct nd_msg msg;
	enum nd_kind kind;

	if (rte_pktmbuf_data_len(m) < L3_OFF + l3_len)
		return false;
	kind = nd_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, L3_OFF), l3_len, &msg);
	if (kind == ND_NS)
		return msg.has_lladdr && !rte_is_same_ether_addr(&msg.lladdr, &p->mac);
	return kind == ND_NA && nd_is_claim(p, m, &msg);
}

/* Whether msg, if it teaches this worker anything (learn), is news to the others too. As
 * for ARP (arp_input): an advertisement to our address always is, since it may answer
 * another worker's own solicitation, which only that one finishes; a solicitation or an
 * unasked advertisement from a neighbour this worker holds at that MAC already is not
 * (the others learned it from the first; one asking again and again would else fill the
 * rings that hand segments between workers). Asked before learn() refreshes the entry. */
static bool nd_news_to_others(const struct dp_worker *w, const struct dp_port *p,
			      const struct nd_msg *msg)
{
	struct neigh_addr who;

	if (w->app->n_workers < 2)
		return false;
	if (msg->kind == ND_NA && is_ours(p, msg->dst))
		return true;
	memcpy(who.b, msg->kind == ND_NS ? msg->src : msg->target, 16);
	return !neigh_holds_addr(w->neigh, &who, &msg->lladdr);
}

/* The message is contiguous in m's first segment and passed nd_parse. */
static void nd_answer(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		      const struct nd_msg *msg)
{
	uint8_t frame[ND_FRAME_MAX];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	bool dad = nd_is_unspecified(msg->src);
	bool news = nd_news_to_others(w, p, msg);

	/* Copied to the other workers only when it may teach them anything: a flood of
	 * advertisements of made-up targets would else fill the rings that hand segments
	 * between workers. */
	if (learn(w, p, msg, true) && news)
		inbox_copy_to_others(w, m);
	if (msg->kind == ND_NS && is_ours(p, msg->target)) {
		dp_event(w, DP_EV_nd_solicit_in);
		if (dp_tx_copy(w, p, frame, nd_build_na(frame, &p->mac, p->ipv6,
						      dad ? NULL : &eth->src_addr, msg->src,
						      p->ipv6, !dad)))
			dp_event(w, DP_EV_nd_advert_out);
	} else if (msg->kind == ND_NA) {
		dp_event(w, DP_EV_nd_advert_in);
	}
	rte_pktmbuf_free(m);
}

/* ICMPv6 to us or to a group: neighbour discovery and echo answered, the rest the host's;
 * true for a "packet too big" to our address, left to the caller (m not consumed). */
static bool icmp6_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
			uint32_t l3_len)
{
	struct nd_msg msg;

	/* Not in one piece: nothing of ours is that big (an error quoting a jumbo frame is
	 * cut to the minimum MTU, RFC 4443 2.4). */
	if (rte_pktmbuf_data_len(m) < L3_OFF + l3_len) {
		dp_tx_kernel(w, p, m);
		return false;
	}
	switch (nd_parse(rte_pktmbuf_mtod_offset(m, const uint8_t *, L3_OFF), l3_len, &msg)) {
	case ND_MALFORMED:
		dp_drop(w, m, DP_DROP_icmp6_malformed);
		break;
	case ND_NS:
		/* Solicitations for other addresses (the host's link-local) are the host's. */
		if (!is_ours(p, msg.target))
			dp_tx_kernel_neigh(w, p, m);
		else
			nd_answer(w, p, m, &msg);
		break;
	case ND_NA:
		if (nd_is_claim(p, m, &msg))
			nd_defend(w, p, m); /* someone claims our address */
		else if (is_ours(p, msg.target)) { /* ours, repeated: nothing to learn or answer */
			dp_event(w, DP_EV_nd_advert_in);
			rte_pktmbuf_free(m);
		}
		else if (!is_ours(p, msg.dst) && msg.dst[0] != 0xff)
			dp_tx_kernel_neigh(w, p, m); /* answers to the host's solicitations */
		else
			nd_answer(w, p, m, &msg);
		break;
	case ND_ECHO_REQUEST:
		if (!is_ours(p, msg.dst)) {
			dp_tx_kernel(w, p, m);
			break;
		}
		dp_event(w, DP_EV_icmp_echo_in);
		nd_echo_reply_in_place(rte_pktmbuf_mtod(m, uint8_t *), L3_OFF + l3_len, &p->mac);
		dp_mbuf_tx_flags(m, 0);
		dp_event(w, DP_EV_icmp_echo_out);
		dp_tx_port(w, p, m);
		break;
	case ND_TOO_BIG:
		if (is_ours(p, msg.dst))
			return true; /* it may concern a connection of the relay */
		dp_tx_kernel(w, p, m);
		break;
	default:
		dp_tx_kernel(w, p, m);
	}
	return false;
}

bool ip6_learn(struct dp_worker *w, const struct dp_port *p, const struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip6;
	struct nd_msg msg;
	uint32_t l3_len;
	enum nd_kind kind;

	if (!p->has_ipv6 || rte_pktmbuf_data_len(m) < L3_OFF + sizeof(*ip6))
		return true; /* nothing another worker hands over: a copy to drop */
	ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, L3_OFF);
	l3_len = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
	if (rte_pktmbuf_data_len(m) < L3_OFF + l3_len)
		return true;
	kind = nd_parse((const uint8_t *)ip6, l3_len, &msg);
	if (kind == ND_TOO_BIG)
		return false;
	if (kind == ND_NS || kind == ND_NA)
		learn(w, p, &msg, false);
	return true;
}

bool ip6_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip6;
	uint32_t l3_len;

	/* A port without an IPv6 address leaves all of IPv6 to the host, as before. */
	if (!p->has_ipv6) {
		dp_tx_kernel(w, p, m);
		return false;
	}
	if (rte_pktmbuf_data_len(m) < L3_OFF + sizeof(*ip6)) {
		dp_drop(w, m, DP_DROP_runt);
		return false;
	}
	ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, L3_OFF);
	l3_len = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 ||
	    l3_len > rte_pktmbuf_pkt_len(m) - L3_OFF) {
		dp_drop(w, m, DP_DROP_ipv6_header);
		return false;
	}
	/* A group MAC carries a group address only, as for IPv4 (net_input.c, to_group_mac). */
	if (ip6->dst_addr[0] != 0xff &&
	    rte_is_multicast_ether_addr(&rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->dst_addr)) {
		dp_drop(w, m, DP_DROP_l2_group_unicast_ip);
		return false;
	}
	if (is_ours(p, ip6->src_addr) && ip6->proto == IPPROTO_ICMPV6 &&
	    nd_claims_ours(p, m, l3_len)) {
		nd_defend(w, p, m);
		return false;
	}
	/* The unspecified source is for duplicate address detection and listener reports
	 * (multicast, the host's): nothing sent to our address may come from it. */
	if (ip6->src_addr[0] == 0xff || is_ours(p, ip6->src_addr) || is_loopback(ip6->src_addr) ||
	    (nd_is_unspecified(ip6->src_addr) && is_ours(p, ip6->dst_addr))) {
		dp_drop(w, m, DP_DROP_ipv6_martian_src);
		return false;
	}
	if ((ip6->proto == IPPROTO_TCP || ip6->proto == IPPROTO_UDP) && is_ours(p, ip6->dst_addr))
		return true; /* the relay's, or its DNS; what they leave goes to the host */
	if (ip6->proto == IPPROTO_ICMPV6 && (is_ours(p, ip6->dst_addr) || ip6->dst_addr[0] == 0xff))
		return icmp6_input(w, p, m, l3_len); /* a too-big error may be the relay's */
	if (ip6->proto == IPPROTO_HOPOPTS && ip6->dst_addr[0] == 0xff)
		mld_note_query(w, p, m, l3_len);
	/* Everything else (the host's own addresses, extension headers, multicast) is the
	 * host's, as all of IPv6 is on a port without an IPv6 address. */
	dp_tx_kernel(w, p, m);
	return false;
}
