/* SPDX-License-Identifier: BSD-3-Clause */
#include "relay_vips.h"

#include "announce.h"
#include "arp.h"
#include "relay_live.h"

#define VIP_ROUNDS 2         /* as the ports' own addresses (announce.c) */
#define VIP_GAP_MS 2000u

/* The port whose link the VIPs are told to (the DNS port's range), or NULL. */
static const struct dp_port *vip_port(const struct dp_worker *w)
{
	for (unsigned int i = 0; i < w->app->n_ports; i++)
		if (w->app->ports[i].vip_mask)
			return &w->app->ports[i];
	return NULL;
}

/* Rounds from the start: of every VIP, or only of the configuration's new ones. */
static void rounds_queue(struct dp_worker *w, bool all)
{
	w->vip_announce.left = VIP_ROUNDS;
	w->vip_announce.all = all;
	w->vip_announce.next = 0;
	w->vip_announce.due_ms = w->now_ms;
}

/* What changed since the last look: the port's link came up (every VIP), or another
 * configuration came in: its new VIPs; every VIP when more than one came in (the new
 * ones of those before it are not its own) or rounds of the last one were still to go
 * (none of those told once only). */
static void changes_look(struct dp_worker *w, const struct dp_port *p,
			 const struct relay_live *live)
{
	uint32_t link = w->link_seen[p->index];

	if (link != w->vip_announce.link_seen) {
		w->vip_announce.link_seen = link;
		if (link & ANNOUNCE_LINK_UP)
			rounds_queue(w, true);
		else
			w->vip_announce.left = 0;
	}
	if (live->swaps != w->vip_announce.swaps) {
		bool one = live->swaps - w->vip_announce.swaps == 1;

		w->vip_announce.swaps = live->swaps;
		if (link & ANNOUNCE_LINK_UP)
			rounds_queue(w, !one || w->vip_announce.left > 0);
	}
}

uint64_t relay_vips_run(struct dp_worker *w)
{
	const struct relay_live *live = relay_live_get(w->app);
	const struct dp_port *p = vip_port(w);
	const uint32_t *vips;
	uint32_t n, end;

	if (!p || !live)
		return UINT64_MAX;
	changes_look(w, p, live);
	if (!w->vip_announce.left)
		return UINT64_MAX;
	/* A port paused for its driver would drop them: they wait for its return. */
	if (w->now_ms < w->vip_announce.due_ms || w->tx_port[p->index].paused)
		return RTE_MAX(w->vip_announce.due_ms, w->now_ms + 1);
	vips = w->vip_announce.all ? live->vips : live->vips_new;
	n = w->vip_announce.all ? live->n_vips : live->n_vips_new;
	end = RTE_MIN(n, w->vip_announce.next + RELAY_VIPS_BATCH);
	for (uint32_t i = w->vip_announce.next; i < end; i++)
		if (dp_port_vip(p, vips[i]))
			arp_announce_addr(w, p, vips[i]);
	w->vip_announce.next = end;
	if (end < n) /* the rest of the round on the next pass */
		return w->now_ms + 1;
	w->vip_announce.next = 0;
	if (--w->vip_announce.left == 0)
		return UINT64_MAX;
	w->vip_announce.due_ms = w->now_ms + VIP_GAP_MS;
	return w->vip_announce.due_ms;
}
