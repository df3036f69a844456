/* SPDX-License-Identifier: BSD-3-Clause */
#include "vip_alloc.h"

#include <stdlib.h>
#include <string.h>

#include "route_hash.h"

static uint32_t range_mask(const struct vip_range *r)
{
	return r->prefix_len ? ~0u << (32 - r->prefix_len) : 0;
}

uint32_t vip_range_hosts(const struct vip_range *r)
{
	return (~range_mask(r)) - 1u;
}

bool vip_range_valid(const struct vip_range *r)
{
	return r->prefix_len >= 8 && r->prefix_len <= 30 && (r->base & ~range_mask(r)) == 0;
}

bool vip_range_holds(const struct vip_range *r, uint32_t addr)
{
	return (addr & range_mask(r)) == r->base;
}

bool vip_range_holds_host(const struct vip_range *r, uint32_t addr)
{
	return vip_range_holds(r, addr) && addr != r->base && addr != (r->base | ~range_mask(r));
}

uint32_t vip_preferred(const struct vip_range *r, const char *name, size_t len)
{
	/* The stable hash: an upgrade must not move every service to a new address. */
	return r->base + 1u + (uint32_t)(route_hash_stable(name, len) % vip_range_hosts(r));
}

/* The host after a (inside r, wrapping past the last host to the first). */
static uint32_t next_host(const struct vip_range *r, uint32_t a)
{
	return a + 1u > r->base + vip_range_hosts(r) ? r->base + 1u : a + 1u;
}

struct vip_item {
	const char *name;
	size_t index;
};

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vip_item *)a)->name, ((const struct vip_item *)b)->name);
}

/* Taken addresses: an open-addressing set sized at twice the names. */
struct vip_set {
	uint32_t *slots;
	uint32_t mask;
};

static bool set_add(struct vip_set *s, uint32_t a)
{
	uint32_t i = (uint32_t)route_hash_mix(a) & s->mask;

	for (; s->slots[i]; i = (i + 1) & s->mask)
		if (s->slots[i] == a)
			return false;
	s->slots[i] = a;
	return true;
}

int vip_assign(const struct vip_range *r, const char *const *names, const uint32_t *pinned,
	       size_t n, uint32_t *out, size_t *bad)
{
	return vip_assign_avoiding(r, names, pinned, n, NULL, 0, out, bad);
}

int vip_assign_avoiding(const struct vip_range *r, const char *const *names,
			const uint32_t *pinned, size_t n, const uint32_t *avoid, size_t n_avoid,
			uint32_t *out, size_t *bad)
{
	struct vip_item *items;
	struct vip_set taken = { 0 };
	size_t used = 0, unpinned = 0;
	uint32_t cap = 4;
	int rc = 0;

	*bad = 0;
	if (n == 0)
		return 0;
	if (n > vip_range_hosts(r))
		return -1;
	while (cap < 2 * (n + n_avoid))
		cap <<= 1;
	items = calloc(n, sizeof(*items));
	taken.slots = calloc(cap, sizeof(*taken.slots));
	taken.mask = cap - 1;
	if (!items || !taken.slots) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		items[i] = (struct vip_item){ names[i], i };
		out[i] = pinned ? pinned[i] : 0;
		if (out[i] && (!vip_range_holds_host(r, out[i]) || !set_add(&taken, out[i]))) {
			*bad = i;
			rc = -1;
			goto out;
		}
		used += out[i] != 0;
		unpinned += out[i] == 0;
	}
	/* Held back as if taken, as long as every unpinned name still finds a free one. */
	for (size_t k = 0; k < n_avoid && used + unpinned < vip_range_hosts(r); k++)
		if (vip_range_holds_host(r, avoid[k]) && set_add(&taken, avoid[k]))
			used++;
	/* Sorted by name, so that who wins a contested address never depends on the order
	 * the names were written in. */
	qsort(items, n, sizeof(*items), item_cmp);
	for (size_t k = 0; k < n; k++) {
		size_t i = items[k].index;
		uint32_t a;

		if (out[i])
			continue;
		a = vip_preferred(r, names[i], strlen(names[i]));
		while (!set_add(&taken, a))
			a = next_host(r, a);
		out[i] = a;
	}
out:
	free(items);
	free(taken.slots);
	return rc;
}
