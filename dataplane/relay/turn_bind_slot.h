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
#define TURN_PEER_WAYS 4           /* kept peers: entries a flow's index may take ... */
#define TURN_PEER_SETS 1024        /* ... in one of these sets (4,096 a worker) */

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

/* The peer of a flow that arrived over TURN, kept from its bind's end until the flow is
 * routed for good (another member may still take it): a few bytes, not the bind's slot,
 * so a member slow to answer holds no bind slot. The worker's own (w->bind_peers). */
struct turn_peer_kept {
	uint32_t flow_index;
	uint32_t flow_isn;          /* as a slot's: a later flow in the entry never matches */
	uint8_t family;             /* MR_CTL_PEER_V4 or _V6; 0: the entry is free */
	uint8_t addr[16];
	uint16_t port;              /* network order */
};

/* The bind of f is done (its answer in, the stream a client's): its peer is kept for f
 * (if the bind named one) and its slot freed for the next bind. false when the peer could
 * not be kept: every entry f's index may take holds a live flow's (counted). */
bool turn_bind_keep_peer(struct dp_worker *w, struct turn_bind_slot *b, const struct flow *f);

/* The slot of f's bind in progress, NULL when it has none. */
struct turn_bind_slot *turn_bind_slot_of(struct dp_worker *w, const struct flow *f);

/* The peer that a flow arrived over TURN for (the ConnectionAttempt's XOR-PEER-ADDRESS;
 * port network order): the client its backend is told of and its pool choice is keyed on.
 * false when the flow did not arrive over TURN, is routed already, or the control plane
 * named no peer. */
bool turn_bind_peer(struct dp_worker *w, const struct flow *f, struct ip_addr *peer,
		    uint16_t *port);

/* The flow ends while binding, or its peer has served (routed to a member it stays with,
 * aborted): forget its slot or its kept peer. */
void turn_bind_forget(struct dp_worker *w, const struct flow *f);

/* f may no longer go to another member (its hello let go, or it ends): a flow that came
 * over TURN forgets its peer, kept until then (turn_bind_peer). */
static inline void turn_bind_done(struct dp_worker *w, const struct flow *f)
{
	if (f->via_turn)
		turn_bind_forget(w, f);
}

/* A slot for a new bind: a free one, else one whose flow is gone (a way out that did not
 * forget it: the slot would else be lost for good); NULL when all are in use. */
struct turn_bind_slot *turn_bind_slot_take(struct dp_worker *w);

#endif
