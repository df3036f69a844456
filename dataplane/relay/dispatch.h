/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering between workers, for ports without rte_flow rules: every relayed
 * TCP segment is handled by the one worker that owns its flow, whichever queue it came
 * in on. The owner is a pure function of the segment: the backend side by the relay's
 * source port (each worker opens backend connections only from its own share of ports,
 * or, where rss_steer.h picks them, by the NIC's RSS as the client side), the client side
 * by the NIC's RSS or a hash of the client's address and port. Segments that arrive
 * elsewhere cross over to their owner's inbox (net/inbox.h).
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_thash.h>

#include "dp.h"

/* Worker index that owns the relayed segment from peer_ip:peer_port (network order) to
 * our local_ip (host order: the port's address or a VIP of it), local_port (host order)
 * on port p. The client side follows the NIC's RSS where the port has it (the same
 * Toeplitz hash in software, the port's redirection table), so the segments already
 * arrive at their owner; elsewhere a hash of the client. The relay's side follows RSS
 * too where rss_steer picked its source port, else the worker's share of ports. */
static inline unsigned int dispatch_owner(const struct dp_appliance *app,
					  const struct dp_port *p, uint32_t peer_ip,
					  uint32_t local_ip, uint16_t peer_port,
					  uint16_t local_port)
{
	if (app->n_workers == 1)
		return 0;
	/* A VIP is never a source address: a plain service's port inside the source ports
	 * (27017, say) is a client side, spread like any other. */
	if (!p->rss_steer && dp_relay_source_port(app, local_port) && !dp_port_vip(p, local_ip))
		return (unsigned int)(local_port - app->src_port_first) % app->n_workers;
	if (p->reta_size) {
		uint32_t tuple[3] = { rte_be_to_cpu_32(peer_ip), local_ip,
				      (uint32_t)rte_be_to_cpu_16(peer_port) << 16 | local_port };
		uint32_t h = rte_softrss(tuple, 3, p->rss_key);

		return p->queue_owner[p->reta[h & (p->reta_size - 1u)] & 63u];
	}
	return (unsigned int)((peer_ip * 2654435761u) ^ (peer_port * 40503u)) % app->n_workers;
}

/* dispatch_owner for an IPv6 segment from peer_ip:peer_port to local_ip:local_port (the
 * addresses' bytes, peer_port network order, local_port host order). */
unsigned int dispatch_owner6(const struct dp_appliance *app, const struct dp_port *p,
			     const uint8_t *peer_ip, const uint8_t *local_ip, uint16_t peer_port,
			     uint16_t local_port);

#endif
