/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 on the data ports: header checks, neighbour discovery and echo for the port's own
 * IPv6 address, TCP, UDP and too-big errors to it handed back for the layers above; the
 * rest is the host's. Worker lcores
 * only. */
#ifndef IP6_H
#define IP6_H

#include <stdbool.h>

#include "dp.h"
#include "neigh.h"

/* Handle an IPv6 frame (Ethernet header at offset 0) received on p. true: m is TCP, UDP or
 * a checked "packet too big" to p's IPv6 address, its header checked, and stays the
 * caller's; false: m was consumed. */
bool ip6_input(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

/* Learn from a neighbour discovery frame another worker received (nothing answered).
 * m is not consumed. false when m is no copy but a too-big error handed over for the
 * relay. */
bool ip6_learn(struct dp_worker *w, const struct dp_port *p, const struct rte_mbuf *m);

/* Send a neighbour solicitation for target out of p (which must have IPv6). */
void ip6_send_solicit(struct dp_worker *w, const struct dp_port *p,
		      const struct neigh_addr *target);

/* The listener reports of IPv6 ports' solicited-node groups (mld.h), w's to send: start
 * queues the unsolicited joins of p (nothing when p has no IPv6); run sends those due
 * now, the joins and the answers to the queries w received, and returns when the next is
 * due (UINT64_MAX: none); leave sends a leave of each port's group at once, when the data
 * plane stops. Scheduling lowers w->link_timers_ms, which the worker's housekeeping
 * checks on every pass. */
void ip6_mld_start(struct dp_worker *w, const struct dp_port *p);
uint64_t ip6_mld_run(struct dp_worker *w);
void ip6_mld_leave(struct dp_worker *w);

/* Advertise p's IPv6 address to all nodes, unsolicited, with override (RFC 4861 7.2.6). */
void ip6_announce(struct dp_worker *w, const struct dp_port *p);

#endif
