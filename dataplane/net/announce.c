/* SPDX-License-Identifier: BSD-3-Clause */
#include "announce.h"

#include <rte_ethdev.h>

#include "arp.h"
#include "ip6.h"

#define ANNOUNCE_ROUNDS 2      /* RFC 5227's ANNOUNCE_NUM ... */
#define ANNOUNCE_GAP_MS 2000u  /* ... and ANNOUNCE_INTERVAL */
#define LINK_CHECK_MS 1000u    /* how often the links are looked at: a driver may ask the
				* kernel or the device each time */

static bool link_is_up(const struct dp_port *p)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(p->port_id, &link) == 0 &&
	       link.link_status == RTE_ETH_LINK_UP;
}

static void port_came_up(struct dp_worker *w, const struct dp_port *p)
{
	w->announce_left[p->index] = ANNOUNCE_ROUNDS;
	w->announce_due_ms[p->index] = w->now_ms;
	ip6_mld_start(w, p);
}

void announce_start(struct dp_worker *w)
{
	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		w->link_up[i] = link_is_up(&w->app->ports[i]);
		if (w->link_up[i])
			port_came_up(w, &w->app->ports[i]);
	}
	w->links_check_ms = w->now_ms + LINK_CHECK_MS;
}

/* The links looked at again: a change counted, a link back up to be announced. */
static void links_check(struct dp_worker *w)
{
	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		bool up = link_is_up(&w->app->ports[i]);

		if (up == w->link_up[i])
			continue;
		w->link_up[i] = up;
		dp_event(w, up ? DP_EV_link_up : DP_EV_link_down);
		if (up)
			port_came_up(w, &w->app->ports[i]);
	}
}

void announce_run(struct dp_worker *w)
{
	if (w->now_ms >= w->links_check_ms) {
		links_check(w);
		w->links_check_ms = w->now_ms + LINK_CHECK_MS;
	}
	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		if (!w->link_up[i] || !w->announce_left[i] || w->now_ms < w->announce_due_ms[i])
			continue;
		arp_announce(w, p);
		if (p->has_ipv6)
			ip6_announce(w, p);
		w->announce_left[i]--;
		w->announce_due_ms[i] = w->now_ms + ANNOUNCE_GAP_MS;
	}
}
