/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_frame.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

struct rte_mbuf *tcp_frame_copy(struct rte_mempool *pool, const uint8_t *bytes, size_t len,
				uint16_t port_id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *to = m ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (!to) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(to, bytes, len);
	m->port = port_id;
	return m;
}

/* The IP header at l3 for a TCP segment of l4 bytes; returns the TCP header's place. */
static struct rte_tcp_hdr *ip_header(const struct tcp_frame_spec *t, uint8_t *l3, size_t l4)
{
	if (t->src6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4);
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, t->src6, 16);
		memcpy(ip6->dst_addr, t->dst6, 16);
		return (struct rte_tcp_hdr *)(ip6 + 1);
	}
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(t->src);
		ip->dst_addr = rte_cpu_to_be_32(t->dst);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		return (struct rte_tcp_hdr *)(ip + 1);
	}
}

struct rte_mbuf *tcp_frame_build(struct rte_mempool *pool, uint16_t port_id,
				 const struct tcp_frame_spec *t)
{
	uint8_t buf[1514] = { 0 };
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	size_t l3 = t->src6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	size_t l4 = sizeof(struct rte_tcp_hdr) + t->opt_len + t->plen;
	struct rte_tcp_hdr *tcp;

	if (sizeof(*eth) + l3 + l4 > sizeof(buf))
		return NULL;
	eth->dst_addr = t->dst_mac;
	eth->src_addr = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, (uint8_t)t->src } };
	eth->ether_type = rte_cpu_to_be_16(t->src6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	tcp = ip_header(t, (uint8_t *)(eth + 1), l4);
	tcp->src_port = rte_cpu_to_be_16(t->sport);
	tcp->dst_port = rte_cpu_to_be_16(t->dport);
	tcp->sent_seq = rte_cpu_to_be_32(t->seq);
	tcp->recv_ack = rte_cpu_to_be_32(t->ack);
	tcp->data_off = (uint8_t)(((sizeof(*tcp) + t->opt_len) / 4) << 4);
	tcp->tcp_flags = t->flags;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	if (t->opt_len)
		memcpy(tcp + 1, t->opts, t->opt_len);
	if (t->plen)
		memcpy((uint8_t *)(tcp + 1) + t->opt_len, t->payload, t->plen);
	tcp->cksum = t->src6 ? rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)(eth + 1), tcp)
			     : rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(eth + 1), tcp);
	return tcp_frame_copy(pool, buf, sizeof(*eth) + l3 + l4, port_id);
}

struct rte_mbuf *tcp_frame_arp_request(struct rte_mempool *pool,
				       const struct rte_ether_addr *src_mac, uint32_t sip,
				       uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;

	if (!m)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*a));
	a = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = *src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = sizeof(uint32_t);
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *src_mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return m;
}
