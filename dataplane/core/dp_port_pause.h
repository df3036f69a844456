/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pausing a data port: the workers stop polling it and sending on it, and drop (counted
 * as port_paused) what they would have sent, until it is resumed. What it is for: a memif
 * peer may leave only while nobody polls the port. DPDK 22.11's memif driver unmaps the
 * peer's rings in its interrupt thread the moment the peer goes, even while a worker is
 * inside a receive or transmit burst on them, and that worker then faults. Pause the port,
 * let the peer go (and come back), resume it.
 */
#ifndef DP_PORT_PAUSE_H
#define DP_PORT_PAUSE_H

#include <stdbool.h>

#include "dp.h"

/* Worker side: pause (or resume) data port index `port` on w: its receive queues are
 * skipped, frames for it dropped, those already buffered for it dropped. w's lcore only,
 * between bursts. */
void dp_port_pause_on_worker(struct dp_worker *w, uint16_t port, bool paused);

/* Worker side, each housekeeping: apply what dp_port_pause asked since the last time. */
void dp_port_pause_serve(struct dp_worker *w);

/* Control threads: pause (or resume) data port index `port` on every worker and wait
 * until each has applied it, so that on return none is inside a burst on the port.
 * 0 when all did; -1 when one did not answer in timeout_ms: the others did, and it takes
 * the state last asked for at its next housekeeping. */
int dp_port_pause(const struct dp_appliance *app, uint16_t port, bool paused,
		  unsigned int timeout_ms);

/* How many workers have data port index `port` paused (a display: read while they run). */
unsigned int dp_port_paused_workers(const struct dp_appliance *app, uint16_t port);

#endif
