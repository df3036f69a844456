/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_out.h"

#include <rte_ip.h>

#include "csum_delta.h"
#include "dp_tx.h"

void tcp_out_ip_header(void *l3, const struct flow_key *k, const struct flow_addr6 *a6)
{
	if (a6) {
		struct rte_ipv6_hdr *ip6 = l3;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = 0; /* tcp_out_finish fills it */
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, a6->local, 16);
		memcpy(ip6->dst_addr, a6->peer, 16);
		return;
	}
	{
		struct rte_ipv4_hdr *ip = l3;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = k->local_ip;
		ip->dst_addr = k->peer_ip;
	}
}

struct rte_mbuf *tcp_out_header(struct rte_mempool *pool, const struct dp_port *p,
				const struct flow_key *k, const struct flow_addr6 *a6,
				const struct rte_ether_addr *dst_mac, uint8_t flags, uint32_t seq,
				uint32_t ack, uint16_t win, const uint8_t *opts, unsigned int opt_len)
{
	const uint16_t l3_len = a6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	const uint16_t hlen = (uint16_t)(sizeof(struct rte_ether_hdr) + l3_len +
					 sizeof(struct rte_tcp_hdr) + opt_len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	struct rte_tcp_hdr *tcp;

	if (!m)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, hlen);
	if (!eth) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth->dst_addr = *dst_mac;
	eth->src_addr = p->mac;
	eth->ether_type = rte_cpu_to_be_16(a6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	tcp_out_ip_header(eth + 1, k, a6);
	tcp = (struct rte_tcp_hdr *)((uint8_t *)(eth + 1) + l3_len);
	tcp->src_port = k->local_port;
	tcp->dst_port = k->peer_port;
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->data_off = (uint8_t)(((sizeof(*tcp) + opt_len) / 4) << 4);
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(win);
	tcp->cksum = 0;
	tcp->tcp_urp = 0;
	if (opt_len)
		memcpy(tcp + 1, opts, opt_len);
	return m;
}

/* 32-byte blocks of p into sum, with the carries folded back in (one's complement). On
 * x86-64 an add-with-carry chain: one instruction per 8 bytes, where rte_raw_cksum's loop
 * (16-bit words widened to 32-bit lanes) measured about one per byte on a connection's
 * segments. Elsewhere 32-bit words into the 64-bit sum. */
static __rte_always_inline uint64_t sum_blocks(const uint8_t **p, uint32_t *len, uint64_t sum)
{
	for (; *len >= 32; *len -= 32, *p += 32) {
#if defined(__x86_64__)
		__asm__("addq 0(%[p]), %[s]\n\t"
			"adcq 8(%[p]), %[s]\n\t"
			"adcq 16(%[p]), %[s]\n\t"
			"adcq 24(%[p]), %[s]\n\t"
			"adcq $0, %[s]"
			: [s] "+r"(sum)
			: [p] "r"(*p), "m"(*(const uint8_t(*)[32])*p)
			: "cc");
#else
		for (int i = 0; i < 32; i += 4) {
			uint32_t w;

			memcpy(&w, *p + i, sizeof(w));
			sum += w;
		}
#endif
	}
	return sum;
}

/* The one's-complement sum of a piece, native order, as rte_raw_cksum gives it: blocks,
 * then 32-bit words, then the last bytes padded with zeros. A one's-complement sum does
 * not mind the width of its words, 2^16 being 1 modulo 0xffff. */
static __rte_always_inline uint16_t sum_piece(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = sum_blocks(&p, &len, 0);

	/* Room for the words below: fold the blocks' sum to 33 bits first. */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	for (; len >= 4; len -= 4, p += 4) {
		uint32_t w;

		memcpy(&w, p, sizeof(w));
		sum += w;
	}
	if (len) {
		uint32_t tail = 0;

		memcpy(&tail, p, len); /* the bytes in memory order, zeros after: as words */
		sum += tail;
	}
	return csum_fold64(sum);
}

/* One's-complement sum of len bytes from l4_off on, over every segment of m's chain,
 * folded onto sum (a pseudo-header's); complemented, ready to store. */
static __rte_always_inline uint16_t checksum_chain(const struct rte_mbuf *m, uint32_t sum,
						   uint32_t l4_off, uint32_t len)
{
	uint32_t done = 0, off = l4_off;

	for (const struct rte_mbuf *seg = m; seg && done < len; seg = seg->next) {
		uint32_t take;
		uint16_t part;

		if (off >= seg->data_len) {
			off -= seg->data_len;
			continue;
		}
		take = RTE_MIN((uint32_t)seg->data_len - off, len - done);
		part = sum_piece(rte_pktmbuf_mtod_offset(seg, const void *, off), take);
		/* A piece that starts at an odd offset of the segment sums byte-swapped. */
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += take;
		off = 0;
	}
	return (uint16_t)~csum_fold64(sum);
}

uint16_t tcp_checksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
			   uint32_t l4_off)
{
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip));
	/* The pseudo-header (RFC 793): both addresses, the protocol and the TCP length, summed
	 * as they lie in memory, as sum_piece does. */
	uint64_t phdr = (uint64_t)ip->src_addr + ip->dst_addr + rte_cpu_to_be_16(IPPROTO_TCP) +
			rte_cpu_to_be_16(l4_len);

	return checksum_chain(m, csum_fold64(phdr), l4_off, l4_len);
}

