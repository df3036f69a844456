/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MR_ANNOUNCE_H
#define MR_ANNOUNCE_H

/*
 * The ports' addresses told to their links when the data plane starts and whenever a
 * port's link comes back up: ARP announcements of its IPv4 addresses and unsolicited
 * neighbour advertisements of its IPv6 address, twice 2 s apart (RFC 5227 2.3's
 * ANNOUNCE_NUM and ANNOUNCE_INTERVAL), and its MLD joins (ip6.h). Neighbours that cached
 * another MAC for these addresses (the appliance replaced, a VM moved to another NIC)
 * take ours at once, not when their cache times out, which is hours on some routers.
 * The plain services' VIPs are the relay's to announce (relay_vips.h): only it knows
 * which of the range are in use.
 *
 * The main lcore reads the links (a driver may ask the device or the kernel, slowly);
 * worker 0 sends.
 */

#include "dp.h"

/* A port's link state as app->link_state and dp_worker.link_seen hold it: bit 0 up, the
 * rest a count of changes. */
#define ANNOUNCE_LINK_UP 1u
#define ANNOUNCE_LINK_CHANGE 2u

/* Main lcore, about once a second: read each port's link into app->link_state. */
void announce_links_watch(struct dp_appliance *app);

/* Worker 0, at start: note each port's link as the appliance last read it, and queue the
 * announcements of those up. */
void announce_start(struct dp_worker *w);

/* Worker 0, from its housekeeping when w->link_timers_ms comes: count the links that went
 * down or came up since the last look (queueing the announcements of those back up), send
 * the announcements due. Returns when it needs to run again. */
uint64_t announce_run(struct dp_worker *w);

#endif
