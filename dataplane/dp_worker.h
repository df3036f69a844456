/* Worker lcores: creation, the poll loop, and the mailbox other threads use to ask them. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include "dp.h"

/* Allocate worker `index` for lcore_id with its tx buffers and neighbour table. */
struct dp_worker *dp_worker_create(const struct dp_appliance *app, uint16_t index,
				   unsigned int lcore_id);

/* Release a stopped worker and everything it holds. */
void dp_worker_free(struct dp_worker *w);

/* Give every worker its share of rx queues: data queues round-robin, and the exception
 * queue with the worker's own index on every port that has an exception path. */
void dp_workers_assign_queues(struct dp_appliance *app);

/* Everything but reading the queues: flush transmit buffers, fire relay timers, age the
 * neighbour cache, answer the mailbox; at w->now_ms, which the caller sets. */
void dp_worker_housekeeping(struct dp_worker *w);

/* lcore entry point (rte_eal_remote_launch); returns when app->quit is set. */
int dp_worker_main(void *arg);

/* Run fn(w, arg) on w's lcore and wait up to timeout_ms. 0 when it ran, -1 on time-out
 * (arg must then stay valid: the worker may still run it). Not for worker lcores. */
int dp_worker_call(struct dp_worker *w, void (*fn)(struct dp_worker *, void *), void *arg,
		   unsigned int timeout_ms);

#endif
