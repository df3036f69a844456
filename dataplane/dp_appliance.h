/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bringing the appliance up from its configuration (after EAL) and down again: mbuf pool,
 * data ports with their exception paths, the live routes, workers, steering, dispatch.
 * Main lcore only; workers are not running during either.
 */
#ifndef DP_APPLIANCE_H
#define DP_APPLIANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "dp.h"

/* Build app from app->conf (set by the caller, as is app->n_workers). 0 or -1 with err;
 * on failure what was opened stays recorded for dp_appliance_down. */
int dp_appliance_up(struct dp_appliance *app, char *err, size_t errlen);

/* Mbufs the ports' rings, exception queues, neighbour queues and worker inboxes may hold
 * with no flow at all, for conf with n_workers workers: the pool's floor. */
uint32_t dp_pool_at_rest(const struct mr_config *conf, unsigned int n_workers);

/* Close ports (printing their statistics), free workers, tables and the mbuf pool. */
void dp_appliance_down(struct dp_appliance *app);

/* Aim p's RSS (its reta, queue_owner and rss_key filled) at the relay's source ports for
 * app's workers (rss_steer.h): the plan set on p with its key, and given to the device too
 * when to_device. 0, or -1 with the reason in err (p left as it was). */
int dp_port_rss_aim(const struct dp_appliance *app, struct dp_port *p, bool to_device,
		    char *err, size_t errlen);

#endif
