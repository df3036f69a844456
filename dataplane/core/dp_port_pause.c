/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_port_pause.h"

#include <stdlib.h>

#include "dp_mailbox.h"

void dp_port_pause_on_worker(struct dp_worker *w, uint16_t port, bool paused)
{
	struct dp_port_tx *t = &w->tx_port[port];

	/* What housekeeping queued since the last flush never reaches the device. */
	if (paused && t->frames && t->frames->length) {
		dp_count(&w->counters.drops[DP_DROP_port_paused], t->frames->length);
		rte_pktmbuf_free_bulk(t->frames->pkts, t->frames->length);
		t->frames->length = 0;
	}
	if (t->paused != paused)
		w->ports_paused += paused ? 1 : (uint32_t)-1;
	__atomic_store_n(&t->paused, paused, __ATOMIC_RELAXED); /* read by reports too */
}

struct pause_req {
	uint16_t port;
	bool paused;
};

static void pause_on_worker(struct dp_worker *w, void *arg)
{
	const struct pause_req *req = arg;

	dp_port_pause_on_worker(w, req->port, req->paused);
}

int dp_port_pause(const struct dp_appliance *app, uint16_t port, bool paused,
		  unsigned int timeout_ms)
{
	/* The request outlives a call that timed out: the worker may still read it. A worker
	 * answers within one poll loop, so that is a stuck worker, and a few bytes are lost. */
	struct pause_req *req = malloc(sizeof(*req));

	if (!req)
		return -1;
	req->port = port;
	req->paused = paused;
	for (unsigned int i = 0; i < app->n_workers; i++)
		if (dp_mailbox_call(app->workers[i], pause_on_worker, req, timeout_ms) < 0)
			return -1;
	free(req);
	return 0;
}

unsigned int dp_port_paused_workers(const struct dp_appliance *app, uint16_t port)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < app->n_workers; i++)
		n += __atomic_load_n(&app->workers[i]->tx_port[port].paused, __ATOMIC_RELAXED);
	return n;
}
