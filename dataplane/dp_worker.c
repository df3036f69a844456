/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_worker.h"

#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "announce.h"
#include "dp_mailbox.h"
#include "dp_port_pause.h"
#include "dp_rx_sum.h"
#include "dp_tx.h"
#include "inbox.h"
#include "ip6.h"
#include "mr_log.h"
#include "mr_privs.h"
#include "net_input.h"
#include "dns_input.h"
#include "relay.h"
#include "relay_pmtu.h"
#include "relay_setup.h"
#include "relay_tcp.h"
#include "relay_vips.h"
#include "resolve.h"
#include "splice_fast.h"

struct dp_worker *dp_worker_create(const struct dp_appliance *app, uint16_t index,
				   unsigned int lcore_id)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct dp_worker *w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
						 socket);
	bool ready;

	/* What other threads write (the mailbox's request) and what the worker writes that
	 * they read (its answer, the counters) never share a line with the worker's own. */
	RTE_BUILD_BUG_ON(offsetof(struct dp_worker, mailbox) % RTE_CACHE_LINE_SIZE != 0);
	RTE_BUILD_BUG_ON(sizeof(((struct dp_mailbox *)0)->req) > RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(offsetof(struct dp_mailbox, done) != RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(offsetof(struct dp_worker, counters) % RTE_CACHE_LINE_SIZE != 0);
	RTE_BUILD_BUG_ON(offsetof(struct dp_worker, counters) <
			 offsetof(struct dp_worker, mailbox) + sizeof(struct dp_mailbox));
	if (!w)
		return NULL;
	w->app = app;
	w->index = index;
	w->lcore_id = lcore_id;
	w->challenge.second = UINT64_MAX; /* no second yet: the first answer draws a ration */
	w->stray_rst.second = UINT64_MAX;
	w->cookie_look.second = UINT64_MAX;
	w->neigh = resolve_table_create(w, socket);
	ready = w->neigh != NULL && relay_worker_up(w, socket);
	for (unsigned int i = 0; ready && i < app->n_ports; i++)
		ready = dp_tx_init(w, (uint16_t)i, socket);
	if (!ready) {
		dp_worker_free(w);
		return NULL;
	}
	return w;
}

void dp_worker_free(struct dp_worker *w)
{
	if (!w)
		return;
	inbox_free(w);
	relay_worker_down(w);
	neigh_table_free(w->neigh);
	dp_tx_free(w);
	rte_free(w);
}

static bool worker_add_rxq(struct dp_worker *w, const struct dp_port *p, uint16_t port_id,
			   uint16_t queue, bool from_kernel)
{
	if (w->n_rxqs >= DP_MAX_RXQ_PER_WORKER)
		return false;
	w->rxqs[w->n_rxqs++] = (struct dp_rxq){
		.port_id = port_id, .queue = queue, .dp_port = p->index, .from_kernel = from_kernel,
	};
	return true;
}

int dp_workers_assign_queues(struct dp_appliance *app, char *err, size_t errlen)
{
	unsigned int next = 0;
	bool ok = true;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];
		bool per_worker = p->conf->queues >= app->n_workers;

		for (uint16_t q = 0; q < p->conf->queues; q++) {
			unsigned int owner = per_worker ? q % app->n_workers : next++ % app->n_workers;

			if (q < RTE_DIM(app->ports[i].queue_owner))
				app->ports[i].queue_owner[q] = (uint16_t)owner;
			ok &= worker_add_rxq(app->workers[owner], p, p->port_id, q, false);
		}
		for (unsigned int wi = 0; p->has_kernel && wi < app->n_workers; wi++)
			ok &= worker_add_rxq(app->workers[wi], p, p->kernel_port_id, (uint16_t)wi, true);
	}
	if (!ok)
		snprintf(err, errlen, "more than %u receive queues for one worker: fewer queues, "
			 "or more workers", DP_MAX_RXQ_PER_WORKER);
	return ok ? 0 : -1;
}

