/* SPDX-License-Identifier: BSD-3-Clause */
#include "dispatch.h"

#include <string.h>

#include "flow.h"

unsigned int dispatch_owner6(const struct dp_appliance *app, const struct dp_port *p,
			     const uint8_t *peer_ip, const uint8_t *local_ip, uint16_t peer_port,
			     uint16_t local_port)
{
	bool relay_port = dp_relay_source_port(app, local_port);

	/* Only a side RSS steers needs the whole IPv6 tuple; the rest goes as IPv4. */
	if (app->n_workers > 1 && p->reta_size && (!relay_port || p->rss_steer)) {
		uint32_t tuple[9];
		uint32_t h;

		/* The IPv6 input of the NIC's Toeplitz hash: addresses, then both ports. */
		for (int i = 0; i < 4; i++) {
			uint32_t a, b;

			memcpy(&a, peer_ip + 4 * i, 4); /* headers sit at any alignment */
			memcpy(&b, local_ip + 4 * i, 4);
			tuple[i] = rte_be_to_cpu_32(a);
			tuple[4 + i] = rte_be_to_cpu_32(b);
		}
		tuple[8] = (uint32_t)rte_be_to_cpu_16(peer_port) << 16 | local_port;
		h = rte_softrss(tuple, 9, p->rss_key);
		return p->queue_owner[p->reta[h & (p->reta_size - 1u)] & 63u];
	}
	return dispatch_owner(app, p, flow_addr6_digest(peer_ip), p->ipv4, peer_port, local_port);
}
