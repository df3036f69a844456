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

struct turn_bind_slot *turn_bind_slot_take(struct dp_worker *w)
{
	if (!w->binds)
		w->binds = calloc(TURN_BIND_SLOTS, sizeof(*w->binds));
	for (unsigned int i = 0; w->binds && i < TURN_BIND_SLOTS; i++)
		if (!w->binds[i].used)
			return &w->binds[i];
	for (unsigned int i = 0; w->binds && i < TURN_BIND_SLOTS; i++) {
		const struct flow *f = flow_at(w->flows, w->binds[i].flow_index);

		if (!f || !f->via_turn || !slot_holds(&w->binds[i], f)) {
			w->binds[i].used = false;
			return &w->binds[i];
		}
	}
	return NULL;
}

void turn_bind_forget(struct dp_worker *w, const struct flow *f)
{
	struct turn_bind_slot *b = turn_bind_slot_of(w, f);

	if (b)
		b->used = false;
}

bool turn_bind_peer(struct dp_worker *w, const struct flow *f, struct ip_addr *peer,
		    uint16_t *port)
{
	const struct turn_bind_slot *b = f->via_turn ? turn_bind_slot_of(w, f) : NULL;

	if (!b || !b->req.peer_family)
		return false;
	if (b->req.peer_family == MR_CTL_PEER_V6) {
		*peer = ip_addr_v6(b->req.peer); /* a mapped IPv4 peer becomes IPv4 */
	} else {
		*peer = (struct ip_addr){ .family = IP_ADDR_FAMILY_V4 };
		memcpy(peer->bytes, b->req.peer, 4);
	}
	*port = b->req.peer_port;
	return true;
}
