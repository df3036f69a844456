/* SPDX-License-Identifier: BSD-3-Clause */
/* bench-path with several workers (path_cost.h): each handed its own connection's bursts
 * (a NIC steering them), all bursts handed to worker 0 (the software fallback), or each
 * burst to the worker an emulated RSS table picks, the relay's source ports aimed at it;
 * and what picking one such source port costs. */
#include <string.h>

#include <rte_thash.h>

#include "dispatch.h"
#include "dp_appliance.h"
#include "dp_worker.h"
#include "neigh.h"
#include "path_cost.h"
#include "port.h"
#include "rss_steer.h"

/* One connection of the workers run, the worker that owns it, and the workers its two
 * ends' segments are received by. */
struct conn {
	struct end c, b;
	struct dp_worker *owner;
	struct dp_worker *rx_c, *rx_b;
};

/* What callgrind counts in a workers run: each connection's burst from each end handed
 * to its owner (or all to worker 0 with handoff), then every worker's inbox and
 * housekeeping, as their poll loops would. */
__attribute__((noinline, noclone)) void path_cost_workers(struct conn *conns, unsigned int n,
							 struct rte_mbuf *(*from_c)[BURST / 2],
							 struct rte_mbuf *(*from_b)[BURST / 2]);
__attribute__((noinline, noclone)) void path_cost_workers(struct conn *conns, unsigned int n,
							 struct rte_mbuf *(*from_c)[BURST / 2],
							 struct rte_mbuf *(*from_b)[BURST / 2])
{
	for (unsigned int k = 0; k < n; k++) {
		dp_worker_rx_burst(conns[k].rx_c, conns[k].c.port, from_c[k], BURST / 2);
		dp_worker_rx_burst(conns[k].rx_b, conns[k].b.port, from_b[k], BURST / 2);
	}
	for (unsigned int k = 0; k < n; k++) {
		dp_worker_drain_inbox(pc_app.workers[k]);
		dp_worker_housekeeping(pc_app.workers[k]);
	}
}

/* A client port whose connection worker k owns (the software dispatch's client hash). */
static uint16_t client_port_for(const struct end *c, unsigned int k)
{
	for (uint16_t port = c->port_num; port != 0; port++)
		if (dispatch_owner(&pc_app, c->port, rte_cpu_to_be_32(c->ip), c->our_ip,
				   rte_cpu_to_be_16(port), c->our_port) == k)
			return port;
	pc_fail("no client port for a worker");
	return 0;
}

void pc_rss_ports(unsigned int n)
{
	for (unsigned int i = 0; i < pc_app.n_ports; i++) {
		struct dp_port *p = &pc_app.ports[i];
		uint8_t key_len;
		char err[128];

		p->reta_size = 128;
		for (unsigned int e = 0; e < 128; e++)
			p->reta[e] = (uint16_t)(e % n);
		memcpy(p->rss_key, drv_rss_key(&key_len), sizeof(p->rss_key));
		if (dp_port_rss_aim(&pc_app, p, false, err, sizeof(err)) < 0)
			pc_fail(err);
	}
}

/* Whether source port is free in the picks run: every one, or one in ten (a busy
 * appliance's share), scattered by a multiplicative hash of the port. */
static bool pick_free(void *ctx, uint16_t port)
{
	const bool *scarce = ctx;

	return !*scarce || ((uint32_t)port * 2654435761u >> 16) % 10u == 0;
}

__attribute__((noinline, noclone)) unsigned int path_cost_pick(unsigned int count,
								unsigned int workers, bool scarce)
{
	const struct dp_port *p = &pc_app.ports[1];
	unsigned int picked = 0;

	for (unsigned int i = 0; i < count; i++) {
		struct dp_worker *pw = pc_app.workers[i % workers];
		uint32_t peer = rte_cpu_to_be_32(BACKEND_IP + (i & 255u));
		uint32_t local = rte_cpu_to_be_32(SVC_IP);
		struct rss_steer_conn conn = { .peer = (const uint8_t *)&peer,
					       .local = (const uint8_t *)&local,
					       .peer_port = rte_cpu_to_be_16(443) };
		uint16_t port;

		picked += rss_steer_pick(p->rss_steer, p, pw->index, &pw->src_port_next, &conn,
					 pc_app.src_port_first, pc_app.src_port_last, pick_free, &scarce,
					 &port);
	}
	return picked;
}

/* The worker whose queue the NIC's RSS picks for a segment from e to the relay. */
static struct dp_worker *rss_worker(const struct end *e)
{
	uint32_t tuple[3] = { e->ip, e->our_ip, (uint32_t)e->port_num << 16 | e->our_port };
	uint32_t h = rte_softrss(tuple, 3, e->port->rss_key);

	return pc_app.workers[e->port->queue_owner[e->port->reta[h & (e->port->reta_size - 1u)]]];
}

uint64_t pc_run_workers(const struct end *c0, const struct end *b0, unsigned int n,
			    enum deliver how, unsigned int bursts)
{
	struct conn conns[MAX_WORKERS];
	uint64_t before = 0, after = 0;

	for (unsigned int k = 0; k < n; k++) {
		conns[k].c = *c0;
		conns[k].b = *b0;
		conns[k].c.port_num = client_port_for(c0, k);
		conns[k].owner = pc_w = pc_app.workers[k];
		pc_w->now_ms = 1000000;
		neigh_learn(pc_w->neigh, BACKEND_IP, &pc_backend_mac, pc_w->now_ms, true);
		pc_open_connection(&conns[k].c, &conns[k].b);
		before += pc_spliced_by(pc_w);
		conns[k].rx_c = conns[k].rx_b = how == DELIVER_HANDOFF ? pc_app.workers[0] : pc_w;
		if (how == DELIVER_RSS) {
			conns[k].rx_c = rss_worker(&conns[k].c);
			conns[k].rx_b = rss_worker(&conns[k].b);
		}
	}
	for (unsigned int r = 0; r < bursts; r++) {
		struct rte_mbuf *from_c[MAX_WORKERS][BURST / 2], *from_b[MAX_WORKERS][BURST / 2];

		for (unsigned int k = 0; k < n; k++) {
			pc_fill(&conns[k].c, &conns[k].b, from_c[k], BURST / 2);
			pc_fill(&conns[k].b, &conns[k].c, from_b[k], BURST / 2);
		}
		path_cost_workers(conns, n, from_c, from_b);
		pc_drain(conns[0].c.port);
		pc_drain(conns[0].b.port);
	}
	for (unsigned int k = 0; k < n; k++)
		after += pc_spliced_by(pc_app.workers[k]);
	return after - before;
}

