/* SPDX-License-Identifier: BSD-3-Clause */
#include "nexthop.h"

#include <string.h>

#include "ip_addr.h"

int nexthop_v4(const struct dp_appliance *app, uint32_t ip, uint32_t *nexthop)
{
	int via_gateway = -1;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];

		if (((ip ^ p->ipv4) & p->netmask) == 0) {
			*nexthop = ip;
			return (int)i;
		}
		if (p->gateway && via_gateway < 0)
			via_gateway = (int)i;
	}
	if (via_gateway >= 0)
		*nexthop = app->ports[via_gateway].gateway;
	return via_gateway;
}

bool nexthop_on_link6(const struct dp_port *p, const uint8_t *addr)
{
	return ip_bytes_in_prefix(addr, p->ipv6, p->prefix6_len) ||
	       (p->has_gateway6 && memcmp(addr, p->gateway6, 16) == 0);
}

int nexthop_v6(const struct dp_appliance *app, const struct neigh_addr *ip,
	       struct neigh_addr *nexthop)
{
	int via_gateway = -1;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];

		if (!p->has_ipv6)
			continue;
		if (nexthop_on_link6(p, ip->b)) {
			*nexthop = *ip;
			return (int)i;
		}
		if (p->has_gateway6 && via_gateway < 0)
			via_gateway = (int)i;
	}
	if (via_gateway >= 0)
		memcpy(nexthop->b, app->ports[via_gateway].gateway6, 16);
	return via_gateway;
}
