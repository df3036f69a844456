#include "dp_worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "arp.h"
#include "dispatch.h"
#include "ip6.h"
#include "mr_log.h"
#include "mr_privs.h"
#include "relay.h"

/* The neighbour table calls back with the worker as context. */
static void neigh_cb_send_request(void *ctx, const struct neigh_addr *addr)
{
	struct dp_worker *w = ctx;
	uint32_t ip, nexthop;
	struct neigh_addr nexthop6;
	int port;

	if (!neigh_addr_is_v4(addr)) {
		port = dp_route_nexthop6(w->app, addr, &nexthop6);
		if (port >= 0)
			ip6_send_solicit(w, &w->app->ports[port], addr);
		return;
	}
	ip = neigh_addr_v4_of(addr);
	port = dp_route_nexthop(w->app, ip, &nexthop);
	if (port >= 0)
		arp_send_request(w, &w->app->ports[port], ip);
}

/* Queued packets carry their output port index in mbuf->port (set when queued). */
static void neigh_cb_flush(void *ctx, void *pkt, const struct rte_ether_addr *mac)
{
	struct dp_worker *w = ctx;
	struct rte_mbuf *m = pkt;
	const struct dp_port *p = &w->app->ports[m->port];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->dst_addr = *mac;
	eth->src_addr = p->mac;
	dp_tx_port(w, p, m);
}

static void neigh_cb_drop(void *ctx, void *pkt)
{
	dp_drop(ctx, pkt, DP_DROP_neigh_unresolved);
}

static void tx_buffer_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct dp_worker *w = userdata;

	dp_count(&w->counters.drops[DP_DROP_tx_full], unsent);
	rte_pktmbuf_free_bulk(pkts, unsent);
}

/* A data port's queue was full: for a while SYNs arriving on the port are answered only
 * within a budget rather than compete with flows (struct dp_port_tx). */
static void port_tx_drop(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct dp_port_tx *t = userdata;

	t->congested_until_ms = t->w->now_ms + DP_CONGESTED_HOLD_MS;
	tx_buffer_drop(pkts, unsent, t->w);
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

static bool port_tx_init(struct dp_worker *w, uint16_t port, int socket)
{
	struct dp_port_tx *t = &w->tx_port[port];

	t->w = w;
	t->cookie_bucket = DP_CONGESTED_COOKIE_BURST;
	t->frames = tx_buffer_create(w, socket, port_tx_drop, t);
	w->tx_kernel[port] = tx_buffer_create(w, socket, tx_buffer_drop, w);
	return t->frames && w->tx_kernel[port];
}

struct dp_worker *dp_worker_create(const struct dp_appliance *app, uint16_t index,
				   unsigned int lcore_id)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct dp_worker *w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
						 socket);
	struct neigh_ops ops = { neigh_cb_send_request, neigh_cb_flush, neigh_cb_drop, NULL };
	char name[32];
	bool tx_ready;

	if (!w)
		return NULL;
	w->app = app;
	w->index = index;
	/* Start anywhere in the source-port share: after a restart, backends may still hold
	 * connections from the ports used last time. */
	w->src_port_next = (uint32_t)rte_rand();
	w->lcore_id = lcore_id;
	ops.ctx = w;
	snprintf(name, sizeof(name), "neigh_w%u", index);
	w->neigh = neigh_table_create(name, &app->conf->dataplane.neigh, socket, &ops);
	snprintf(name, sizeof(name), "flows_w%u", index);
	w->flows = flow_table_create(name, app->conf->relay.max_flows, socket);
	/* IPv6 flows need their index only where a port has an IPv6 address. */
	for (unsigned int i = 0; w->flows && i < app->n_ports; i++) {
		if (app->ports[i].has_ipv6 && flow_table_enable_ipv6(w->flows, socket) < 0) {
			flow_table_free(w->flows);
			w->flows = NULL;
		}
	}
	tx_ready = w->neigh != NULL;
	for (unsigned int i = 0; tx_ready && i < app->n_ports; i++)
		tx_ready = port_tx_init(w, (uint16_t)i, socket);
	if (!tx_ready || !w->flows) {
		dp_worker_free(w);
		return NULL;
	}
	return w;
}

void dp_worker_free(struct dp_worker *w)
{
	if (!w)
		return;
	if (w->inbox) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(w->inbox, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->inbox);
	}
	flow_table_free(w->flows);
	neigh_table_free(w->neigh);
	free(w->binds);
	for (unsigned int i = 0; i < MR_MAX_PORTS; i++) {
		rte_free(w->tx_port[i].frames);
		rte_free(w->tx_kernel[i]);
	}
	rte_free(w);
}

static void worker_add_rxq(struct dp_worker *w, const struct dp_port *p, uint16_t port_id,
			   uint16_t queue, bool from_kernel)
{
	if (w->n_rxqs >= DP_MAX_RXQ_PER_WORKER)
		return;
	w->rxqs[w->n_rxqs++] = (struct dp_rxq){
		.port_id = port_id, .queue = queue, .dp_port = p->index, .from_kernel = from_kernel,
	};
}

void dp_workers_assign_queues(struct dp_appliance *app)
{
	unsigned int next = 0;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];

		for (uint16_t q = 0; q < p->conf->queues; q++) {
			unsigned int owner = next++ % app->n_workers;

			if (q < RTE_DIM(app->ports[i].queue_owner))
				app->ports[i].queue_owner[q] = (uint16_t)owner;
			worker_add_rxq(app->workers[owner], p, p->port_id, q, false);
		}
		for (unsigned int wi = 0; p->has_kernel && wi < app->n_workers; wi++)
			worker_add_rxq(app->workers[wi], p, p->kernel_port_id, (uint16_t)wi, true);
	}
}

