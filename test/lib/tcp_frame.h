/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet + IPv4 (or IPv6) + TCP frames with correct checksums, as a peer of the data plane would
 * send them, and ARP requests: shared by the packet-path fuzzer, the relay-path unit suite,
 * bench-path and the generator. */
#ifndef TCP_FRAME_H
#define TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/* One TCP segment's fields; IPv4 addresses and ports in host order. */
struct tcp_frame_spec {
	struct rte_ether_addr dst_mac;
	uint32_t src, dst;          /* IPv4; with src6 set, src only names the source MAC */
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	const uint8_t *opts;        /* TCP options, a multiple of 4 bytes */
	unsigned int opt_len;
	const uint8_t *payload;
	size_t plen;
	const uint8_t *src6, *dst6; /* both set: an IPv6 segment between these addresses */
};

/* A frame of `len` bytes copied into an mbuf from pool, m->port set; NULL when none. */
struct rte_mbuf *tcp_frame_copy(struct rte_mempool *pool, const uint8_t *bytes, size_t len,
				uint16_t port_id);

/* The segment as a frame from pool (source MAC 02:00:00:00:00:<low byte of src>); NULL
 * when it would not fit a 1514-byte frame or the pool is empty. */
struct rte_mbuf *tcp_frame_build(struct rte_mempool *pool, uint16_t port_id,
				 const struct tcp_frame_spec *t);

/* A broadcast ARP request from src_mac and sender sip for tip (addresses in host order),
 * from pool; NULL when the pool is empty. */
struct rte_mbuf *tcp_frame_arp_request(struct rte_mempool *pool,
				       const struct rte_ether_addr *src_mac, uint32_t sip,
				       uint32_t tip);

#endif
