/* SPDX-License-Identifier: BSD-3-Clause */
#include "announce.h"

#include "arp.h"
#include "ip6.h"
#include "port.h"

#define ANNOUNCE_ROUNDS 2      /* RFC 5227's ANNOUNCE_NUM ... */
#define ANNOUNCE_GAP_MS 2000u  /* ... and ANNOUNCE_INTERVAL */
#define LINK_LOOK_MS 1000u     /* how often worker 0 looks at what the main lcore read */

void announce_links_watch(struct dp_appliance *app)
{
	for (unsigned int i = 0; i < app->n_ports; i++) {
		uint32_t old = __atomic_load_n(&app->link_state[i], __ATOMIC_RELAXED);
		uint32_t up = drv_port_link_up(app->ports[i].port_id) == 1;

		if ((old & ANNOUNCE_LINK_UP) != up)
			__atomic_store_n(&app->link_state[i],
					 ((old & ~ANNOUNCE_LINK_UP) + ANNOUNCE_LINK_CHANGE) | up,
					 __ATOMIC_RELEASE);
	}
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
		w->link_seen[i] = __atomic_load_n(&w->app->link_state[i], __ATOMIC_ACQUIRE);
		if (w->link_seen[i] & ANNOUNCE_LINK_UP)
			port_came_up(w, &w->app->ports[i]);
	}
	w->link_timers_ms = w->now_ms;
}

/* What changed on port i's link since the last look: counted (a down and up between two
 * looks as both), and announced again when up. */
static void link_look(struct dp_worker *w, unsigned int i)
{
	uint32_t now = __atomic_load_n(&w->app->link_state[i], __ATOMIC_ACQUIRE);
	uint32_t changes = now / ANNOUNCE_LINK_CHANGE - w->link_seen[i] / ANNOUNCE_LINK_CHANGE;

	if (now == w->link_seen[i])
		return;
	w->link_seen[i] = now;
	dp_count(&w->counters.events[DP_EV_link_down], (changes + !(now & ANNOUNCE_LINK_UP)) / 2);
	dp_count(&w->counters.events[DP_EV_link_up], (changes + (now & ANNOUNCE_LINK_UP)) / 2);
	if (now & ANNOUNCE_LINK_UP)
		port_came_up(w, &w->app->ports[i]);
}

uint64_t announce_run(struct dp_worker *w)
{
	uint64_t next = w->now_ms + LINK_LOOK_MS;

	for (unsigned int i = 0; i < w->app->n_ports; i++) {
		const struct dp_port *p = &w->app->ports[i];

		link_look(w, i);
		if (!(w->link_seen[i] & ANNOUNCE_LINK_UP) || !w->announce_left[i])
			continue;
		/* A port paused for its driver would drop them: they wait for its return. */
		if (w->now_ms >= w->announce_due_ms[i] && !w->tx_port[i].paused) {
			arp_announce(w, p);
			if (p->has_ipv6)
				ip6_announce(w, p);
			w->announce_due_ms[i] = --w->announce_left[i] ? w->now_ms + ANNOUNCE_GAP_MS
								     : 0;
		}
		if (w->announce_left[i])
			next = RTE_MIN(next, RTE_MAX(w->announce_due_ms[i], w->now_ms + 1));
	}
	return next;
}
