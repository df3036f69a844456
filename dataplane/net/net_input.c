/* SPDX-License-Identifier: BSD-3-Clause */
#include "net_input.h"

#include <rte_ip.h>

#include "arp.h"
#include "dp_tx.h"
#include "icmp.h"
#include "ip6.h"
#include "ipv4_check.h"

/* A broadcast address for p (ipv4_is_broadcast_in its own subnet). */
static bool ipv4_is_broadcast_for(const struct dp_port *p, uint32_t dst)
{
	return ipv4_is_broadcast_in(dst, p->ipv4, p->netmask);
}

/* Sources no frame to p may come from: martians, p's own addresses, a broadcast. */
static inline bool ipv4_source_refused(const struct dp_port *p, uint32_t src)
{
	return ipv4_is_martian_source(src) || dp_port_own_ipv4(p, src) ||
	       ipv4_is_broadcast_for(p, src);
}

/* Whether m went to a group MAC (broadcast, multicast): its IP destination should then be
 * a group too (RFC 1122 3.3.6's SHOULD; Linux has it as drop_unicast_in_l2_multicast, off
 * by default). A datagram to a unicast address in a frame to the whole link comes from a
 * host that never resolved it: misconfigured, or one probing the link unseen. */
static inline bool to_group_mac(const struct rte_mbuf *m)
{
	return rte_is_multicast_ether_addr(
		&rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->dst_addr);
}

/* Frame consumed: dropped for a reason, or given to the host. */
static uint16_t drop(struct dp_worker *w, struct rte_mbuf *m, enum dp_drop reason)
{
	dp_drop(w, m, reason);
	return 0;
}

static uint16_t to_host(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	dp_tx_kernel(w, p, m);
	return 0;
}

/* IPv4 from p: its header checked, then echo answered, TCP, UDP and too-big errors to p's
 * addresses handed back (the IP header's offset), the rest given to the host or dropped;
 * 0 when consumed. */
static uint16_t ipv4_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	const uint16_t l3_off = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	uint32_t in_first_seg = rte_pktmbuf_data_len(m) - l3_off;
	enum dp_drop verdict;
	uint32_t src, dst;

	/* Headers must sit in the first segment; total length is checked against the frame. */
	if (in_first_seg < sizeof(*ip))
		return drop(w, m, DP_DROP_runt);
	verdict = ipv4_check_header((const uint8_t *)ip, rte_pktmbuf_pkt_len(m) - l3_off,
				    ipv4_csum_hint_of(p->caps.rx_ipv4_cksum, m->ol_flags));
	if (verdict == DP_DROP_none && rte_ipv4_hdr_len(ip) > in_first_seg)
		verdict = DP_DROP_runt;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if ((verdict == DP_DROP_none || verdict == DP_DROP_ipv4_fragment) && to_group_mac(m) &&
	    !ipv4_is_broadcast_for(p, dst) && (dst >> 28) != 0xe)
		verdict = DP_DROP_l2_group_unicast_ip;
	/* Fragments to the appliance address are the host's to put together (a large UDP
	 * answer to its resolver, say); never TCP: the relay's connections send none, and
	 * the host would reset what it put together for a port it does not hold. */
	if (verdict == DP_DROP_ipv4_fragment && ip->next_proto_id != IPPROTO_TCP &&
	    dst == p->ipv4 &&
	    !ipv4_source_refused(p, rte_be_to_cpu_32(ip->src_addr)))
		return to_host(w, p, m);
	if (verdict != DP_DROP_none)
		return drop(w, m, verdict);
	src = rte_be_to_cpu_32(ip->src_addr);
	if (ipv4_source_refused(p, src))
		return drop(w, m, DP_DROP_ipv4_martian_src);
	if (dst != p->ipv4 && (dp_port_vip(p, dst) || dp_port_source_addr(p, dst))) {
		/* A plain TCP service's address, or a source address of the relay's own
		 * connections: TCP is the relay's, echo is answered from that address (so that
		 * ping and traceroute see it alive), nothing else lives there. */
		if (ip->next_proto_id == IPPROTO_TCP)
			return l3_off;
		if (ip->next_proto_id == IPPROTO_ICMP)
			return icmp_input(w, p, m, l3_off) ? l3_off : 0;
		return drop(w, m, DP_DROP_ipv4_not_for_us);
	}
	if (dst != p->ipv4) {
		/* Broadcast and multicast (DHCP, routing protocols) belong to the host. */
		if (ipv4_is_broadcast_for(p, dst) || (dst >> 28) == 0xe)
			return to_host(w, p, m);
		return drop(w, m, DP_DROP_ipv4_not_for_us);
	}
	if (ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP)
		return l3_off; /* the relay's, or its DNS; what they leave goes to the host */
	if (ip->next_proto_id == IPPROTO_ICMP) /* a too-big error may be the relay's */
		return icmp_input(w, p, m, l3_off) ? l3_off : 0;
	return to_host(w, p, m); /* everything else on the appliance address is the host's */
}

