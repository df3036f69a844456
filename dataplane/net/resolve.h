/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reaching a neighbour: each worker's neighbour cache (neigh.h) wired to this worker's
 * ARP requests and neighbour solicitations, and to its transmit queues for the frames
 * that waited for an answer. Worker lcores only, each on its own table.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <stdbool.h>

#include "dp.h"
#include "neigh.h"

/* w's neighbour table, sized by the configuration, on a NUMA socket; NULL when out of
 * memory. Frames it keeps carry their data port's index in mbuf->port. */
struct neigh_table *resolve_table_create(struct dp_worker *w, int socket);

/* Ask who has hop on p's link: ARP for an IPv4 (mapped) address, a neighbour
 * solicitation for IPv6. */
void resolve_solicit(struct dp_worker *w, const struct dp_port *p, const struct neigh_addr *hop);

/* Send m (Ethernet header first, destination MAC unknown) out of p to neighbour hop.
 * true when hop's MAC was known: it is in *mac and m is queued for p; otherwise m waits
 * for the answer (asked for here) or is dropped, and false. Consumes m. */
bool resolve_send(struct dp_worker *w, const struct dp_port *p, const struct neigh_addr *hop,
		  struct rte_mbuf *m, struct rte_ether_addr *mac);

/* The first worker starts resolving every port's gateway, so that the first relayed
 * frame need not wait for it. */
void resolve_gateways(struct dp_worker *w);

#endif
