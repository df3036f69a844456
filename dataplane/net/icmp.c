/* SPDX-License-Identifier: BSD-3-Clause */
#include "icmp.h"

#include <rte_icmp.h>
#include <rte_ip.h>

#include "dp_tx.h"
#include "icmp_error.h"

static void icmp_echo_reply(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
			    struct rte_ipv4_hdr *ip, struct rte_icmp_hdr *icmp)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t sum;

	rte_be32_t asked = ip->dst_addr; /* the port's address, a source address or a VIP */

	eth->dst_addr = eth->src_addr;
	eth->src_addr = p->mac;
	ip->dst_addr = ip->src_addr;
	ip->src_addr = asked;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* Only the type changes (8 -> 0): incremental update, RFC 1624 eqn. 3. */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	sum = (uint16_t)~rte_be_to_cpu_16(icmp->icmp_cksum);
	sum += (uint16_t)~(RTE_IP_ICMP_ECHO_REQUEST << 8);
	sum += (uint16_t)(RTE_IP_ICMP_ECHO_REPLY << 8);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~sum);
	dp_mbuf_tx_flags(m, 0);
	dp_event(w, DP_EV_icmp_echo_out);
	dp_tx_port(w, p, m);
}

void icmp_to_host(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		  uint16_t l3_off)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 l3_off);

	if (rte_be_to_cpu_32(ip->dst_addr) != p->ipv4)
		dp_drop(w, m, DP_DROP_ipv4_not_for_us);
	else
		dp_tx_kernel(w, p, m);
}

bool icmp_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		uint16_t l3_off)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	uint16_t ihl = rte_ipv4_hdr_len(ip);
	uint16_t icmp_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - ihl);
	struct rte_icmp_hdr *icmp;
	bool too_big;
	uint16_t sum;

	if (icmp_len < sizeof(*icmp) || rte_pktmbuf_data_len(m) < l3_off + ihl + sizeof(*icmp)) {
		dp_drop(w, m, DP_DROP_icmp_malformed);
		return false;
	}
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	/* A too-big error, or a hard unreachable: either may be about a relayed connection. */
	too_big = icmp4_is_frag_needed(icmp->icmp_type, icmp->icmp_code) ||
		  icmp4_is_hard(icmp->icmp_type, icmp->icmp_code);
	if (!too_big && (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)) {
		icmp_to_host(w, p, m, l3_off);
		return false;
	}
	if (rte_raw_cksum_mbuf(m, (uint32_t)(l3_off + ihl), icmp_len, &sum) != 0 || sum != 0xffff) {
		dp_drop(w, m, DP_DROP_icmp_malformed);
		return false;
	}
	if (too_big)
		return true;
	dp_event(w, DP_EV_icmp_echo_in);
	icmp_echo_reply(w, p, m, ip, icmp);
	return false;
}
