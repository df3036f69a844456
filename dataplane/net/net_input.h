/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * First look at every frame a worker receives: what L2/L3 owns (ARP, neighbour discovery,
 * echo) is answered or learned here, what belongs to the host goes to the kernel through
 * the exception path, what is bad is dropped and counted by reason. TCP, UDP and the
 * errors saying a packet was too big, to one of the port's own addresses, are handed back
 * to the caller, which gives them to the relay (or its DNS): this layer never calls up.
 * Worker lcores only.
 */
#ifndef NET_INPUT_H
#define NET_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"

/* Handle frame m received on data port p. Returns the offset of its IP header when m is
 * TCP, UDP or a too-big ICMP error (checksum checked) to one of p's addresses (headers
 * checked; m is then the caller's), or 0 when m was consumed. */
uint16_t net_input_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

/* Whether IPv4 frame m from p (Ethernet header first, for p's MAC) is TCP to p's address,
 * one of its source addresses or VIPs, and passes every check net_input_frame makes of
 * it, which would then hand it back at the IP header. Changes nothing: for a caller that
 * only needs to know. */
bool net_ipv4_tcp_passes(const struct dp_port *p, const struct rte_mbuf *m);

/* A frame another worker handed to w (see inbox.h): an ARP or neighbour discovery copy is
 * learned from and freed (true); anything else (relayed TCP, a too-big error) is left to
 * the caller (false). */
bool net_input_copy(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

#endif
