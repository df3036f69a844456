/* SPDX-License-Identifier: BSD-3-Clause */
#include "arp.h"

#include <rte_arp.h>

#include "dp_tx.h"
#include "inbox.h"
#include "neigh.h"

static bool arp_is_valid(const struct rte_arp_hdr *a)
{
	return a->arp_hardware == rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) &&
	       a->arp_protocol == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	       a->arp_hlen == RTE_ETHER_ADDR_LEN && a->arp_plen == sizeof(uint32_t) &&
	       (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
		a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
}

/* Turn the request in m into our reply, in place: no allocation, no copy. */
static void arp_reply_in_place(struct dp_worker *w, const struct dp_port *p,
			       struct rte_mbuf *m, struct rte_ether_hdr *eth,
			       struct rte_arp_hdr *a)
{
	struct rte_arp_ipv4 *d = &a->arp_data;
	uint32_t asked = d->arp_tip;

	eth->dst_addr = d->arp_sha;
	eth->src_addr = p->mac;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = d->arp_sip;
	d->arp_sha = p->mac;
	d->arp_sip = asked; /* the port's address, one of its source addresses or VIPs */
	dp_event(w, DP_EV_arp_reply_out);
	dp_tx_port(w, p, m);
}

/* Whether p answers ARP for tip (host order): its address, its source addresses, its VIPs. */
static bool arp_answers_for(const struct dp_port *p, uint32_t tip)
{
	return dp_port_own_ipv4(p, tip) || dp_port_vip(p, tip);
}

/*
 * The neighbour cache is keyed by address alone: a claim of a backend's address arriving
 * on the client port would otherwise send the backend's traffic to whoever made it, and
 * senders beyond the link are never our next hop anyway.
 */
bool arp_sender_on_link(const struct dp_port *p, uint32_t sip)
{
	uint32_t host = sip & ~p->netmask;

	if (sip == p->gateway)
		return true;
	if (((sip ^ p->ipv4) & p->netmask) != 0)
		return false;
	/* The subnet's network and broadcast addresses are nobody's (a /31 has neither). */
	return ~p->netmask <= 1 || (host != 0 && host != ~p->netmask);
}

/* Whether an ARP frame's sender may teach the cache anything: not an address probe
 * (sender 0), nor a claim of our own address, nor a made-up MAC or our own, and on p's
 * link (an off-link sender is counted when count is set). */
static bool arp_teaches(struct dp_worker *w, const struct dp_port *p,
			const struct rte_arp_hdr *a, bool count)
{
	uint32_t sip = rte_be_to_cpu_32(a->arp_data.arp_sip);

	if (sip == 0 || dp_port_own_ipv4(p, sip) ||
	    !rte_is_valid_assigned_ether_addr(&a->arp_data.arp_sha) ||
	    rte_is_same_ether_addr(&a->arp_data.arp_sha, &p->mac))
		return false;
	if (!arp_sender_on_link(p, sip)) {
		if (count)
			dp_event(w, DP_EV_arp_off_link);
		return false;
	}
	return true;
}

/* Give the sender of an ARP frame (one that arp_teaches) to the neighbour cache; count
 * the outcome when count is set (only the worker that received the frame counts it). */
static void arp_claim(struct dp_worker *w, const struct rte_arp_hdr *a, bool for_us, bool count)
{
	uint32_t sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	struct neigh_addr who = neigh_addr_v4(sip);
	enum neigh_learn_result r;

	/* A request for us may create its sender's entry (it is about to talk to us); a reply
	 * fills or confirms one only: one nobody asked for creates none (as Linux without
	 * arp_accept), so a host that claims an address first, unasked, cannot hold it
	 * against the real one (a known MAC is never moved). */
	if (for_us && a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
		for_us = neigh_known_addr(w->neigh, &who);
	r = neigh_learn_addr(w->neigh, &who, &a->arp_data.arp_sha, w->now_ms, for_us);
	if (count && r == NEIGH_LEARN_UPDATED)
		dp_event(w, DP_EV_neigh_learned);
	else if (count && r == NEIGH_LEARN_CONFLICT)
		dp_event(w, DP_EV_neigh_conflict);
}

/* An ARP request from p's address sender_ip (one of p's own) for target_ip, to the whole
 * link (target_ip = sender_ip: an announcement): true once handed to the port, false
 * when no mbuf was left (counted out_no_mbuf). */
static bool arp_send(struct dp_worker *w, const struct dp_port *p, uint32_t sender_ip,
		     uint32_t target_ip);

/* The last time vip was announced against a claim, as arp_defend's (a VIP range is too
 * large for one slot an address: a small table by the address's hash). A claim of
 * another VIP takes the slot over with its time: the slot rations the VIPs that share it
 * together. Were the time to start over, claims of two such VIPs in turn would each be
 * answered, and two appliances given the same VIP range would answer each other's
 * announcements for ever. */
static uint64_t *vip_defended(struct dp_worker *w, const struct dp_port *p, uint32_t vip)
{
	unsigned int slot = (uint32_t)(vip * 0x9e3779b1u) >> 28;

	RTE_BUILD_BUG_ON(DP_VIP_DEFENDED != 16);
	w->vip_defended[p->index][slot].vip = vip;
	return &w->vip_defended[p->index][slot].ms;
}

/* Another host says an address of ours (the port's, one of its source addresses or its
 * VIPs) is its own (a misconfigured one, or a spoofer): the link may now send our traffic
 * there. Announce ours to the whole link again, at most once in ARP_DEFEND_MS per address
 * (RFC 5227 2.4), and count it; the frame teaches nothing. */
#define ARP_DEFEND_MS 10000u
static void arp_defend(struct dp_worker *w, const struct dp_port *p, uint32_t ours,
		       struct rte_mbuf *m)
{
	uint64_t *last = dp_port_vip(p, ours) ? vip_defended(w, p, ours)
				      : &w->arp_defended_ms[p->index][dp_port_own_ipv4_index(p, ours)];

	if (*last == 0 || w->now_ms - *last >= ARP_DEFEND_MS) {
		*last = w->now_ms ? w->now_ms : 1;
		arp_send(w, p, ours, ours);
	}
	dp_drop(w, m, DP_DROP_arp_claims_ours);
}

void arp_learn(struct dp_worker *w, const struct dp_port *p, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a;
	uint32_t sip, tip;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*a))
		return;
	a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	/* Same rules as the worker that got it (arp_input), which counted it. */
	if ((arp_answers_for(p, tip) || sip == tip) && arp_teaches(w, p, a, false))
		arp_claim(w, a, arp_answers_for(p, tip), false);
}

