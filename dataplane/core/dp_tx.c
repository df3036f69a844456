/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_tx.h"

#include <string.h>

#include <rte_malloc.h>

static void tx_buffer_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct dp_worker *w = userdata;

	dp_count(&w->counters.drops[DP_DROP_tx_full], unsent);
	rte_pktmbuf_free_bulk(pkts, unsent);
}

/* The exception path's queue to the host was full: told apart from a data port's, being
 * the host's backlog (a busy kernel, a slow reader), not the network's. */
static void kernel_tx_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct dp_worker *w = userdata;

	dp_count(&w->counters.drops[DP_DROP_kernel_full], unsent);
	rte_pktmbuf_free_bulk(pkts, unsent);
}

/* A data port's queue was full: for a while SYNs arriving on the port are answered only
 * within a budget rather than compete with flows (dp_tx_cookie_allowed). While the worker
 * stops (dp_worker.tx_wait_until_tsc), the queue is waited on instead, so that each reset
 * of the flows still open reaches its peer; what is left at that deadline is dropped. */
static void port_tx_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct dp_port_tx *t = userdata;
	struct dp_worker *w = t->w;

	if (unlikely(w->tx_wait_until_tsc)) {
		uint16_t port_id = w->app->ports[t - w->tx_port].port_id;

		while (unsent && rte_rdtsc() < w->tx_wait_until_tsc) {
			uint16_t n = rte_eth_tx_burst(port_id, w->index, pkts, unsent);

			pkts += n;
			unsent = (uint16_t)(unsent - n);
			if (!n)
				rte_pause();
		}
		if (!unsent)
			return;
	}
	t->congested_until_ms = t->w->now_ms + DP_CONGESTED_HOLD_MS;
	tx_buffer_drop(pkts, unsent, t->w);
}

/* Neighbour answers the host waits for have DP_KERNEL_NEIGH_RATE a second of their own
 * (DP_KERNEL_NEIGH_BURST at once): a storm of other frames for the host, which empties
 * its bucket, would else leave its neighbours unresolved (its own sessions stalled). */
#define DP_KERNEL_NEIGH_RATE 200u
#define DP_KERNEL_NEIGH_BURST 64u

/* The exception path's bucket: a tenth of a second of its rate (kernel_allowed). */
static uint32_t kernel_bucket_size(const struct dp_port *p)
{
	return RTE_MAX(p->conf->exception.rate / 10, 1u);
}

static struct rte_eth_dev_tx_buffer *tx_buffer_create(struct dp_worker *w, int socket,
						      buffer_tx_error_fn on_full, void *arg)
{
	uint16_t burst = w->app->conf->dataplane.burst;
	struct rte_eth_dev_tx_buffer *b =
		rte_zmalloc_socket("tx_buffer", RTE_ETH_TX_BUFFER_SIZE(burst), 0, socket);

	if (b) {
		rte_eth_tx_buffer_init(b, burst);
		rte_eth_tx_buffer_set_err_callback(b, on_full, arg);
	}
	return b;
}

bool dp_tx_init(struct dp_worker *w, uint16_t port, int socket)
{
	struct dp_port_tx *t = &w->tx_port[port];

	/* One line an entry: the transmit path indexes it by port for every frame. */
	RTE_BUILD_BUG_ON(sizeof(struct dp_port_tx) != RTE_CACHE_LINE_SIZE);
	t->w = w;
	t->cookie_bucket = DP_CONGESTED_COOKIE_BURST;
	if (w->app->ports[port].conf)
		t->kernel.tokens = kernel_bucket_size(&w->app->ports[port]);
	w->kernel_neigh[port].tokens = DP_KERNEL_NEIGH_BURST;
	t->frames = tx_buffer_create(w, socket, port_tx_drop, t);
	w->tx_kernel[port] = tx_buffer_create(w, socket, kernel_tx_drop, w);
	return t->frames && w->tx_kernel[port];
}

void dp_tx_free(struct dp_worker *w)
{
	for (unsigned int i = 0; i < MR_MAX_PORTS; i++) {
		rte_free(w->tx_port[i].frames);
		rte_free(w->tx_kernel[i]);
		w->tx_port[i].frames = NULL;
		w->tx_kernel[i] = NULL;
	}
}

void dp_tx_flush(struct dp_worker *w)
{
	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		/* A paused port's buffer is empty (dp_port_pause_on_worker emptied it, nothing is
		 * queued since), and an empty buffer's flush does not touch the device. */
		rte_eth_tx_buffer_flush(p->port_id, w->index, w->tx_port[i].frames);
		if (p->has_kernel)
			rte_eth_tx_buffer_flush(p->kernel_port_id, w->index, w->tx_kernel[i]);
	}
}

void __rte_cold __rte_noinline dp_tx_drop_paused(struct dp_worker *w, struct rte_mbuf *m)
{
	dp_drop(w, m, DP_DROP_port_paused);
}

/* Whether b gives one more frame at now_ms: filled at rate a second (thousandths of a
 * frame carried over, so any rate holds) up to size. */
static bool bucket_take(struct dp_kernel_bucket *b, uint64_t now_ms, uint32_t rate,
			uint32_t size)
{
	if (now_ms != b->refill_ms) {
		/* A second is more than any bucket holds: longer idle adds nothing more. */
		uint64_t ms = RTE_MIN(now_ms - b->refill_ms, (uint64_t)1000);
		uint64_t milli = ms * rate + b->credit;
		uint64_t filled = b->tokens + milli / 1000;

		b->credit = (uint32_t)(milli % 1000);
		b->tokens = (uint32_t)RTE_MIN(filled, (uint64_t)size);
		b->refill_ms = now_ms;
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

/* Whether the exception path of p may take one more frame from w, at exception.rate. A
 * tap costs a system call per frame; without it a broadcast storm of frames for the host
 * would take the relay's core. */
static bool kernel_allowed(struct dp_worker *w, const struct dp_port *p)
{
	return bucket_take(&w->tx_port[p->index].kernel, w->now_ms, p->conf->exception.rate,
			   kernel_bucket_size(p));
}

static void to_kernel(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	dp_event(w, DP_EV_to_kernel);
	/* The kernel recomputes nothing for frames it receives: leave checksums as they came
	 * (a partial one was made whole as it arrived: dp_rx_sum.h). */
	dp_mbuf_tx_flags(m, 0);
	rte_eth_tx_buffer(p->kernel_port_id, w->index, w->tx_kernel[p->index], m);
}

void dp_tx_kernel_neigh(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	if (p->has_kernel && bucket_take(&w->kernel_neigh[p->index], w->now_ms,
					 DP_KERNEL_NEIGH_RATE, DP_KERNEL_NEIGH_BURST))
		return to_kernel(w, p, m);
	dp_tx_kernel(w, p, m); /* its own bucket spent: the exception path's, as any frame */
}

void dp_tx_kernel(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	if (!p->has_kernel)
		return dp_drop(w, m, DP_DROP_no_exception_path);
	if (!kernel_allowed(w, p))
		return dp_drop(w, m, DP_DROP_kernel_rate);
	to_kernel(w, p, m);
}

bool dp_tx_copy(struct dp_worker *w, const struct dp_port *p, const void *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->app->pool);
	char *to = m ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (!to) {
		rte_pktmbuf_free(m);
		dp_count(&w->counters.drops[DP_DROP_out_no_mbuf], 1);
		return false;
	}
	memcpy(to, frame, len);
	dp_tx_port(w, p, m);
	return true;
}
