/* SPDX-License-Identifier: BSD-3-Clause */
#include "inbox.h"

#include <stdio.h>

#include <rte_lcore.h>
#include <rte_ring.h>

#define INBOX_SIZE 8192

int inbox_init(struct dp_appliance *app)
{
	if (app->n_workers < 2)
		return 0;
	for (unsigned int i = 0; i < app->n_workers; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "inbox_w%u", i);
		app->workers[i]->inbox = rte_ring_create(name, INBOX_SIZE,
							 (int)rte_lcore_to_socket_id(app->workers[i]->lcore_id),
							 RING_F_SC_DEQ);
		if (!app->workers[i]->inbox)
			return -1;
	}
	return 0;
}

void inbox_put(struct dp_worker *w, unsigned int owner, struct rte_mbuf *m)
{
	if (rte_ring_mp_enqueue(w->app->workers[owner]->inbox, m) != 0)
		return dp_drop(w, m, DP_DROP_dispatch_full);
	dp_event(w, DP_EV_dispatched);
}

void inbox_copy_to_others(struct dp_worker *w, const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < w->app->n_workers; i++) {
		struct rte_mbuf *copy;

		if (i == w->index)
			continue;
		copy = rte_pktmbuf_copy(m, w->app->pool, 0, UINT32_MAX);
		if (!copy || rte_ring_mp_enqueue(w->app->workers[i]->inbox, copy) != 0)
			rte_pktmbuf_free(copy);
	}
}

unsigned int inbox_take(struct dp_worker *w, struct rte_mbuf **pkts, unsigned int max)
{
	if (!w->inbox)
		return 0;
	return rte_ring_sc_dequeue_burst(w->inbox, (void **)pkts, max, NULL);
}

void inbox_free(struct dp_worker *w)
{
	struct rte_mbuf *m;

	if (!w->inbox)
		return;
	while (rte_ring_dequeue(w->inbox, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(w->inbox);
	w->inbox = NULL;
}