/* Returns the number of frames read. */
static uint16_t worker_poll_rxq(struct dp_worker *w, const struct dp_rxq *q, uint16_t burst)
{
	struct rte_mbuf *pkts[512];
	const struct dp_port *p = &w->app->ports[q->dp_port];
	uint16_t n = rte_eth_rx_burst(q->port_id, q->queue, pkts, burst);

	if (q->from_kernel) {
		dp_count(&w->counters.events[DP_EV_from_kernel], n);
		for (uint16_t i = 0; i < n; i++)
			dp_tx_port(w, p, pkts[i]);
		return n;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		dp_input_frame(w, p, pkts[i]);
	}
	return n;
}

static void worker_flush(struct dp_worker *w)
{
	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		rte_eth_tx_buffer_flush(p->port_id, w->index, w->tx_port[i].frames);
		if (p->has_kernel)
			rte_eth_tx_buffer_flush(p->kernel_port_id, w->index, w->tx_kernel[i]);
	}
}

static void worker_mailbox(struct dp_worker *w)
{
	uint32_t posted = __atomic_load_n(&w->mailbox.posted, __ATOMIC_ACQUIRE);

	if (posted == w->mailbox.done)
		return;
	w->mailbox.fn(w, w->mailbox.arg);
	__atomic_store_n(&w->mailbox.done, posted, __ATOMIC_RELEASE);
}

/* The first worker starts resolving each gateway so the first relayed packet need not wait. */
static void worker_resolve_gateways(struct dp_worker *w)
{
	struct rte_ether_addr mac;

	for (unsigned int i = 0; w->index == 0 && i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		if (p->gateway && neigh_resolve(w->neigh, p->gateway, w->now_ms, NULL, &mac) ==
					  NEIGH_QUEUED_REQUEST)
			arp_send_request(w, p, p->gateway);
	}
}

void dp_worker_housekeeping(struct dp_worker *w)
{
	const uint64_t age_every_ms = RTE_MAX(w->app->conf->dataplane.neigh.retry_ms / 4, 10u);

	worker_flush(w);
	relay_timers(w);
	if (w->now_ms >= w->next_age_ms) {
		neigh_age(w->neigh, w->now_ms);
		w->next_age_ms = w->now_ms + age_every_ms;
	}
	worker_mailbox(w);
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	const struct dp_appliance *app = w->app;
	const uint16_t burst = app->conf->dataplane.burst;

	char err[128];

	/* Ports are open: polling and sending on them needs no capability, and a worker is
	 * what parses every frame from the network. */
	if (mr_privs_limit(0, err, sizeof(err)) < 0)
		mr_log(MR_LOG_WARN, "worker %u keeps its capabilities: %s", w->index, err);
	w->now_ms = rte_get_tsc_cycles() / app->tsc_per_ms;
	worker_resolve_gateways(w);
	rte_rcu_qsbr_thread_register(app->qsbr, w->index);
	rte_rcu_qsbr_thread_online(app->qsbr, w->index);
	while (!app->quit) {
		uint64_t start = rte_rdtsc(), end;
		unsigned int got = 0;

		/* Nothing from the previous loop is held: old live configs may now be freed. */
		rte_rcu_qsbr_quiescent(app->qsbr, w->index);
		for (unsigned int i = 0; i < w->n_rxqs; i++)
			got += worker_poll_rxq(w, &w->rxqs[i], burst);
		got += dispatch_drain(w);
		worker_flush(w);
		/* A poll that found work is busy time: the real load of a core that never sleeps.
		 * Only the poll and its sends count: a wider window would also catch the times
		 * the thread is preempted on a shared core. The same read serves the clock. */
		end = rte_rdtsc();
		if (got) {
			dp_count(&w->load.busy_cycles, end - start);
			dp_count(&w->load.busy_polls, 1);
		} else {
			dp_count(&w->load.idle_polls, 1);
		}
		if (end - w->now_ms_tsc >= app->tsc_per_ms) { /* divide once per ms */
			w->now_ms = end / app->tsc_per_ms;
			w->now_ms_tsc = end;
		}
		dp_worker_housekeeping(w);
	}
	worker_flush(w);
	rte_rcu_qsbr_thread_offline(app->qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(app->qsbr, w->index);
	return 0;
}

int dp_worker_call(struct dp_worker *w, void (*fn)(struct dp_worker *, void *), void *arg,
		   unsigned int timeout_ms)
{
	/* One request at a time per process: telemetry and control threads may both ask. */
	static pthread_mutex_t callers = PTHREAD_MUTEX_INITIALIZER;
	uint32_t ticket;
	int rc = -1;

	pthread_mutex_lock(&callers);
	if (w->mailbox.posted != __atomic_load_n(&w->mailbox.done, __ATOMIC_ACQUIRE))
		goto out; /* an earlier request timed out and is still pending */
	w->mailbox.fn = fn;
	w->mailbox.arg = arg;
	ticket = w->mailbox.posted + 1;
	__atomic_store_n(&w->mailbox.posted, ticket, __ATOMIC_RELEASE);
	for (unsigned int waited = 0; waited <= timeout_ms * 10; waited++) {
		if (__atomic_load_n(&w->mailbox.done, __ATOMIC_ACQUIRE) == ticket) {
			rc = 0;
			break;
		}
		usleep(100);
	}
out:
	pthread_mutex_unlock(&callers);
	return rc;
}
