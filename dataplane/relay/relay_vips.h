/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MR_RELAY_VIPS_H
#define MR_RELAY_VIPS_H

/*
 * The plain TCP services' VIPs told to the link of the port that answers ARP for them
 * (dns.vip_range's): an ARP announcement of each (RFC 5227 2.3), twice 2 s apart, like
 * the ports' own addresses (announce.h). All of them when the data plane starts and when
 * that port's link comes back up; only the VIPs a new configuration brings when it comes
 * in (those kept were told already), so that a push does not flood the link again. A
 * neighbour that cached another MAC for a VIP (the service served by another appliance
 * before) takes ours at once. Worker 0 sends them, at most RELAY_VIPS_BATCH a pass.
 */

#include <stdint.h>

#include "dp.h"

#define RELAY_VIPS_BATCH 64

/* Worker 0, from its housekeeping after announce_run (which reads the links): queue the
 * VIPs' announcements when the VIP port's link came up or a configuration came in, send
 * those due. Returns when it needs to run again (UINT64_MAX: not before a change). */
uint64_t relay_vips_run(struct dp_worker *w);

#endif
