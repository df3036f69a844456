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
#include "turn_bind_slot.h"

#define TURN_BIND_ANSWER_MAX 1024  /* larger ConnectionBind answers are refused */
#define TURN_BIND_ATTEMPTS 4       /* a refused bind is tried again on a new connection */
#define TURN_BIND_RETRY_MS 25      /* ... after this, doubling */

/* What the control thread hands a worker: the BIND request as the control protocol
 * decoded it, and the worker's answer. */
struct turn_bind_req {
	struct mr_ctl_bind bind;
	int result;                 /* set by the worker: 0 started, -1 refused */
};

/* Mailbox function: start the bind in arg (a struct turn_bind_req) on worker w. */
void turn_bind_start(struct dp_worker *w, void *arg);

/* A segment from the TURN server of a flow in FLOW_BIND_SYN or FLOW_BIND_WAIT. */
void turn_bind_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* The TURN server refused f's SYN (its RST, or its host's ICMP hard unreachable): the bind
 * ends, counted as refused. */
void turn_bind_syn_refused(struct dp_worker *w, struct flow *f);

/* The flow's retransmission timer fired while binding. */
void turn_bind_rtx(struct dp_worker *w, struct flow *f);

#endif
