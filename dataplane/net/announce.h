/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MR_ANNOUNCE_H
#define MR_ANNOUNCE_H

/*
 * The ports' addresses told to their links when the data plane starts and whenever a
 * port's link comes back up: ARP announcements of its IPv4 addresses and unsolicited
 * neighbour advertisements of its IPv6 address, twice 2 s apart (RFC 5227 2.3's
 * ANNOUNCE_NUM and ANNOUNCE_INTERVAL), and its MLD joins (ip6.h). Neighbours that cached
 * another MAC for these addresses (the appliance replaced, a VM moved to another NIC, a
 * standby taking over) take ours at once, not when their cache times out, which is hours
 * on some routers. One worker watches the links and sends them (worker 0).
 */

#include "dp.h"

/* Note each port's link as it is now, and queue the announcements of those up. */
void announce_start(struct dp_worker *w);

/* Look at each port's link once a second (counting it going down or up, queueing the
 * announcements of a link back up) and send the announcements due; from the worker's
 * slow timers. */
void announce_run(struct dp_worker *w);

#endif