uint16_t tcp_checksum_mbuf6(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6,
			    uint32_t l4_off)
{
	return checksum_chain(m, rte_ipv6_phdr_cksum(ip6, 0), l4_off,
			      rte_be_to_cpu_16(ip6->payload_len));
}

static int finish_ipv6(struct rte_mbuf *m, const struct dp_port *p, uint16_t l3_off)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, l3_off);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip6 + 1);

	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - l3_off - sizeof(*ip6)));
	tcp->cksum = 0;
	if (p->caps.tx_tcp_cksum) {
		m->l2_len = l3_off;
		m->l3_len = sizeof(*ip6);
		dp_mbuf_tx_flags(m, RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM);
		tcp->cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
		return 0;
	}
	dp_mbuf_tx_flags(m, 0);
	tcp->cksum = tcp_checksum_mbuf6(m, ip6, l3_off + sizeof(*ip6));
	return 0;
}

int tcp_out_finish(struct rte_mbuf *m, const struct dp_port *p)
{
	const uint16_t l3_off = sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	/* DPDK's copy into the first buffer reads the chain's length from the head, the one
	 * place it is whole (rte_pktmbuf_chain leaves a tail's own at its first buffer's). */
	if (m->next && !p->caps.tx_multi_seg && rte_pktmbuf_linearize(m) < 0)
		return -1;
	if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type ==
	    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return finish_ipv6(m, p, l3_off);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(m->pkt_len - l3_off));
	ip->hdr_checksum = 0;
	tcp->cksum = 0;
	if (p->caps.tx_ipv4_cksum && p->caps.tx_tcp_cksum) {
		m->l2_len = l3_off;
		m->l3_len = sizeof(*ip);
		dp_mbuf_tx_flags(m, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM);
		tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		return 0;
	}
	dp_mbuf_tx_flags(m, 0);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->cksum = tcp_checksum_mbuf(m, ip, l3_off + sizeof(*ip));
	return 0;
}

void tcp_out_rst_reply(struct dp_worker *w, const struct dp_port *p, const struct flow_key *k,
		       const struct flow_addr6 *a6, const struct rte_ether_addr *dst_mac,
		       uint32_t seq, uint32_t ack, bool with_ack)
{
	uint8_t flags = RTE_TCP_RST_FLAG | (with_ack ? RTE_TCP_ACK_FLAG : 0);
	struct rte_mbuf *m = tcp_out_header(w->app->pool, p, k, a6, dst_mac, flags, seq,
					    with_ack ? ack : 0, 0, NULL, 0);

	if (!m)
		return;
	if (tcp_out_finish(m, p) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_event(w, DP_EV_tcp_rst_out);
	dp_tx_port(w, p, m);
}
