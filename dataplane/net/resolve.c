/* SPDX-License-Identifier: BSD-3-Clause */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

#include "arp.h"
#include "dp_tx.h"
#include "ip6.h"
#include "nexthop.h"

/* The neighbour table calls back with the worker as context. */
static void neigh_cb_send_request(void *ctx, const struct neigh_addr *addr)
{
	struct dp_worker *w = ctx;
	uint32_t ip, nexthop;
	struct neigh_addr nexthop6;
	int port;

	if (!neigh_addr_is_v4(addr)) {
		port = nexthop_v6(w->app, addr, &nexthop6);
		if (port >= 0)
			ip6_send_solicit(w, &w->app->ports[port], addr);
		return;
	}
	ip = neigh_addr_v4_of(addr);
	port = nexthop_v4(w->app, ip, &nexthop);
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

/* Kept for the relay's flows to follow at the worker's next housekeeping: the cache is
 * below the flows, and a move is rare (an announced failover). */
static void neigh_cb_moved(void *ctx, const struct neigh_addr *addr,
			   const struct rte_ether_addr *from, const struct rte_ether_addr *to)
{
	struct dp_worker *w = ctx;
	struct dp_neigh_moved *mv;

	if (w->n_neigh_moved == DP_NEIGH_MOVES) { /* the oldest gives way */
		memmove(&w->neigh_moved[0], &w->neigh_moved[1],
			sizeof(w->neigh_moved[0]) * (DP_NEIGH_MOVES - 1));
		w->n_neigh_moved--;
	}
	mv = &w->neigh_moved[w->n_neigh_moved++];
	memcpy(mv->addr, addr->b, sizeof(mv->addr));
	mv->from = *from;
	mv->to = *to;
}

struct neigh_table *resolve_table_create(struct dp_worker *w, int socket)
{
	struct neigh_ops ops = { neigh_cb_send_request, neigh_cb_flush, neigh_cb_drop,
				 neigh_cb_moved, w };
	char name[32];

	snprintf(name, sizeof(name), "neigh_w%u", w->index);
	return neigh_table_create(name, &w->app->conf->dataplane.neigh, socket, &ops);
}

void resolve_solicit(struct dp_worker *w, const struct dp_port *p, const struct neigh_addr *hop)
{
	if (neigh_addr_is_v4(hop))
		arp_send_request(w, p, neigh_addr_v4_of(hop));
	else
		ip6_send_solicit(w, p, hop);
}

bool resolve_send(struct dp_worker *w, const struct dp_port *p, const struct neigh_addr *hop,
		  struct rte_mbuf *m, struct rte_ether_addr *mac)
{
	m->port = p->index; /* where the neighbour cache sends it once resolved */
	switch (neigh_resolve_addr(w->neigh, hop, w->now_ms, m, mac)) {
	case NEIGH_HIT_PROBE:
		resolve_solicit(w, p, hop);
		/* fall through */
	case NEIGH_HIT:
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = *mac;
		dp_tx_port(w, p, m);
		return true;
	case NEIGH_QUEUED_REQUEST:
		resolve_solicit(w, p, hop);
		return false;
	case NEIGH_QUEUED:
		return false;
	case NEIGH_REQUEST:
		resolve_solicit(w, p, hop);
		dp_drop(w, m, DP_DROP_neigh_unresolved_limit);
		return false;
	case NEIGH_LIMITED:
		dp_drop(w, m, DP_DROP_neigh_unresolved_limit);
		return false;
	case NEIGH_DROPPED:
	default:
		dp_drop(w, m, DP_DROP_neigh_unresolved); /* the sender's timer tries again */
		return false;
	}
}

void resolve_gateways(struct dp_worker *w)
{
	struct rte_ether_addr mac;

	for (unsigned int i = 0; w->index == 0 && i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		if (p->gateway && neigh_resolve(w->neigh, p->gateway, w->now_ms, NULL, &mac) ==
					  NEIGH_QUEUED_REQUEST)
			arp_send_request(w, p, p->gateway);
	}
}
