/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_rx_sum.h"

#include <rte_ether.h>
#include <rte_ip.h>

void dp_rx_sum_whole(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	rte_be16_t type = eth->ether_type;
	uint16_t l3 = sizeof(*eth);
	struct rte_ipv4_hdr *ip = NULL;
	struct rte_ipv6_hdr *ip6 = NULL;
	uint16_t l4, at;
	uint8_t proto;
	rte_be16_t *sum;

	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return;
	/* Under one 802.1Q tag (a priority tag the net layer takes off, a VLAN of the
	 * host's): the device left its sum partial all the same. */
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) &&
	    rte_pktmbuf_data_len(m) >= l3 + sizeof(struct rte_vlan_hdr)) {
		type = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *, l3)->eth_proto;
		l3 += sizeof(struct rte_vlan_hdr);
	}
	/* Each family's own header length: a one-byte UDP datagram over IPv4 (a NAT
	 * keepalive) is shorter than an IPv6 header alone. */
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	    rte_pktmbuf_data_len(m) >= l3 + sizeof(*ip)) {
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3);
		if ((ip->version_ihl >> 4) != 4 || rte_ipv4_hdr_len(ip) < sizeof(*ip))
			return; /* the net layer refuses it */
		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
			return; /* a fragment: its sum is the whole datagram's */
		l4 = (uint16_t)(l3 + rte_ipv4_hdr_len(ip));
		proto = ip->next_proto_id;
	} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
		   rte_pktmbuf_data_len(m) >= l3 + sizeof(*ip6)) {
		ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3);
		if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
			return;
		l4 = (uint16_t)(l3 + sizeof(*ip6));
		proto = ip6->proto;
	} else {
		return;
	}
	at = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0;
	if (!at || rte_pktmbuf_data_len(m) < l4 + at + 2u)
		return;
	sum = rte_pktmbuf_mtod_offset(m, rte_be16_t *, l4 + at);
	*sum = 0;
	*sum = ip ? rte_ipv4_udptcp_cksum_mbuf(m, ip, l4) : rte_ipv6_udptcp_cksum_mbuf(m, ip6, l4);
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}
