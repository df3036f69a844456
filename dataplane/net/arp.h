/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP responder and resolver for the appliance's IPv4 addresses. Runs on worker lcores. */
#ifndef ARP_H
#define ARP_H

#include "dp.h"

/* Handle an ARP frame (Ethernet header at offset 0): answer, learn, pass on or drop. */
void arp_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

/* Learn from an ARP frame another worker received (no answer, nothing passed on).
 * m is not consumed. */
void arp_learn(struct dp_worker *w, const struct dp_port *p, const struct rte_mbuf *m);

/* Whether the sender of an ARP frame received on p may be learned there: it is in p's
 * subnet (and not the subnet's network or broadcast address), or it is p's gateway. */
bool arp_sender_on_link(const struct dp_port *p, uint32_t sip);

/* Broadcast a who-has for target_ip out of port p. */
void arp_send_request(struct dp_worker *w, const struct dp_port *p, uint32_t target_ip);

/* Announce each of p's IPv4 addresses (its own, then its source addresses) to the whole
 * link: an ARP request with it as sender and target (RFC 5227 2.3). */
void arp_announce(struct dp_worker *w, const struct dp_port *p);

/* The same for one address ip (host order) p answers ARP for, one of its VIPs say. */
void arp_announce_addr(struct dp_worker *w, const struct dp_port *p, uint32_t ip);

#endif
