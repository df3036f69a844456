/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_port_pause.h"

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

void dp_port_pause_serve(struct dp_worker *w)
{
	uint32_t asked = __atomic_load_n(&w->mailbox.req.pause_asked, __ATOMIC_ACQUIRE);

	if (likely(asked == w->pause_seen))
		return;
	w->pause_seen = asked;
	for (uint16_t port = 0; port < w->app->n_ports; port++) {
		bool wanted = __atomic_load_n(&w->mailbox.req.port_pause_wanted[port],
					      __ATOMIC_RELAXED);

		if (wanted != w->tx_port[port].paused)
			dp_port_pause_on_worker(w, port, wanted);
	}
}

/* The mailbox's request: what was asked, applied now (the caller then knows it is). */
static void pause_on_worker(struct dp_worker *w, void *arg)
{
	(void)arg;
	dp_port_pause_serve(w);
}

int dp_port_pause(const struct dp_appliance *app, uint16_t port, bool paused,
		  unsigned int timeout_ms)
{
	int rc = 0;

	/* Every worker is asked, whichever did not answer: one stuck worker leaves the rest
	 * as asked, not as they were; it applies the state last asked for at its next
	 * housekeeping, whatever request of its mailbox was pending. */
	for (unsigned int i = 0; i < app->n_workers; i++) {
		struct dp_worker *w = app->workers[i];

		__atomic_store_n(&w->mailbox.req.port_pause_wanted[port], paused, __ATOMIC_RELAXED);
		__atomic_fetch_add(&w->mailbox.req.pause_asked, 1, __ATOMIC_RELEASE);
		if (dp_mailbox_call(w, pause_on_worker, NULL, timeout_ms) < 0)
			rc = -1;
	}
	return rc;
}

unsigned int dp_port_paused_workers(const struct dp_appliance *app, uint16_t port)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < app->n_workers; i++)
		n += __atomic_load_n(&app->workers[i]->tx_port[port].paused, __ATOMIC_RELAXED);
	return n;
}
