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

/* The request only names the port: a worker applies what is wanted when it answers, so a
 * request it answers late (after its caller gave up and asked again the other way) does
 * not undo the later one. */
static void pause_on_worker(struct dp_worker *w, void *arg)
{
	uint16_t port = *(const uint16_t *)arg;

	dp_port_pause_on_worker(w, port, __atomic_load_n(&w->mailbox.req.port_pause_wanted[port],
							 __ATOMIC_ACQUIRE));
}

int dp_port_pause(const struct dp_appliance *app, uint16_t port, bool paused,
		  unsigned int timeout_ms)
{
	/* The request outlives a call that timed out: the worker may still read it. A worker
	 * answers within one poll loop, so that is a stuck worker, and a few bytes are lost. */
	uint16_t *req = malloc(sizeof(*req));
	int rc = 0;

	if (!req)
		return -1;
	*req = port;
	/* Every worker is asked, whichever did not answer: one stuck worker leaves the rest
	 * as asked, not as they were. */
	for (unsigned int i = 0; i < app->n_workers; i++) {
		struct dp_worker *w = app->workers[i];

		__atomic_store_n(&w->mailbox.req.port_pause_wanted[port], paused, __ATOMIC_RELEASE);
		if (dp_mailbox_call(w, pause_on_worker, req, timeout_ms) < 0)
			rc = -1;
	}
	if (rc == 0)
		free(req);
	return rc;
}

unsigned int dp_port_paused_workers(const struct dp_appliance *app, uint16_t port)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < app->n_workers; i++)
		n += __atomic_load_n(&app->workers[i]->tx_port[port].paused, __ATOMIC_RELAXED);
	return n;
}