void arp_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a;
	struct neigh_addr sender;
	uint32_t sip, tip;
	bool is_request, for_us, teaches;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*a))
		return dp_drop(w, m, DP_DROP_runt);
	a = (struct rte_arp_hdr *)(eth + 1);
	if (!arp_is_valid(a) || rte_is_multicast_ether_addr(&a->arp_data.arp_sha))
		return dp_drop(w, m, DP_DROP_arp_malformed);
	sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	sender = neigh_addr_v4(sip);
	/* Our VIPs too: the link's caches would take the claimant's MAC for them. */
	if ((dp_port_own_ipv4(p, sip) || dp_port_vip(p, sip)) &&
	    !rte_is_same_ether_addr(&a->arp_data.arp_sha, &p->mac))
		return arp_defend(w, p, sip, m);
	is_request = a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	for_us = arp_answers_for(p, tip);
	/* The other workers learn from it what this one does (arp_learn): only ARP for our
	 * addresses and claims of the sender's own, from a sender that may teach anything;
	 * copying the rest for them to drop would let a flood of other hosts' ARP (or of
	 * made-up senders) fill the rings that hand segments between workers. Copied before
	 * the frame is turned into a reply. */
	teaches = (for_us || sip == tip) && arp_teaches(w, p, a, true);
	/* A claim of the sender's own confirms an entry at its MAC, or starts a check of a
	 * known one at another (a failover announcing its new MAC): copied whether or not
	 * this worker knows the address (another may, and follow the move only so). Neither
	 * it nor a request for us is copied when this worker holds the sender at that MAC
	 * already: the others learned it from the first (a sender asking again and again
	 * would fill the rings that hand segments over). A reply to us always is: it may
	 * answer another worker's own request, which only it finishes. */
	if (w->app->n_workers > 1 && teaches &&
	    ((for_us && !is_request) || !neigh_holds_addr(w->neigh, &sender, &a->arp_data.arp_sha)))
		inbox_copy_to_others(w, m);
	/* Not for us (gratuitous): it may confirm what we know, never create or change. */
	if (teaches)
		arp_claim(w, a, for_us, true);
	if (!for_us)
		return dp_drop(w, m, DP_DROP_arp_not_for_us);
	if (is_request) {
		dp_event(w, DP_EV_arp_request_in);
		return arp_reply_in_place(w, p, m, eth, a);
	}
	/* Replies to us may answer the kernel's own requests on the exception path. */
	dp_event(w, DP_EV_arp_reply_in);
	dp_tx_kernel_neigh(w, p, m);
}

void arp_send_request(struct dp_worker *w, const struct dp_port *p, uint32_t target_ip)
{
	if (arp_send(w, p, p->ipv4, target_ip))
		dp_event(w, DP_EV_arp_request_out);
}

static bool arp_send(struct dp_worker *w, const struct dp_port *p, uint32_t sender_ip,
		     uint32_t target_ip)
{
	struct {
		struct rte_ether_hdr eth;
		struct rte_arp_hdr a;
	} f;

	RTE_BUILD_BUG_ON(sizeof(f) != sizeof(f.eth) + sizeof(f.a)); /* no padding between */
	memset(&f.eth.dst_addr, 0xff, sizeof(f.eth.dst_addr));
	f.eth.src_addr = p->mac;
	f.eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	f.a.arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	f.a.arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	f.a.arp_hlen = RTE_ETHER_ADDR_LEN;
	f.a.arp_plen = sizeof(uint32_t);
	f.a.arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	f.a.arp_data.arp_sha = p->mac;
	f.a.arp_data.arp_sip = rte_cpu_to_be_32(sender_ip);
	memset(&f.a.arp_data.arp_tha, 0, sizeof(f.a.arp_data.arp_tha));
	f.a.arp_data.arp_tip = rte_cpu_to_be_32(target_ip);
	return dp_tx_copy(w, p, &f, sizeof(f));
}

void arp_announce_addr(struct dp_worker *w, const struct dp_port *p, uint32_t ip)
{
	if (arp_send(w, p, ip, ip))
		dp_event(w, DP_EV_announce_out);
}

void arp_announce(struct dp_worker *w, const struct dp_port *p)
{
	for (unsigned int i = 0; i < p->n_src_ipv4; i++)
		arp_announce_addr(w, p, p->src_ipv4[i]);
}
