/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pieces of the splice's rewrite that its full path (splice.c) and its burst path
 * (splice_fast.c) share: window rescaling and the IPv4 checksums' last step.
 */
#ifndef SPLICE_REWRITE_H
#define SPLICE_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "csum_delta.h"
#include "dp.h"
#include "dp_tx.h"
#include "relay_tcp.h"
#include "tcp_out.h"

/* A window of bytes in the receiver's scale (to_shift), saturating. */
static inline uint16_t splice_rescale(uint32_t bytes, uint8_t to_shift)
{
	return (uint16_t)RTE_MIN(bytes >> to_shift, 65535u);
}

/* The IPv4 segment's checksums once its fields are rewritten: left to out_port's offloads
 * when it has both and the TCP sum that came is known right (sum_ok: summed, else what
 * in_port's NIC said), else patched by the noted changes (d for TCP, d_ip for the IP
 * header; the header was checked on the way in, so its checksum is right to patch), or
 * the TCP sum computed anew when a change sat at an odd offset (aligned false: the caller
 * has then checked the sum that came). */
static inline void splice_finish_checksums(struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
					   struct rte_tcp_hdr *tcp, uint16_t l4_off,
					   const struct dp_port *in_port,
					   const struct dp_port *out_port,
					   const struct csum_delta *d,
					   const struct csum_delta *d_ip, bool aligned, bool sum_ok)
{
	if (out_port->caps.tx_ipv4_cksum && out_port->caps.tx_tcp_cksum &&
	    (sum_ok || relay_sum_vouched(in_port, m))) {
		ip->hdr_checksum = 0;
		m->l2_len = (uint64_t)((uint8_t *)ip - rte_pktmbuf_mtod(m, uint8_t *));
		m->l3_len = rte_ipv4_hdr_len(ip);
		dp_mbuf_tx_flags(m, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM);
		tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		return;
	}
	dp_mbuf_tx_flags(m, 0);
	ip->hdr_checksum = csum_delta_apply(d_ip, ip->hdr_checksum);
	if (aligned) {
		tcp->cksum = csum_delta_apply(d, tcp->cksum);
	} else {
		tcp->cksum = 0;
		tcp->cksum = tcp_checksum_mbuf(m, ip, l4_off);
	}
}

#endif
