/* SPDX-License-Identifier: BSD-3-Clause */
/* Virtual addresses for plain TCP services: each name gets an IPv4 address of a
 * configured range, derived from the name so that it stays the same across reloads and
 * restarts while the set of names stays the same (as Istio allocates from 240.240.0.0/16).
 * Plain C, no I/O. */
#ifndef MR_VIP_ALLOC_H
#define MR_VIP_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A range of virtual addresses, host byte order: base/prefix_len. Its network and
 * broadcast addresses are never handed out. */
struct vip_range {
	uint32_t base;
	uint8_t prefix_len;          /* 8..30 */
};

/* Whether base/prefix_len is a usable range (no bits past the prefix, 8..30 bits). */
bool vip_range_valid(const struct vip_range *r);

/* Whether addr (host order) is inside r. */
bool vip_range_holds(const struct vip_range *r, uint32_t addr);

/* How many host addresses r has: all but its network and broadcast ones. */
uint32_t vip_range_hosts(const struct vip_range *r);

/* Whether addr (host order) is a host address of r: inside it, neither its network nor
 * its broadcast address (which hosts on the range's link take as the whole link's). */
bool vip_range_holds_host(const struct vip_range *r, uint32_t addr);

/* The address a name would get alone in r: its preferred address. */
uint32_t vip_preferred(const struct vip_range *r, const char *name, size_t len);

/* Give each of names[0..n) (distinct, NUL-terminated) an address of r in out[i].
 * pinned[i] != 0 (may be NULL) fixes name i's address (a host of r); the rest take their
 * preferred address, and on a collision the name that sorts first keeps it while the
 * other probes on (+1, wrapping). The result depends on the set of names only, not on
 * their order. 0, or -1 when r has fewer free addresses than names or a pin collides
 * (*bad the index of the name at fault). */
int vip_assign(const struct vip_range *r, const char *const *names, const uint32_t *pinned,
	       size_t n, uint32_t *out, size_t *bad);

/* vip_assign, with the addresses avoid[0..n_avoid) given to no unpinned name (a pin may
 * take one): held in the order listed, as many as leave every name an address. */
int vip_assign_avoiding(const struct vip_range *r, const char *const *names,
			const uint32_t *pinned, size_t n, const uint32_t *avoid, size_t n_avoid,
			uint32_t *out, size_t *bad);

#endif
