/* SPDX-License-Identifier: BSD-3-Clause */
#include "inbox.h"

#include <stdio.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

/* What one worker may have waiting from all the others, up to 33 workers (past them, each
 * pair still gets two bursts): 64 full bursts from one sender. The pool holds all of it
 * (inbox_held_max), so more would only cost mbufs. */
#define INBOX_FRAMES 2048
#define OUTBOX_BURST 32

/* Frames one worker staged for another, sent when full or at the end of its poll loop. */
struct dp_outbox {
	uint16_t n;
	struct rte_mbuf *pkts[OUTBOX_BURST];
};

/* Ring size for each producer-consumer pair: the consumer's share split among producers,
 * rounded down, never below two full bursts. A worker's inboxes together hold INBOX_FRAMES
 * at most up to 33 workers and under twice that up to 64, so the pool grows with the
 * workers, not with their square. */
static unsigned int pair_ring_size(unsigned int n_workers)
{
	return RTE_MAX(rte_align32prevpow2(INBOX_FRAMES / (n_workers - 1)), 2u * OUTBOX_BURST);
}

uint32_t inbox_held_max(unsigned int n_workers)
{
	/* An rte_ring of size N holds N - 1. What a sender stages in its outboxes is frames
	 * of its current poll, flushed at its end: the pool's allowance for a poll in flight
	 * (dp_appliance.c) holds them. */
	if (n_workers < 2)
		return 0;
	return n_workers * (n_workers - 1) * (pair_ring_size(n_workers) - 1);
}

int inbox_init(struct dp_appliance *app)
{
	unsigned int size;

	if (app->n_workers < 2)
		return 0;
	size = pair_ring_size(app->n_workers);
	for (unsigned int to = 0; to < app->n_workers; to++) {
		struct dp_worker *w = app->workers[to];
		int socket = (int)rte_lcore_to_socket_id(w->lcore_id);

		w->outbox = rte_zmalloc_socket("outbox", sizeof(*w->outbox) * app->n_workers,
					       RTE_CACHE_LINE_SIZE, socket);
		if (!w->outbox)
			return -1;
		for (unsigned int from = 0; from < app->n_workers; from++) {
			char name[RTE_RING_NAMESIZE];

			if (from == to)
				continue;
			snprintf(name, sizeof(name), "inbox_%u_%u", from, to);
			w->inbox[from] = rte_ring_create(name, size, socket,
							 RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!w->inbox[from])
				return -1;
		}
	}
	return 0;
}

/* Send what w staged for worker `to`; what its ring cannot take is dropped, counted. */
static void outbox_send(struct dp_worker *w, unsigned int to)
{
	struct dp_outbox *o = &w->outbox[to];
	unsigned int sent;

	if (o->n == 0)
		return;
	sent = rte_ring_sp_enqueue_burst(w->app->workers[to]->inbox[w->index],
					 (void *const *)o->pkts, o->n, NULL);
	for (unsigned int i = sent; i < o->n; i++)
		dp_drop(w, o->pkts[i], DP_DROP_dispatch_full);
	o->n = 0;
}

static void outbox_add(struct dp_worker *w, unsigned int to, struct rte_mbuf *m)
{
	struct dp_outbox *o = &w->outbox[to];

	o->pkts[o->n++] = m;
	if (o->n == OUTBOX_BURST)
		outbox_send(w, to);
}

void inbox_put(struct dp_worker *w, unsigned int owner, struct rte_mbuf *m)
{
	outbox_add(w, owner, m);
	dp_event(w, DP_EV_dispatched);
}

void inbox_copy_to_others(struct dp_worker *w, const struct rte_mbuf *m)
{
	uint64_t second = w->now_ms / 1000;

	/* Rationed a second: senders a worker has not heard of yet are news every time, and
	 * a host making them up would else turn each of its frames into a copy for every
	 * other worker, in the rings relayed segments are handed over in. A worker that
	 * misses one asks for the neighbour itself when it needs it. */
	if (second != w->news_second) {
		w->news_second = second;
		w->news_copied = 0;
	}
	if (w->news_copied >= INBOX_NEWS_PER_SECOND) {
		dp_count(&w->counters.drops[DP_DROP_copy_rationed], 1);
		return;
	}
	w->news_copied++;
	for (unsigned int i = 0; i < w->app->n_workers; i++) {
		struct rte_mbuf *copy;

		if (i == w->index)
			continue;
		copy = rte_pktmbuf_copy(m, w->app->pool, 0, UINT32_MAX);
		if (copy)
			outbox_add(w, i, copy);
		else /* that worker learns the neighbour by asking itself */
			dp_count(&w->counters.drops[DP_DROP_copy_no_mbuf], 1);
	}
}

void inbox_flush(struct dp_worker *w)
{
	for (unsigned int i = 0; w->outbox && i < w->app->n_workers; i++)
		outbox_send(w, i);
}

unsigned int inbox_take(struct dp_worker *w, struct rte_mbuf **pkts, unsigned int max)
{
	unsigned int workers = w->app->n_workers, n = 0;

	/* Each call starts at the next sender: one that hands over a whole take every time
	 * must not keep the others' rings from ever being read. */
	w->inbox_first = (w->inbox_first + 1) % workers;
	for (unsigned int k = 0; k < workers && n < max; k++) {
		unsigned int i = (w->inbox_first + k) % workers;

		if (w->inbox[i])
			n += rte_ring_sc_dequeue_burst(w->inbox[i], (void **)pkts + n, max - n,
						       NULL);
	}
	return n;
}

void inbox_free(struct dp_worker *w)
{
	struct rte_mbuf *m;

	for (unsigned int i = 0; i < DP_MAX_WORKERS; i++) {
		if (!w->inbox[i])
			continue;
		while (rte_ring_dequeue(w->inbox[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->inbox[i]);
		w->inbox[i] = NULL;
	}
	for (unsigned int i = 0; w->outbox && i < w->app->n_workers; i++)
		rte_pktmbuf_free_bulk(w->outbox[i].pkts, w->outbox[i].n);
	rte_free(w->outbox);
	w->outbox = NULL;
}
