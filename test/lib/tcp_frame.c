#include "tcp_frame.h"

#include <string.h>

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

struct rte_mbuf *tcp_frame_build(struct rte_mempool *pool, uint16_t port_id,
				 const struct tcp_frame_spec *t)
{
	uint8_t buf[1514];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	size_t l4 = sizeof(*tcp) + t->opt_len + t->plen;

	if (sizeof(*eth) + sizeof(*ip) + l4 > sizeof(buf))
		return NULL;
	memset(buf, 0, sizeof(*eth) + sizeof(*ip) + sizeof(*tcp));
	eth->dst_addr = t->dst_mac;
	eth->src_addr = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, (uint8_t)t->src } };
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(t->src);
	ip->dst_addr = rte_cpu_to_be_32(t->dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
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
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return tcp_frame_copy(pool, buf, sizeof(*eth) + sizeof(*ip) + l4, port_id);
}
