/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker lcores: creation, the poll loop that hands each frame to the layers (net, then
 * the relay for TCP to its ports), their inboxes and housekeeping. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include "dp.h"

/* Allocate worker `index` for lcore_id with its tx buffers, neighbour and flow tables. */
struct dp_worker *dp_worker_create(const struct dp_appliance *app, uint16_t index,
				   unsigned int lcore_id);

/* Release a stopped worker and everything it holds. */
void dp_worker_free(struct dp_worker *w);

/* Give every worker its share of rx queues: on a port with a queue per worker or more,
 * queue q to worker q % workers (where steering rules send worker w's flows to queue w);
 * the queues of ports with fewer, round-robin across ports; and the exception queue with
 * the worker's own index on every port that has an exception path. 0, or -1 with err when
 * a worker would have more than DP_MAX_RXQ_PER_WORKER queues (some would never be read). */
int dp_workers_assign_queues(struct dp_appliance *app, char *err, size_t errlen);

/* One pass of the poll loop: read every receive queue of w (those of a paused port
 * skipped), drain its inbox, flush what was queued. Returns the frames read. */
unsigned int dp_worker_poll(struct dp_worker *w, uint16_t burst);

/* Everything but reading the queues: flush transmit buffers, fire relay timers, age the
 * neighbour cache, run the links' timers (MLD, announcements), serve port pauses and the
 * mailbox; at w->now_ms, which the caller sets. */
void dp_worker_housekeeping(struct dp_worker *w);

/* One frame received on data port p, as the full path handles it: L2/L3 first, TCP to
 * the appliance's addresses to the relay, what neither takes to the host. Consumes m.
 * Counting it as received is dp_worker_rx_burst's. */
void dp_worker_rx_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m);

/* A burst of frames received on data port p, counted, then handled in order: spliced
 * segments of the common case through the splice's burst path, every other frame as
 * dp_worker_rx_frame. */
void dp_worker_rx_burst(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf **pkts,
			unsigned int n);

/* What other workers handed to w (inbox.h), handled as the poll loop does; returns the
 * frames taken. */
unsigned int dp_worker_drain_inbox(struct dp_worker *w);

/* lcore entry point (rte_eal_remote_launch); returns when app->quit is set. */
int dp_worker_main(void *arg);

#endif
