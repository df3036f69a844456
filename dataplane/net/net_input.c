/* First classification of every received frame: what the fast path owns, what the
 * kernel gets through the exception path, and what is dropped (counted by reason). */
#include <string.h>

#include <rte_ip.h>

#include "arp.h"
#include "dp.h"
#include "icmp.h"
#include "ip6.h"
#include "ipv4_check.h"
#include "relay.h"

void dp_tx_port(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	dp_event(w, DP_EV_tx_frames);
	rte_eth_tx_buffer(p->port_id, w->index, w->tx_port[p->index].frames, m);
}

void dp_to_kernel(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	if (!p->has_kernel)
		return dp_drop(w, m, DP_DROP_no_exception_path);
	dp_event(w, DP_EV_to_kernel);
	/* The kernel recomputes nothing for frames it receives: leave checksums as they came. */
	m->ol_flags = 0;
	rte_eth_tx_buffer(p->kernel_port_id, w->index, w->tx_kernel[p->index], m);
}

int dp_route_nexthop(const struct dp_appliance *app, uint32_t ip, uint32_t *nexthop)
{
	int via_gateway = -1;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];

		if (((ip ^ p->ipv4) & p->netmask) == 0) {
			*nexthop = ip;
			return (int)i;
		}
		if (p->gateway && via_gateway < 0)
			via_gateway = (int)i;
	}
	if (via_gateway >= 0)
		*nexthop = app->ports[via_gateway].gateway;
	return via_gateway;
}

bool dp_ipv6_in_prefix(const uint8_t *addr, const uint8_t *prefix, unsigned int len)
{
	unsigned int whole = len / 8, rest = len % 8;

	if (memcmp(addr, prefix, whole) != 0)
		return false;
	return rest == 0 || ((addr[whole] ^ prefix[whole]) & (uint8_t)(0xff00 >> rest)) == 0;
}

int dp_route_nexthop6(const struct dp_appliance *app, const struct neigh_addr *ip,
		      struct neigh_addr *nexthop)
{
	int via_gateway = -1;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];

		if (!p->has_ipv6)
			continue;
		/* A gateway is often link-local (routers advertise themselves that way): it
		 * is on the link of the port it is the gateway of. */
		if (dp_ipv6_in_prefix(ip->b, p->ipv6, p->prefix6_len) ||
		    (p->has_gateway6 && memcmp(ip->b, p->gateway6, 16) == 0)) {
			*nexthop = *ip;
			return (int)i;
		}
		if (p->has_gateway6 && via_gateway < 0)
			via_gateway = (int)i;
	}
	if (via_gateway >= 0)
		memcpy(nexthop->b, app->ports[via_gateway].gateway6, 16);
	return via_gateway;
}

static enum ipv4_csum_hint csum_hint(const struct dp_port *p, const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (!p->caps.rx_ipv4_cksum)
		return IPV4_CSUM_UNKNOWN;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return IPV4_CSUM_GOOD;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return IPV4_CSUM_BAD;
	return IPV4_CSUM_UNKNOWN;
}

static bool ipv4_is_broadcast_for(const struct dp_port *p, uint32_t dst)
{
	return dst == 0xffffffffu || (dst & ~p->netmask) == ~p->netmask;
}

static void ipv4_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	const uint16_t l3_off = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	uint32_t in_first_seg = rte_pktmbuf_data_len(m) - l3_off;
	enum dp_drop verdict;
	uint32_t src, dst;

	/* Headers must sit in the first segment; total length is checked against the frame. */
	if (in_first_seg < sizeof(*ip))
		return dp_drop(w, m, DP_DROP_runt);
	verdict = ipv4_check_header((const uint8_t *)ip, rte_pktmbuf_pkt_len(m) - l3_off,
				    csum_hint(p, m));
	if (verdict == DP_DROP_none && rte_ipv4_hdr_len(ip) > in_first_seg)
		verdict = DP_DROP_runt;
	if (verdict != DP_DROP_none)
		return dp_drop(w, m, verdict);
	src = rte_be_to_cpu_32(ip->src_addr);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (ipv4_is_martian_source(src) || src == p->ipv4 || ipv4_is_broadcast_for(p, src))
		return dp_drop(w, m, DP_DROP_ipv4_martian_src);
	if (dst != p->ipv4) {
		/* Broadcast and multicast (DHCP, routing protocols) belong to the host. */
		if (ipv4_is_broadcast_for(p, dst) || (dst >> 28) == 0xe)
			return dp_to_kernel(w, p, m);
		return dp_drop(w, m, DP_DROP_ipv4_not_for_us);
	}
	if (ip->next_proto_id == IPPROTO_ICMP)
		return icmp_input(w, p, m, l3_off);
	if (ip->next_proto_id == IPPROTO_TCP && relay_input(w, p, m, l3_off))
		return;
	/* Everything else on the appliance address is the host's. */
	dp_to_kernel(w, p, m);
}

void dp_input_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	dp_event(w, DP_EV_rx_frames);
	if (rte_pktmbuf_data_len(m) < sizeof(*eth))
		return dp_drop(w, m, DP_DROP_runt);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &p->mac) &&
	    !rte_is_multicast_ether_addr(&eth->dst_addr))
		return dp_drop(w, m, DP_DROP_l2_not_for_us);
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		return arp_input(w, p, m);
	case RTE_ETHER_TYPE_IPV4:
		return ipv4_input(w, p, m);
	case RTE_ETHER_TYPE_IPV6:
		return ip6_input(w, p, m);
	default:
		/* LLDP and the rest are the host's. */
		return dp_to_kernel(w, p, m);
	}
}
