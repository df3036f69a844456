/* SPDX-License-Identifier: BSD-3-Clause */
/* Building the TCP segments the relay originates: handshakes, ACKs, RSTs and replays
 * of the kept client bytes. Worker lcores only. */
#ifndef TCP_OUT_H
#define TCP_OUT_H

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp.h"
#include "dp_tx.h"
#include "flow.h"

/* Ethernet + IP + TCP headers (with opt_len bytes of options) from k's local end to its
 * peer through port p: IPv4 with k's addresses, or IPv6 with a6's when a6 is given (k
 * still gives the ports). Payload may be chained after. NULL when out of mbufs. */
struct rte_mbuf *tcp_out_header(struct rte_mempool *pool, const struct dp_port *p,
				const struct flow_key *k, const struct flow_addr6 *a6,
				const struct rte_ether_addr *dst_mac, uint8_t flags, uint32_t seq,
				uint32_t ack, uint16_t win, const uint8_t *opts, unsigned int opt_len);

/* The IPv4 (k's addresses) or IPv6 (a6 given) header at l3 of a TCP segment from k's
 * local end to its peer; lengths and checksums are left to tcp_out_finish. */
void tcp_out_ip_header(void *l3, const struct flow_key *k, const struct flow_addr6 *a6);

/* Fill lengths and checksums of an IPv4 or IPv6 segment (in software, or as offload requests where p can), copying a
 * chained payload into the first segment when p cannot send chains. -1: no room. */
int tcp_out_finish(struct rte_mbuf *m, const struct dp_port *p);

/* TCP checksum (complemented, ready to store) of the segment whose IPv4 header is ip and
 * TCP header starts at l4_off of m, over every segment of the chain. Unlike 22.11's
 * rte_raw_cksum_mbuf it stays right when a segment has an odd length. */
uint16_t tcp_checksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
			   uint32_t l4_off);

/* The same for a segment behind the IPv6 header ip6 (no extension headers). */
uint16_t tcp_checksum_mbuf6(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6,
			    uint32_t l4_off);

/* Reset answering a segment we will not take: seq/ack per RFC 793 from its fields. */
void tcp_out_rst_reply(struct dp_worker *w, const struct dp_port *p, const struct flow_key *k,
		       const struct flow_addr6 *a6, const struct rte_ether_addr *dst_mac,
		       uint32_t seq, uint32_t ack, bool with_ack);

#endif
