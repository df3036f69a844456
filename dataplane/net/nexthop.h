/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which data port leads to an address, and which neighbour on that port's link to send
 * to: the address itself when it is on the link, else the port's gateway. The appliance
 * routes nothing else: a connected subnet per port and one default gateway per family.
 */
#ifndef NEXTHOP_H
#define NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "neigh.h"

/* Whether IPv6 address addr (16 bytes) is on p's link: in its prefix, or its gateway
 * (often link-local: routers advertise themselves that way). */
bool nexthop_on_link6(const struct dp_port *p, const uint8_t *addr);

/* Port index through which ip (host order) is reached, *nexthop the address to resolve
 * there; -1 when no port reaches it. */
int nexthop_v4(const struct dp_appliance *app, uint32_t ip, uint32_t *nexthop);

/* The same for an IPv6 destination, over the ports that have an IPv6 address (nexthop
 * may be ip itself). */
int nexthop_v6(const struct dp_appliance *app, const struct neigh_addr *ip,
	       struct neigh_addr *nexthop);

#endif
