/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What can change while the data plane runs: routes (with pools, networks, mangled
 * suffixes), listeners and the other networks' gateways, compiled for the fast path when
 * the configuration is built (nothing is parsed per connection). The relay section
 * (timeouts, flow table, source ports) is the start-up configuration's. A relay_live is immutable once published; the control thread
 * builds a new one, swaps the pointer, waits for every worker to pass a quiescent state
 * (rte_rcu_qsbr) and only then frees the old one. Workers read it without locks.
 */
#ifndef RELAY_LIVE_H
#define RELAY_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "mr_config.h"
#include "route_table.h"
#include "vip_hold.h"

/* Another network's gateway as a connection reaches it (IPv4: what the relay connects
 * over today). Network byte order. */
struct relay_gateway {
	uint32_t addr;
	uint16_t port;
	uint16_t network;                /* index in conf.networks */
	bool client_header;              /* a TLS connection goes with a PROXY v2 header
					  * naming its client (mr_remote_gateway_conf's) */
};

struct relay_live {
	uint32_t generation;             /* 0: the configuration the process started with */
	uint32_t swaps;                  /* configurations put in force before this one
					  * (relay_live_swap's count: generations are the
					  * pusher's, and may repeat) */
	uint32_t serial;                 /* the DNS zones' SOA serial: the wall clock's
					  * seconds when built, or one past the serial it
					  * replaced if that is not less (RFC 1982's order), so
					  * it only goes up, across restarts too */
	struct mr_config conf;           /* the full configuration it came from (owned) */
	struct route_table *routes;
	uint64_t listen[MR_MAX_PORTS][65536 / 64]; /* relay listeners per port, one bit each */
	/* Remote gateways compiled from conf.remote_gateways: those of network n are
	 * gateways[gateways_of[n] .. gateways_of[n + 1]), in the file's order. */
	struct relay_gateway *gateways;
	uint32_t *gateways_of;           /* conf.n_networks + 1 entries */
	/* The health slot (health.h) of each member of routes, by member index; NULL before
	 * health_bind_live (health.h). */
	uint32_t *member_slot;
	/* The pool_flows counter of each pool of conf, by the pool's name. */
	uint32_t *pool_counter;
	/* The listener_flows counter of each listener of conf, by its name (its position
	 * before health_bind_live). */
	uint32_t listener_counter[MR_MAX_LISTENERS];
	/* The health slot of each gateway (gateways[] order); NULL before binding. */
	uint32_t *gateway_slot;
	uint32_t n_gateways;
	/* The gateways' addresses (host order), sorted, each once: their connections to our
	 * listeners carry a whole network's clients, so no per-client limit applies. */
	uint32_t *gateway_ips;
	uint32_t n_gateway_ips;
	/* The plain services' VIPs (host order), sorted, each once, and those of them the
	 * configuration in force when this one was built did not have: what the DNS port
	 * announces (relay_vips.h), all at start and when its link comes up, the new ones
	 * when this configuration comes in. */
	uint32_t *vips, *vips_new;
	uint32_t n_vips, n_vips_new;
	/* Names that exist only as parents of routed names (RFC 8020's empty non-terminals:
	 * each parent of a route's name, and a wildcard route's own suffix), sorted: DNS
	 * answers them NODATA, not NXDOMAIN, which would deny every name below them. */
	char **parents;
	uint32_t n_parents;
	/* The VIPs of services that left, held back from new names (vip_hold.h). */
	struct vip_hold *held;
	unsigned int n_held;
};

/* Build a relay_live from conf (moved in: conf is zeroed on success). The ports of conf must
 * be those the data plane runs (same names, same order). 0 or -1 with err. */
int relay_live_build(const struct dp_appliance *app, struct mr_config *conf, uint32_t generation,
		  struct relay_live **out, char *err, size_t errlen);

/* The health slot of member (an index of live->routes), or UINT32_MAX when none. */
static inline uint32_t relay_live_member_slot(const struct relay_live *live, uint32_t member)
{
	return live->member_slot && member != UINT32_MAX ? live->member_slot[member] : UINT32_MAX;
}

/* The pool_flows counter of pool (an index of live->conf.pools). */
static inline uint32_t relay_live_pool_counter(const struct relay_live *live, uint32_t pool)
{
	return live->pool_counter ? live->pool_counter[pool] : RTE_MIN(pool, DP_POOL_COUNTERS - 1u);
}

/* Whether name (lower case, no final dot) has routed names below it: one of live's
 * parents. */
bool relay_live_is_parent(const struct relay_live *live, const char *name);

/* Whether IPv4 address ip (network order) is one of live's remote gateways. */
bool relay_live_is_gateway(const struct relay_live *live, uint32_t ip);

/* Free a relay_live no worker can still see. NULL is fine. */
void relay_live_free(struct relay_live *live);

/* Publish live and retire the previous one after the grace period (control thread only);
 * the caller then frees the health slots only the old one used (health_sweep_unused). */
void relay_live_swap(struct dp_appliance *app, struct relay_live *live);

/* A thread that is neither a worker nor the control thread (DPDK telemetry's) reads the
 * configuration in force only between these two: relay_live_swap frees the old one after
 * every such reader has ended, as it waits for every worker's quiescent state. The lock
 * is the appliance's mutable part, hence the cast inside. */
void relay_live_read_begin(const struct dp_appliance *app);
void relay_live_read_end(const struct dp_appliance *app);

/* The configuration in force. Read it once per connection and keep the pointer: it stays
 * valid until the worker's next quiescent state (the end of its poll loop). */
static inline const struct relay_live *relay_live_get(const struct dp_appliance *app)
{
	return __atomic_load_n(&app->live, __ATOMIC_ACQUIRE);
}

/* Which gateways a choice may take: usable(ctx, slot) false passes over a gateway (unless
 * none is usable); tried_slot (UINT32_MAX: none) is the gateway a connection tried last,
 * the choice continuing after it in the client's order. */
struct relay_gateway_pick {
	bool (*usable)(const void *ctx, uint32_t slot);
	const void *ctx;
	uint32_t tried_slot;
};

/* A gateway of network for a client (client_key) by rendezvous hashing: the same one for
 * the same client while the set stays, and only its clients move when one goes. Its index
 * in live->gateways, or UINT32_MAX when none is known (or none left after tried_slot). */
uint32_t relay_live_gateway_pick(const struct relay_live *live, uint32_t network,
				 uint64_t client_key, const struct relay_gateway_pick *pick);

/* relay_live_gateway_pick with every gateway usable; NULL when none is known. */
static inline const struct relay_gateway *relay_live_gateway(const struct relay_live *live,
							     uint32_t network, uint64_t client_key)
{
	struct relay_gateway_pick any = { NULL, NULL, UINT32_MAX };
	uint32_t i = relay_live_gateway_pick(live, network, client_key, &any);

	return i == UINT32_MAX ? NULL : &live->gateways[i];
}

/* The health slot of gateway i, or UINT32_MAX when none. */
static inline uint32_t relay_live_gateway_slot(const struct relay_live *live, uint32_t i)
{
	return live->gateway_slot ? live->gateway_slot[i] : UINT32_MAX;
}

/* Whether TCP port (host order) of data port index is a relay listener in live. */
static inline bool relay_live_is_listener(const struct relay_live *live, unsigned int port_index,
				       uint16_t tcp_port)
{
	return (live->listen[port_index][tcp_port >> 6] >> (tcp_port & 63)) & 1;
}

#endif
