/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MR_MGMT_RESTART_H
#define MR_MGMT_RESTART_H

/*
 * What a push carries that the data plane takes only as it starts: its relay, dataplane,
 * log and metrics sections (the flow table's size, timeouts, buffers, the control socket,
 * the log's destinations, the metrics endpoint). A push puts its routes, pools, networks,
 * listeners, DNS and gateways in force at once; these it keeps for the next start, and
 * says so, naming them, rather than answer "applied" over a setting that is not.
 */

#include <stddef.h>

#include "mr_config.h"

/* The settings (as the file names them, "relay.idle_timeout_ms") in which pushed differs
 * from start among those taken only at start, into out as "a, b" (cut short with "...");
 * how many differ. */
unsigned int mgmt_restart_changes(const struct mr_config *start, const struct mr_config *pushed,
				  char *out, size_t len);

#endif
