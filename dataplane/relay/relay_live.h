/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What can change while the data plane runs: routes (with pools, networks, mangled
 * suffixes) and listeners. A relay_live is immutable once published; the control thread
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

struct relay_live {
	uint32_t generation;             /* 0: the configuration the process started with */
	uint64_t applied_us;             /* wall clock of the swap */
	struct mr_config conf;           /* the full configuration it came from (owned) */
	struct route_table *routes;
	uint64_t listen[MR_MAX_PORTS][65536 / 64]; /* relay listeners per port, one bit each */
};

/* Build a relay_live from conf (moved in: conf is zeroed on success). The ports of conf must
 * be those the data plane runs (same names, same order). 0 or -1 with err. */
int relay_live_build(const struct dp_appliance *app, struct mr_config *conf, uint32_t generation,
		  struct relay_live **out, char *err, size_t errlen);

/* Free a relay_live no worker can still see. NULL is fine. */
void relay_live_free(struct relay_live *live);

/* Publish live and retire the previous one after the grace period (control thread only). */
void relay_live_swap(struct dp_appliance *app, struct relay_live *live);

/* The configuration in force. Read it once per connection and keep the pointer: it stays
 * valid until the worker's next quiescent state (the end of its poll loop). */
static inline const struct relay_live *relay_live_get(const struct dp_appliance *app)
{
	return __atomic_load_n(&app->live, __ATOMIC_ACQUIRE);
}

/* Whether TCP port (host order) of data port index is a relay listener in live. */
static inline bool relay_live_is_listener(const struct relay_live *live, unsigned int port_index,
				       uint16_t tcp_port)
{
	return (live->listen[port_index][tcp_port >> 6] >> (tcp_port & 63)) & 1;
}

#endif
