/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VIPs of plain services a push removed, held back from new names while the DNS
 * answers that gave them out may still be kept by clients (their TTL): a client that
 * resolved the old name and connects later meets a reset (no service there), never the
 * service of a name that took the address since. Built with each live configuration
 * on the control thread; a restart forgets them (it places the names it starts with).
 */
#ifndef MR_VIP_HOLD_H
#define MR_VIP_HOLD_H

#include <stdint.h>

#include "mr_config.h"

struct relay_live;

struct vip_hold {
	uint32_t vip;       /* host order */
	uint64_t until_ms;  /* mr_clock_ms: held until then */
	char *name;         /* the service it was given to (owned) */
};

/* The holds conf keeps at now_ms: prev's that still run, and those of prev's services
 * conf no longer has, for the TTL prev's answers carried; none for a name conf has again
 * (it may take its address back). *out (vip_hold_free) and *n; 0, or -1 when out of
 * memory. prev NULL: none. */
int vip_hold_build(const struct relay_live *prev, const struct mr_config *conf,
		   uint64_t now_ms, struct vip_hold **out, unsigned int *n);

/* The addresses of holds[0..n) into a new array (n + 1 entries; NULL when out of memory). */
uint32_t *vip_hold_addresses(const struct vip_hold *holds, unsigned int n);

/* Release holds[0..n) and their names. */
void vip_hold_free(struct vip_hold *holds, unsigned int n);

#endif
