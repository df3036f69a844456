/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6062 data connections: when a peer connects to this gateway's relayed address on
 * another network's TURN server, the control plane gets a ConnectionAttempt and asks a
 * worker (through its mailbox) to open a TCP connection to that TURN server, send the
 * ConnectionBind it prepared and check the success answer. From then on the connection is
 * a client connection like one accepted on a listener: ClientHello, route, splice. The
 * answer's bytes and the bind's are shifted out of the sequence spaces, so the rest of the
 * relay sees a stream that starts after them. Worker lcores only, but for the request.
 */
#ifndef TURN_BIND_H
#define TURN_BIND_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "flow.h"
#include "relay.h"

#define TURN_BIND_MSG_MAX 512
#define TURN_BIND_SLOTS 64         /* binds in progress per worker */
#define TURN_BIND_ANSWER_MAX 1024  /* larger ConnectionBind answers are refused */
#define TURN_BIND_ATTEMPTS 4       /* a refused bind is tried again on a new connection */
#define TURN_BIND_RETRY_MS 25      /* ... after this, doubling */

/* What the control thread hands a worker. Addresses and ports in network order. */
struct turn_bind_req {
	uint32_t server;
	uint16_t server_port;
	uint32_t source;            /* the address the TURN control connection comes from */
	uint8_t tid[12];            /* of the ConnectionBind in msg */
	uint16_t len;
	uint8_t msg[TURN_BIND_MSG_MAX];
	int result;                 /* set by the worker: 0 started, -1 refused */
};

/* One bind in progress (per worker, used by that worker only). */
struct turn_bind_slot {
	uint32_t flow_index;
	bool used;
	bool acked;                 /* the server has all of msg */
	uint8_t attempts;           /* data connections opened for it so far */
	uint32_t server, source;    /* to open another one (network order) */
	uint16_t server_port;
	uint8_t tid[12];
	uint16_t len;
	uint8_t msg[TURN_BIND_MSG_MAX];
};

/* Parse "server=IP:PORT source=IP tid=HEX bind=HEX" (a control request) into req.
 * 0, or -1 with a reason in err. */
int turn_bind_parse(const char *text, struct turn_bind_req *req, char *err, size_t errlen);

/* Mailbox function: start the bind in arg (a struct turn_bind_req) on worker w. */
void turn_bind_start(struct dp_worker *w, void *arg);

/* A segment from the TURN server of a flow in FLOW_BIND_SYN or FLOW_BIND_WAIT. */
void turn_bind_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* The flow's retransmission timer fired while binding. */
void turn_bind_rtx(struct dp_worker *w, struct flow *f);

/* The flow ends while binding (expiry, abort): forget its slot. */
void turn_bind_forget(struct dp_worker *w, const struct flow *f);

#endif
