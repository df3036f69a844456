/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each worker's inbox: a single-producer, single-consumer rte_ring from every other
 * worker, through which they hand it frames: relayed TCP segments of flows it owns that
 * arrived on another worker's queue, and copies of ARP and neighbour discovery so that
 * every worker's neighbour cache learns what one of them heard. A worker stages what it
 * hands over per receiver and sends it a burst at a time (inbox_flush at the end of its
 * poll loop), so no ring is written by two lcores and none is touched per frame. Which
 * worker owns a segment is the relay's choice; this is only the hand-over.
 */
#ifndef INBOX_H
#define INBOX_H

#include "dp.h"

/* Create the inbox of every worker (after the workers exist; none with one worker).
 * 0, or -1 with rte_errno set. */
int inbox_init(struct dp_appliance *app);

/* The most frames the inboxes of n_workers workers can hold at once: mbufs the pool must
 * have beyond the ports' rings and the frames of a poll in flight (0 with one worker). */
uint32_t inbox_held_max(unsigned int n_workers);

/* Hand m (Ethernet header first, m->port its data port) to worker `owner`: staged, sent
 * with the next full burst or inbox_flush. Consumes m; a full inbox drops it
 * (dispatch_full). */
void inbox_put(struct dp_worker *w, unsigned int owner, struct rte_mbuf *m);

/* Neighbour frames a worker copies to the others a second at most (inbox_copy_to_others):
 * a link's own news come a few at a time. */
#define INBOX_NEWS_PER_SECOND 64

/* A copy of ARP or neighbour discovery frame m for every other worker to learn from, up
 * to INBOX_NEWS_PER_SECOND frames a second (the rest counted copy_rationed). m is not
 * consumed. */
void inbox_copy_to_others(struct dp_worker *w, const struct rte_mbuf *m);

/* Send everything w staged for other workers. w's own lcore, once per poll loop. */
void inbox_flush(struct dp_worker *w);

/* Up to max frames handed to w into pkts, each sender's oldest first, the senders read
 * first in turn from call to call; w's own lcore only. */
unsigned int inbox_take(struct dp_worker *w, struct rte_mbuf **pkts, unsigned int max);

/* Free what is still in w's inbox, and the ring. */
void inbox_free(struct dp_worker *w);

#endif
