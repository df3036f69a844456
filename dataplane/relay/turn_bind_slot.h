/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's RFC 6062 binds in progress (turn_bind.h), one slot each: which flow a bind is
 * for and the peer its ConnectionAttempt named. Apart from the bind itself so that every
 * relay module may forget a flow's slot or ask for its peer without calling up into the
 * bind. The worker's own (w->binds), made when its first bind starts.
 */
#ifndef TURN_BIND_SLOT_H
#define TURN_BIND_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "flow.h"
#include "ip_addr.h"
#include "mr_ctl_proto.h"

#define TURN_BIND_SLOTS 64         /* binds in progress per worker */

/* One bind in progress (per worker, used by that worker only). */
struct turn_bind_slot {
	uint32_t flow_index;
	uint32_t flow_isn;          /* with the index, names the flow: a later one reusing the
				     * index (another ISN) never matches this slot */
	bool used;
	bool acked;                 /* the server has all of req.msg */
	uint8_t attempts;           /* data connections opened for it so far */
	struct mr_ctl_bind req;     /* to open another one, and the ConnectionBind to send */
};

/* The slot of f's bind (or of the bind it arrived by), NULL when it has none. */
struct turn_bind_slot *turn_bind_slot_of(struct dp_worker *w, const struct flow *f);

/* The peer that a flow arrived over TURN for (the ConnectionAttempt's XOR-PEER-ADDRESS;
 * port network order): the client its backend is told of and its pool choice is keyed on.
 * false when the flow did not arrive over TURN, is routed already, or the control plane
 * named no peer. */
bool turn_bind_peer(struct dp_worker *w, const struct flow *f, struct ip_addr *peer,
		    uint16_t *port);

/* The flow ends while binding, or its peer has served (routed to a member it stays with,
 * aborted): forget its slot. */
void turn_bind_forget(struct dp_worker *w, const struct flow *f);

/* f may no longer go to another member (its hello let go, or it ends): a flow that came
 * over TURN forgets its slot, kept until then for its peer (turn_bind_peer). */
static inline void turn_bind_done(struct dp_worker *w, const struct flow *f)
{
	if (f->via_turn)
		turn_bind_forget(w, f);
}

/* A slot for a new bind: a free one, else one whose flow is gone (a way out that did not
 * forget it: the slot would else be lost for good); NULL when all are in use. */
struct turn_bind_slot *turn_bind_slot_take(struct dp_worker *w);

#endif
