/* SPDX-License-Identifier: BSD-3-Clause */
/* The local end of the connections the relay opens: source ports and backend sides.
 * Worker lcores only. */
#ifndef RELAY_PORTS_H
#define RELAY_PORTS_H

#include <stdbool.h>

#include "ip_addr.h"
#include "relay.h"

/* A free source port of this worker's share for side dir of f (written into its key,
 * whose addresses are set); false if none. With any_address, an IPv4 side from the port's
 * own address may be moved to one of the port's source addresses (its local address then
 * written into the key too). */
bool relay_pick_source_port(struct dp_worker *w, struct flow *f, enum flow_dir dir,
			    bool any_address);

/* The backend side's port and addresses for addr (routed: IPv4 or IPv6); false when no
 * port reaches it. */
bool relay_backend_side_set(struct dp_worker *w, struct flow *f, const struct ip_addr *addr);

#endif
