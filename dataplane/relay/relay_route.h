/* SPDX-License-Identifier: BSD-3-Clause */
/* Routing a connection whose hello, plain service or VIP is known (relay_hello,
 * relay_plain): the member or gateway chosen and the backend side opened. Worker lcores
 * only. */
#ifndef RELAY_ROUTE_H
#define RELAY_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "relay.h"
#include "sni_parse.h"

/* What a connection is routed by: a parsed ClientHello, else a plain TCP service's name
 * and port (told by another gateway), else its VIP and port (host order). */
struct relay_route_key {
	const struct sni_result *hello;
	const char *name;
	size_t name_len;
	uint32_t vip;
	uint16_t port;
};

/* Route f (FLOW_HELLO) by k, with the member choice its client and its earlier tries
 * make, and open its backend side; or end it with the refusal counted. */
void relay_route(struct dp_worker *w, struct flow *f, const struct relay_route_key *k);

#endif