/* The protocol of the IP packet at l3_off (either family; IPv6 without extensions). */
static uint8_t l4_proto(const struct rte_mbuf *m, uint16_t l3_off)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 l3_off);

	return (ip->version_ihl >> 4) == 4 ? ip->next_proto_id
					   : ((const struct rte_ipv6_hdr *)ip)->proto;
}

/* A frame net handed up that is not UDP: a relayed TCP segment, or a too-big error that
 * may concern one; false when it is the relay's neither way (the host's). */
static bool relay_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m,
			uint16_t l3_off)
{
	uint8_t proto = l4_proto(m, l3_off);

	if (unlikely(proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6))
		return relay_pmtu_input(w, p, m, l3_off);
	return relay_input(w, p, m, l3_off);
}

void dp_worker_rx_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	uint16_t l3_off = net_input_frame(w, p, m);

	if (!l3_off)
		return;
	if (l4_proto(m, l3_off) == IPPROTO_UDP) {
		if (!dns_input(w, p, m, l3_off))
			dp_tx_kernel(w, p, m); /* UDP not for the data plane's DNS: the host's */
		return;
	}
	if (!relay_frame(w, p, m, l3_off))
		dp_tx_kernel(w, p, m); /* TCP to a port the relay does not own: the host's */
}

void dp_worker_rx_burst(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf **pkts,
			unsigned int n)
{
	dp_count(&w->counters.events[DP_EV_rx_frames], n);
	if (unlikely(p->caps.rx_l4_cksum)) /* only such ports leave sums partial */
		for (unsigned int i = 0; i < n; i++)
			dp_rx_sum_whole(pkts[i]);
	splice_fast_burst(w, p, pkts, n, dp_worker_rx_frame);
}

static const struct dp_port *port_of(const struct dp_appliance *app, uint16_t ethdev)
{
	for (unsigned int i = 0; i < app->n_ports; i++)
		if (app->ports[i].port_id == ethdev)
			return &app->ports[i];
	return NULL;
}

/* A frame another worker handed over that the splice's burst path left: a copy to learn
 * from, or a segment for the relay (its L2/L3 checks were made where it arrived). */
static void inbox_frame(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf *m)
{
	if (!net_input_copy(w, p, m) && !relay_frame(w, p, m, sizeof(struct rte_ether_hdr)))
		dp_tx_kernel(w, p, m); /* not the relay's after all: the host's */
}

/* Takes of handed-over frames one poll makes at most, while each comes back full: the
 * others may hand over several of their receive bursts per poll of this one (with
 * software dispatch, most of what they read); reading one take of 64 per poll, this one
 * would fall behind and their hand-overs would be dropped (dispatch_full) while its own
 * queues kept up. */
#define INBOX_TAKES_PER_POLL 8
#define INBOX_TAKE 64

/* One take: its frames, in runs of one port's, through the burst path as from a receive
 * queue. How many there were. */
static unsigned int drain_take(struct dp_worker *w)
{
	struct rte_mbuf *pkts[INBOX_TAKE];
	unsigned int n = inbox_take(w, pkts, INBOX_TAKE);

	for (unsigned int first = 0, i; first < n; first = i) {
		const struct dp_port *p = port_of(w->app, pkts[first]->port);

		for (i = first + 1; i < n && pkts[i]->port == pkts[first]->port; i++)
			;
		if (p)
			splice_fast_burst(w, p, pkts + first, i - first, inbox_frame);
		else
			rte_pktmbuf_free_bulk(pkts + first, i - first);
	}
	return n;
}

unsigned int dp_worker_drain_inbox(struct dp_worker *w)
{
	unsigned int total = 0, n;
	int takes = 0;

	do {
		n = drain_take(w);
		total += n;
	} while (n == INBOX_TAKE && ++takes < INBOX_TAKES_PER_POLL);
	return total;
}