bool net_ipv4_tcp_passes(const struct dp_port *p, const struct rte_mbuf *m)
{
	const uint16_t l3_off = sizeof(struct rte_ether_hdr);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 l3_off);
	uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);

	return !rte_is_multicast_ether_addr(&eth->src_addr) && ip->next_proto_id == IPPROTO_TCP &&
	       ipv4_check_header((const uint8_t *)ip, rte_pktmbuf_pkt_len(m) - l3_off,
				 ipv4_csum_hint_of(p->caps.rx_ipv4_cksum, m->ol_flags)) ==
		       DP_DROP_none &&
	       rte_ipv4_hdr_len(ip) <= rte_pktmbuf_data_len(m) - l3_off &&
	       !ipv4_source_refused(p, rte_be_to_cpu_32(ip->src_addr)) &&
	       (dp_port_own_ipv4(p, dst) || dp_port_vip(p, dst));
}

/* The one place frames are sorted by what they carry. */
enum net_l3 { NET_L3_ARP, NET_L3_IPV4, NET_L3_IPV6, NET_L3_OTHER };

static inline enum net_l3 net_l3_of(const struct rte_ether_hdr *eth)
{
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		return NET_L3_ARP;
	case RTE_ETHER_TYPE_IPV4:
		return NET_L3_IPV4;
	case RTE_ETHER_TYPE_IPV6:
		return NET_L3_IPV6;
	default:
		return NET_L3_OTHER;
	}
}

/* A priority-tagged frame (802.1Q, VLAN 0: a priority alone, as hypervisors and switches
 * marking QoS send them) is the untagged link's, as Linux takes it: its tag taken off,
 * true. A frame of another VLAN (or too short for a tag) stays as it is. */
static bool priority_tag_strip(struct rte_mbuf *m)
{
	const struct rte_vlan_hdr *vh;

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*vh))
		return false;
	vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *,
				     sizeof(struct rte_ether_hdr));
	return (rte_be_to_cpu_16(vh->vlan_tci) & 0x0fff) == 0 && rte_vlan_strip(m) == 0;
}

uint16_t net_input_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (rte_pktmbuf_data_len(m) < sizeof(*eth))
		return drop(w, m, DP_DROP_runt);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &p->mac) &&
	    !rte_is_multicast_ether_addr(&eth->dst_addr))
		return drop(w, m, DP_DROP_l2_not_for_us);
	/* No station sends from a group address (IEEE 802): every answer goes back to the
	 * source, and an echo or a neighbour advertisement would go to the whole link. */
	if (rte_is_multicast_ether_addr(&eth->src_addr))
		return drop(w, m, DP_DROP_l2_group_source);
	if (unlikely(eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) &&
	    priority_tag_strip(m))
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *); /* the frame under the tag */
	switch (net_l3_of(eth)) {
	case NET_L3_IPV4:
		return ipv4_input(w, p, m);
	case NET_L3_IPV6:
		return ip6_input(w, p, m) ? (uint16_t)sizeof(*eth) : 0;
	case NET_L3_ARP:
		arp_input(w, p, m);
		return 0;
	default:
		return to_host(w, p, m); /* LLDP, other VLANs and the rest are the host's */
	}
}

bool net_input_copy(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	switch (net_l3_of(eth)) {
	case NET_L3_ARP:
		arp_learn(w, p, m);
		break;
	case NET_L3_IPV6:
		/* Other workers send IPv6 TCP and too-big errors to relay, and neighbour
		 * discovery to learn from. */
		if (((const struct rte_ipv6_hdr *)(eth + 1))->proto != IPPROTO_ICMPV6 ||
		    !ip6_learn(w, p, m))
			return false;
		break;
	default:
		return false;
	}
	rte_pktmbuf_free(m);
	return true;
}
