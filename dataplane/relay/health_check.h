/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health checks: connections the health worker opens to pool members itself, from
 * its own address and source ports (the kernel behind the exception path is not needed),
 * as flows of its table in FLOW_CHECK states. A TCP check passes when the member answers
 * the SYN (then reset); a TLS check when it answers a ClientHello for the pool's check
 * name with a ServerHello. Results go to health_check_result. */
#ifndef RELAY_HEALTH_CHECK_H
#define RELAY_HEALTH_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "relay.h"

struct relay_live;

/* Open a check of addr:port (health slot slot, checked as hc says) from worker w. false
 * when it could not be sent (no flow, port or route: counted as a failed check). */
bool health_check_start(struct dp_worker *w, const struct ip_addr *addr, uint16_t port,
			uint32_t slot, const struct mr_health_conf *hc);

/* A segment from the member to check flow f. Consumes s. */
void health_check_input(struct dp_worker *w, struct flow *f, struct relay_seg *s);

/* f's answer did not come in time: the check failed. */
void health_check_timeout(struct dp_worker *w, struct flow *f);

/* The check of slot in flow index passed its deadline: it failed (the flow ended). */
void health_check_expire(struct dp_worker *w, uint32_t index, uint32_t slot);

#endif
