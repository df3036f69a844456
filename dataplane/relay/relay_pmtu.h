/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path MTU for relayed connections (RFC 1191, RFC 8201). A router between the appliance and
 * one end that cannot carry the segments the relay forwards there answers with a too-big
 * error to the relay's address; neither end of the splice would ever see it. The relay
 * looks up the connection the error quotes, checks that the quoted bytes are in flight
 * towards that end (RFC 5927: a blind forger must guess the window), and lowers the MSS it
 * sends that side: from then on the splice cuts the other end's segments to fit (as it does
 * for a smaller MSS), and the sender's retransmission of the lost one gets through. A
 * client sending to a smaller backend path is told too, by a too-big error of its own
 * about its connection to the relay, so that it sends smaller segments itself and resends
 * at once; a backend is not (see relay_pmtu.c). A hard unreachable (port unreachable,
 * refused by policy) quoting the relay's SYN to a member makes it try the next member at
 * once, as a RST would. Worker lcores only.
 */
#ifndef RELAY_PMTU_H
#define RELAY_PMTU_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"

/* A too-big error to one of p's addresses (IP header at l3_off, checksum checked by the
 * net layer): handed to the worker owning the connection it quotes, or used here (true,
 * m consumed). One quoting no connection of the relay is the host's, whose own
 * connections it may concern: an IPv4 one goes as icmp_to_host says (true), an IPv6 one
 * is left to the caller (false). */
bool relay_pmtu_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
		      uint16_t l3_off);

#endif
