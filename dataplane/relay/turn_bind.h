/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6062 data connections: when a peer connects to this gateway's relayed address on
 * another network's TURN server, the control plane gets a ConnectionAttempt and asks a
 * worker (through its mailbox) to open a TCP connection to that TURN server, send the
 * ConnectionBind it prepared and check the success answer. From then on the connection is
 * a client connection like one accepted on a listener: ClientHello, route (to this
 * network's own services only: no transit), splice. The slot keeps the peer the attempt
 * named until the flow is routed: the backend's PROXY v2 client, the pool choice's key. The
 * answer's bytes and the bind's are shifted out of the sequence spaces, so the rest of the
 * relay sees a stream that starts after them. Worker lcores only, but for the request.
 */
#ifndef TURN_BIND_H
#define TURN_BIND_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "flow.h"
#include "mr_ctl_proto.h"
#include "relay.h"

#define TURN_BIND_SLOTS 64         /* binds in progress per worker */
#define TURN_BIND_ANSWER_MAX 1024  /* larger ConnectionBind answers are refused */
#define TURN_BIND_ATTEMPTS 4       /* a refused bind is tried again on a new connection */
#define TURN_BIND_RETRY_MS 25      /* ... after this, doubling */

/* What the control thread hands a worker: the BIND request as the control protocol
 * decoded it, and the worker's answer. */
struct turn_bind_req {
	struct mr_ctl_bind bind;
	int result;                 /* set by the worker: 0 started, -1 refused */
};

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

/* Mailbox function: start the bind in arg (a struct turn_bind_req) on worker w. */
void turn_bind_start(struct dp_worker *w, void *arg);

/* A segment from the TURN server of a flow in FLOW_BIND_SYN or FLOW_BIND_WAIT. */
void turn_bind_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* The flow's retransmission timer fired while binding. */
void turn_bind_rtx(struct dp_worker *w, struct flow *f);

/* The peer that a flow arrived over TURN for (the ConnectionAttempt's XOR-PEER-ADDRESS;
 * port network order): the client its backend is told of and its pool choice is keyed on.
 * false when the flow did not arrive over TURN, is routed already, or the control plane
 * named no peer. */
bool turn_bind_peer(struct dp_worker *w, const struct flow *f, struct ip_addr *peer,
		    uint16_t *port);

/* The flow ends while binding, or leaves its hello (routed, aborted): forget its slot. */
void turn_bind_forget(struct dp_worker *w, const struct flow *f);

#endif
