/* SPDX-License-Identifier: BSD-3-Clause */
/* Where the relay's own connections come from: a free source port of the worker's share
 * (or one the NIC's RSS brings back to it), spread over the port's source addresses, and
 * the port and local address that reach a backend. */
#include "relay_ports.h"

#include <string.h>

#include "nexthop.h"
#include "relay_tcp.h"
#include "rss_steer.h"

/* Whether side dir of f, with the local port in its key, names a connection in use.
 * With reclaim, one of a flow the relay keeps only as closed (its own TIME-WAIT) is not:
 * that flow ends and leaves the 4-tuple to the new connection, as a host's TIME-WAIT
 * gives way to a new SYN (RFC 6191). The relay's ISNs follow a clock, and a backend still
 * holding the old connection answers with an ACK, which relay_reset_stale clears. */
static bool side_in_use(struct dp_worker *w, struct flow *f, enum flow_dir dir, bool reclaim)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	enum flow_dir odir;
	struct flow *o;

	if (side->v6) {
		struct flow_key6 k6 = flow_side_key6(w->flows, f, dir);

		if (!reclaim)
			return flow_key6_exists(w->flows, &k6);
		o = flow_lookup6(w->flows, &k6, &odir);
	} else {
		if (!reclaim)
			return flow_key_exists(w->flows, &side->key);
		o = flow_lookup(w->flows, &side->key, &odir);
	}
	if (!o)
		return false;
	if (o == f || o->state != FLOW_CLOSING || odir != dir)
		return true;
	dp_event(w, DP_EV_closing_port_reused);
	relay_flow_expire(w, o);
	return false;
}

/* The side of a flow a source port is being picked for (rss_steer's is_free). */
struct port_pick {
	struct dp_worker *w;
	struct flow *f;
	enum flow_dir dir;
	bool reclaim;
};

static bool port_pick_free(void *ctx, uint16_t port)
{
	struct port_pick *pp = ctx;
	struct flow_side *side = pp->dir == FLOW_DIR_CLIENT ? &pp->f->c : &pp->f->b;

	side->key.local_port = rte_cpu_to_be_16(port);
	return !side_in_use(pp->w, pp->f, pp->dir, pp->reclaim);
}

/* A source port, on a port whose RSS rss_steer aims, that brings the segments coming
 * back to this worker's queues, and such that the side's 4-tuple is free (or, with
 * reclaim, held by a closed flow only). */
static bool pick_rss_port(struct dp_worker *w, struct flow *f, enum flow_dir dir, bool reclaim)
{
	const struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	const struct flow_addr6 *a6 = relay_addr6(w, f, dir);
	struct rss_steer_conn conn = {
		.v6 = a6 != NULL,
		.peer = a6 ? a6->peer : (const uint8_t *)&side->key.peer_ip,
		.local = a6 ? a6->local : (const uint8_t *)&side->key.local_ip,
		.peer_port = side->key.peer_port,
	};
	struct port_pick pp = { .w = w, .f = f, .dir = dir, .reclaim = reclaim };
	uint16_t port;

	return rss_steer_pick(p->rss_steer, p, w->index, &w->src_port_next, &conn,
			      w->app->src_port_first, w->app->src_port_last, port_pick_free, &pp,
			      &port);
}

/* A source port such that the side's 4-tuple is free (with reclaim, held by a closed
 * flow only), its local address as it is: one RSS brings home where rss_steer aims the
 * port's RSS, else one of this worker's share. Shares are interleaved (port % workers ==
 * worker index) so rte_flow rules or dispatch can steer by them. */
static bool pick_port_pass(struct dp_worker *w, struct flow *f, enum flow_dir dir, bool reclaim)
{
	const struct dp_appliance *app = w->app;
	uint32_t span = (uint32_t)app->src_port_last - app->src_port_first + 1;
	uint32_t mine = (span + app->n_workers - 1 - w->index) / app->n_workers;
	struct flow_key *k = dir == FLOW_DIR_CLIENT ? &f->c.key : &f->b.key;
	uint8_t port_index = dir == FLOW_DIR_CLIENT ? f->c.port : f->b.port;

	if (app->ports[port_index].rss_steer)
		return pick_rss_port(w, f, dir, reclaim);
	for (uint32_t tries = 0; tries < 64 && mine > 0; tries++) {
		uint32_t slot = w->src_port_next++ % mine;
		uint32_t port = app->src_port_first + w->index + slot * app->n_workers;

		k->local_port = rte_cpu_to_be_16((uint16_t)port);
		if (!side_in_use(w, f, dir, reclaim))
			return true;
	}
	return false;
}

/* A free 4-tuple first; failing that, one a closed flow holds: closed flows would else
 * cap the new connections to one backend at the ports over the closing time (5,000 a
 * second with the defaults). */
static bool pick_port(struct dp_worker *w, struct flow *f, enum flow_dir dir)
{
	return pick_port_pass(w, f, dir, false) || pick_port_pass(w, f, dir, true);
}

/* pick_port, counting a refusal: that address has no free port towards the peer. */
static bool pick_port_counted(struct dp_worker *w, struct flow *f, enum flow_dir dir)
{
	if (pick_port(w, f, dir))
		return true;
	dp_event(w, DP_EV_source_addr_full);
	return false;
}

bool relay_pick_source_port(struct dp_worker *w, struct flow *f, enum flow_dir dir,
			    bool any_address)
{
	struct flow_side *side = dir == FLOW_DIR_CLIENT ? &f->c : &f->b;
	const struct dp_port *p = &w->app->ports[side->port];
	uint32_t n = p->n_src_ipv4, first;

	if (!any_address || side->v6 || n < 2 || side->key.local_ip != rte_cpu_to_be_32(p->ipv4))
		return pick_port_counted(w, f, dir);
	/* Each connection starts at the next address, so that all of them fill alike and a
	 * pick seldom meets a full one first. */
	first = w->src_addr_next++ % n;
	for (uint32_t i = 0; i < n; i++) {
		side->key.local_ip = rte_cpu_to_be_32(p->src_ipv4[(first + i) % n]);
		if (pick_port_counted(w, f, dir))
			return true;
	}
	side->key.local_ip = rte_cpu_to_be_32(p->ipv4);
	return false;
}

bool relay_backend_side_set(struct dp_worker *w, struct flow *f, const struct ip_addr *addr)
{
	int out;

	if (addr->family == IP_ADDR_FAMILY_V6) {
		struct neigh_addr dst, hop;

		memcpy(dst.b, addr->bytes, 16);
		out = nexthop_v6(w->app, &dst, &hop);
		if (out < 0)
			return false;
		flow_side_set_v6(w->flows, f, FLOW_DIR_BACKEND, addr->bytes, w->app->ports[out].ipv6);
	} else {
		uint32_t ip, nexthop;

		memcpy(&ip, addr->bytes, 4);
		out = nexthop_v4(w->app, rte_be_to_cpu_32(ip), &nexthop);
		if (out < 0)
			return false;
		f->b.key.peer_ip = ip;
		f->b.key.local_ip = rte_cpu_to_be_32(w->app->ports[out].ipv4);
	}
	f->b.port = (uint8_t)out;
	return true;
}
