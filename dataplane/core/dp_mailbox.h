/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How other threads (the control socket, telemetry) ask a worker for something that only
 * its own lcore may do: read its flows or neighbours, start a bind. The request runs on
 * the worker at the top of its next housekeeping; the asker waits for it.
 */
#ifndef DP_MAILBOX_H
#define DP_MAILBOX_H

#include "dp.h"

/* Run fn(w, arg) on w's lcore and wait up to timeout_ms. 0 when it ran, -1 when it was
 * withdrawn at the time-out, never to run (arg is the caller's again). Not for worker
 * lcores. */
int dp_mailbox_call(struct dp_worker *w, void (*fn)(struct dp_worker *, void *), void *arg,
		    unsigned int timeout_ms);

/* Worker side: run the request posted to w, if any. w's own lcore only. */
void dp_mailbox_serve(struct dp_worker *w);

#endif
