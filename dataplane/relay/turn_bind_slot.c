/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_bind_slot.h"

#include <stdlib.h>
#include <string.h>

/* Whether slot b is f's: the same entry, and the same flow in it (its ISN). */
static bool slot_holds(const struct turn_bind_slot *b, const struct flow *f)
{
	return b->flow_index == f->index && b->flow_isn == f->c_seq.local_isn;
}

struct turn_bind_slot *turn_bind_slot_of(struct dp_worker *w, const struct flow *f)
{
	for (unsigned int i = 0; w->binds && i < TURN_BIND_SLOTS; i++)
		if (w->binds[i].used && slot_holds(&w->binds[i], f))
			return &w->binds[i];
	return NULL;
}

/* Whether the entry of a slot or kept peer (flow index, flow ISN) was left behind: its
 * flow gone without forgetting it, or another flow in its place. */
static bool left_behind(struct dp_worker *w, uint32_t flow_index, uint32_t flow_isn)
{
	const struct flow *f = flow_at(w->flows, flow_index);

	return !f || !f->via_turn || f->c_seq.local_isn != flow_isn;
}

struct turn_bind_slot *turn_bind_slot_take(struct dp_worker *w)
{
	if (!w->binds)
		w->binds = calloc(TURN_BIND_SLOTS, sizeof(*w->binds));
	for (unsigned int i = 0; w->binds && i < TURN_BIND_SLOTS; i++)
		if (!w->binds[i].used)
			return &w->binds[i];
	for (unsigned int i = 0; w->binds && i < TURN_BIND_SLOTS; i++) {
		if (left_behind(w, w->binds[i].flow_index, w->binds[i].flow_isn)) {
			w->binds[i].used = false;
			return &w->binds[i];
		}
	}
	return NULL;
}

/* The ways of the set f's index falls in. */
static struct turn_peer_kept *peer_set(struct dp_worker *w, uint32_t flow_index)
{
	return &w->bind_peers[(flow_index & (TURN_PEER_SETS - 1)) * TURN_PEER_WAYS];
}

static struct turn_peer_kept *peer_of(struct dp_worker *w, const struct flow *f)
{
	struct turn_peer_kept *set = w->bind_peers ? peer_set(w, f->index) : NULL;

	for (unsigned int i = 0; set && i < TURN_PEER_WAYS; i++)
		if (set[i].family && set[i].flow_index == f->index &&
		    set[i].flow_isn == f->c_seq.local_isn)
			return &set[i];
	return NULL;
}

bool turn_bind_keep_peer(struct dp_worker *w, struct turn_bind_slot *b, const struct flow *f)
{
	struct turn_peer_kept *set;

	b->used = false;
	if (!b->req.peer_family)
		return true;
	if (!w->bind_peers)
		w->bind_peers = calloc((size_t)TURN_PEER_SETS * TURN_PEER_WAYS,
				       sizeof(*w->bind_peers));
	if (!w->bind_peers)
		return false;
	set = peer_set(w, f->index);
	for (unsigned int i = 0; i < TURN_PEER_WAYS; i++) {
		if (!set[i].family || left_behind(w, set[i].flow_index, set[i].flow_isn)) {
			set[i] = (struct turn_peer_kept){ f->index, f->c_seq.local_isn,
							  b->req.peer_family, { 0 },
							  b->req.peer_port };
			memcpy(set[i].addr, b->req.peer, sizeof(set[i].addr));
			return true;
		}
	}
	dp_event(w, DP_EV_turn_peer_unkept);
	return false;
}

void turn_bind_forget(struct dp_worker *w, const struct flow *f)
{
	struct turn_bind_slot *b = turn_bind_slot_of(w, f);
	struct turn_peer_kept *k = peer_of(w, f);

	if (b)
		b->used = false;
	if (k)
		k->family = 0;
}

bool turn_bind_peer(struct dp_worker *w, const struct flow *f, struct ip_addr *peer,
		    uint16_t *port)
{
	const struct turn_peer_kept *k = f->via_turn ? peer_of(w, f) : NULL;

	if (!k)
		return false;
	if (k->family == MR_CTL_PEER_V6) {
		*peer = ip_addr_v6(k->addr); /* a mapped IPv4 peer becomes IPv4 */
	} else {
		*peer = (struct ip_addr){ .family = IP_ADDR_FAMILY_V4 };
		memcpy(peer->bytes, k->addr, 4);
	}
	*port = k->port;
	return true;
}