/* Returns the number of frames read. */
static uint16_t worker_poll_rxq(struct dp_worker *w, const struct dp_rxq *q, uint16_t burst)
{
	struct rte_mbuf *pkts[512];
	const struct dp_port *p = &w->app->ports[q->dp_port];
	uint16_t n;

	/* A paused port's own queues are not read (its exception path's are). */
	if (unlikely(w->ports_paused) && !q->from_kernel && w->tx_port[q->dp_port].paused)
		return 0;
	n = rte_eth_rx_burst(q->port_id, q->queue, pkts, burst);

	if (q->from_kernel) {
		dp_count(&w->counters.events[DP_EV_from_kernel], n);
		/* A device that offers the kernel checksum offload (virtio-user) hands over
		 * its TCP and UDP with the sum left partial: made whole before the wire. */
		for (uint16_t i = 0; i < n; i++) {
			dp_rx_sum_whole(pkts[i]);
			dp_tx_port(w, p, pkts[i]);
		}
		return n;
	}
	dp_worker_rx_burst(w, p, pkts, n);
	return n;
}

unsigned int dp_worker_poll(struct dp_worker *w, uint16_t burst)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < w->n_rxqs; i++)
		got += worker_poll_rxq(w, &w->rxqs[i], burst);
	got += dp_worker_drain_inbox(w);
	inbox_flush(w);
	dp_tx_flush(w);
	return got;
}

/* The links' own timers, on their own times: MLD reports (every worker: each answers the
 * queries it received) and the announcements of our addresses and VIPs (worker 0). */
static void link_timers(struct dp_worker *w)
{
	uint64_t next = UINT64_MAX, mld;

	if (w->index == 0) {
		next = announce_run(w); /* first: a link back up queues MLD joins too */
		next = RTE_MIN(next, relay_vips_run(w)); /* after: it reads the links it saw */
	}
	mld = ip6_mld_run(w);
	w->link_timers_ms = RTE_MIN(next, mld);
}

void dp_worker_housekeeping(struct dp_worker *w)
{
	const uint64_t age_every_ms = RTE_MAX(w->app->conf->dataplane.neigh.retry_ms / 4, 10u);

	inbox_flush(w);
	dp_tx_flush(w);
	relay_timers(w);
	if (w->now_ms >= w->next_age_ms) {
		neigh_age(w->neigh, w->now_ms);
		w->next_age_ms = w->now_ms + age_every_ms;
	}
	if (unlikely(w->n_neigh_moved)) {
		relay_hops_moved(w, w->neigh_moved, w->n_neigh_moved);
		w->n_neigh_moved = 0;
	}
	if (w->now_ms >= w->link_timers_ms)
		link_timers(w);
	dp_port_pause_serve(w);
	dp_mailbox_serve(w);
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
	resolve_gateways(w);
	if (w->index == 0) /* the links learn our MACs for our addresses */
		announce_start(w);
	rte_rcu_qsbr_thread_register(app->qsbr, w->index);
	rte_rcu_qsbr_thread_online(app->qsbr, w->index);
	while (!app->quit) {
		uint64_t start = rte_rdtsc(), end;
		unsigned int got;

		/* Nothing from the previous loop is held: old live configs may now be freed. */
		rte_rcu_qsbr_quiescent(app->qsbr, w->index);
		got = dp_worker_poll(w, burst);
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
			w->now_ms = dp_clock_step(w->now_ms, end / app->tsc_per_ms);
			w->now_ms_tsc = end;
		}
		dp_worker_housekeeping(w);
	}
	/* What the drain left open is reset, not dropped in silence: its ends would wait for
	 * their own timeouts, minutes or hours, before connecting again. */
	relay_reset_all(w);
	if (w->index == 0)
		ip6_mld_leave(w);
	dp_tx_flush(w);
	rte_rcu_qsbr_thread_offline(app->qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(app->qsbr, w->index);
	return 0;
}
