/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health checks: connections the health worker opens to pool members itself, from
 * its own address and source ports (the kernel behind the exception path is not needed),
 * as flows of its table in FLOW_CHECK states. A TCP check passes when the member answers
 * the SYN (then reset); a TLS check when it answers a ClientHello for the pool's check
 * name with a ServerHello, read in order over as many segments as it takes (each
 * acknowledged), after warning alerts if any. Results go to health_check_result. */
#ifndef RELAY_HEALTH_CHECK_H
#define RELAY_HEALTH_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "relay.h"

struct relay_live;

/* Once per poll loop on every worker: health_run with the checks of this module (only
 * the health worker, worker 0, does anything). */
void health_check_run(struct dp_worker *w);

/* A segment from the member to check flow f. Consumes s. */
void health_check_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* f's retransmission time came: its SYN sent once more while unanswered. */
void health_check_rtx(struct dp_worker *w, struct flow *f);

/* f's answer did not come in time: the check failed. */
void health_check_timeout(struct dp_worker *w, struct flow *f);

#endif
