/* SPDX-License-Identifier: BSD-3-Clause */
/* Route table builder: collects configuration in growable arrays, then freezes it into
 * flat arrays and hash indexes that lookups only read. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "route_table_layout.h"

#define ITEM_LIMIT 0x7fffffffu

/* A growable array of fixed-size items. */
struct vec {
	char *items;
	uint32_t count, cap;
	size_t size;
};

/* Builder-side items remember which network or pool they belong to. */
struct owned_prefix {
	uint32_t owner;
	struct route_prefix item;
};

struct owned_range {
	uint32_t owner;
	struct route_port_range item;
};

struct owned_member {
	uint32_t owner;
	struct route_member item;
};

struct name_route {
	uint32_t key_off;
	uint16_t key_len;
	bool wildcard;
	uint32_t target;
};

struct route_builder {
	struct vec names, targets, routes, rules, nets, prefixes, ranges, pools, members, services;
	uint32_t default_target;
	enum route_status first_error;
};

static void vec_init(struct vec *v, size_t size)
{
	v->items = NULL;
	v->count = v->cap = 0;
	v->size = size;
}

/* Appends n items (copied from src, or zeroed when src is NULL); false when full. */
static bool vec_append(struct vec *v, const void *src, uint32_t n)
{
	if (n > ITEM_LIMIT - v->count)
		return false;
	if (v->count + n > v->cap) {
		uint32_t cap = v->cap ? v->cap : 16;
		while (cap < v->count + n)
			cap = cap > ITEM_LIMIT / 2 ? ITEM_LIMIT : cap * 2;
		char *grown = realloc(v->items, (size_t)cap * v->size);
		if (grown == NULL)
			return false;
		v->items = grown;
		v->cap = cap;
	}
	if (src != NULL)
		memcpy(v->items + (size_t)v->count * v->size, src, (size_t)n * v->size);
	else
		memset(v->items + (size_t)v->count * v->size, 0, (size_t)n * v->size);
	v->count += n;
	return true;
}

static void *vec_at(const struct vec *v, uint32_t i)
{
	return v->items + (size_t)i * v->size;
}

/* A frozen copy of the items (room for one even when empty: NULL only means failure). */
static void *vec_freeze(const struct vec *v)
{
	size_t bytes = (size_t)v->count * v->size;
	void *copy = malloc(bytes ? bytes : v->size);

	if (copy != NULL && bytes)
		memcpy(copy, v->items, bytes);
	return copy;
}

static enum route_status note(struct route_builder *b, enum route_status status)
{
	if (status != ROUTE_OK && b->first_error == ROUTE_OK)
		b->first_error = status;
	return status;
}

struct route_builder *route_builder_new(void)
{
	struct route_builder *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	vec_init(&b->names, 1);
	vec_init(&b->targets, sizeof(struct route_target));
	vec_init(&b->routes, sizeof(struct name_route));
	vec_init(&b->rules, sizeof(struct route_mangle_rule));
	vec_init(&b->nets, sizeof(struct route_network));
	vec_init(&b->prefixes, sizeof(struct owned_prefix));
	vec_init(&b->ranges, sizeof(struct owned_range));
	vec_init(&b->pools, sizeof(struct route_pool));
	vec_init(&b->members, sizeof(struct owned_member));
	vec_init(&b->services, sizeof(struct route_service));
	b->default_target = ROUTE_ID_NONE;
	return b;
}

void route_builder_free(struct route_builder *b)
{
	if (b == NULL)
		return;
	struct vec *all[] = { &b->names, &b->targets, &b->routes, &b->rules, &b->nets,
			      &b->prefixes, &b->ranges, &b->pools, &b->members, &b->services };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(all[i]->items);
	free(b);
}

/* Stores a name in the shared name store. */
static enum route_status store_name(struct route_builder *b, const char *name, size_t len,
				    uint32_t *off)
{
	if (b->names.count > UINT32_MAX - len - 1 || b->names.count + len > ITEM_LIMIT)
		return ROUTE_ERR_LIMIT;
	*off = b->names.count;
	return vec_append(&b->names, name, (uint32_t)len) ? ROUTE_OK : ROUTE_ERR_NOMEM;
}

/* Validates and lower-cases a host name, then stores it. */
static enum route_status store_host(struct route_builder *b, const char *name, uint32_t *off,
				    uint16_t *len)
{
	char norm[SNI_NAME_MAX + 1];
	size_t norm_len;
	/* Any length: the normalizer refuses a name past SNI_NAME_MAX. (strnlen with a cap
	 * beyond a caller's array draws a warning once calls are inlined across files.) */
	size_t raw_len = strlen(name);

	if (sni_name_normalize(name, raw_len, norm, &norm_len) != SNI_NAME_OK)
		return ROUTE_ERR_BAD_NAME;
	*len = (uint16_t)norm_len;
	return store_name(b, norm, norm_len, off);
}

static bool network_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > SNI_LABEL_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

enum route_status route_builder_add_network(struct route_builder *b, const char *name,
					    bool local, uint32_t *id)
{
	struct route_network net = { .local = local };
	size_t len = strlen(name); /* network_name_ok refuses one past SNI_LABEL_MAX */
	enum route_status status;

	if (!network_name_ok(name, len))
		return note(b, ROUTE_ERR_BAD_NAME);
	for (uint32_t i = 0; local && i < b->nets.count; i++)
		if (((struct route_network *)vec_at(&b->nets, i))->local)
			return note(b, ROUTE_ERR_DUPLICATE);
	status = store_name(b, name, len, &net.name_off);
	if (status != ROUTE_OK)
		return note(b, status);
	net.name_len = (uint16_t)len;
	if (!vec_append(&b->nets, &net, 1))
		return note(b, ROUTE_ERR_NOMEM);
	*id = b->nets.count - 1;
	return ROUTE_OK;
}

enum route_status route_builder_allow_prefix(struct route_builder *b, uint32_t network,
					     const struct ip_addr *prefix, unsigned prefix_len)
{
	struct owned_prefix p = { .owner = network, .item = { .addr = *prefix, .len = prefix_len } };
	unsigned width = prefix->family == IP_ADDR_FAMILY_V4 ? 32 : 128;

	if (network >= b->nets.count)
		return note(b, ROUTE_ERR_BAD_ID);
	/* A prefix with host bits set is most likely a typo for another network. */
	if ((prefix->family != IP_ADDR_FAMILY_V4 && prefix->family != IP_ADDR_FAMILY_V6) ||
	    prefix_len > width)
		return note(b, ROUTE_ERR_BAD_PREFIX);
	for (unsigned bit = prefix_len; bit < width; bit++)
		if (prefix->bytes[bit / 8] >> (7 - bit % 8) & 1)
			return note(b, ROUTE_ERR_BAD_PREFIX);
	return vec_append(&b->prefixes, &p, 1) ? ROUTE_OK : note(b, ROUTE_ERR_NOMEM);
}

enum route_status route_builder_allow_ports(struct route_builder *b, uint32_t network,
					    uint16_t first, uint16_t last)
{
	struct owned_range r = { .owner = network, .item = { .first = first, .last = last } };

	if (network >= b->nets.count)
		return note(b, ROUTE_ERR_BAD_ID);
	if (first > last)
		return note(b, ROUTE_ERR_BAD_RANGE);
	return vec_append(&b->ranges, &r, 1) ? ROUTE_OK : note(b, ROUTE_ERR_NOMEM);
}

enum route_status route_builder_add_pool(struct route_builder *b, uint32_t *id)
{
	if (!vec_append(&b->pools, NULL, 1))
		return note(b, ROUTE_ERR_NOMEM);
	*id = b->pools.count - 1;
	return ROUTE_OK;
}

enum route_status route_builder_add_member(struct route_builder *b, uint32_t pool,
					   const struct ip_addr *addr, uint16_t port,
					   uint32_t weight)
{
	struct owned_member m = { .owner = pool };

	if (pool >= b->pools.count)
		return note(b, ROUTE_ERR_BAD_ID);
	m.item.addr = *addr;
	m.item.port = port;
	m.item.weight = weight;
	m.item.pool = pool;
	m.item.seed = route_hash_stable(addr->bytes, sizeof(addr->bytes)) ^
		      route_hash_mix((uint64_t)addr->family << 16 | port);
	return vec_append(&b->members, &m, 1) ? ROUTE_OK : note(b, ROUTE_ERR_NOMEM);
}

static enum route_status check_target(const struct route_builder *b,
				      const struct route_target *t)
{
	if (t->kind == ROUTE_TARGET_POOL)
		return t->id < b->pools.count ? ROUTE_OK : ROUTE_ERR_BAD_ID;
	if (t->kind != ROUTE_TARGET_NETWORK)
		return ROUTE_ERR_BAD_TARGET;
	if (t->id >= b->nets.count)
		return ROUTE_ERR_BAD_ID;
	const struct route_network *net = vec_at(&b->nets, t->id);
	return net->local ? ROUTE_ERR_BAD_TARGET : ROUTE_OK;
}

/* Checks and stores a target; *index gets its position. */
static enum route_status add_target(struct route_builder *b, const struct route_target *t,
				    uint32_t *index)
{
	enum route_status status = check_target(b, t);

	if (status != ROUTE_OK)
		return status;
	if (!vec_append(&b->targets, t, 1))
		return ROUTE_ERR_NOMEM;
	*index = b->targets.count - 1;
	return ROUTE_OK;
}

enum route_status route_builder_add_route(struct route_builder *b, const char *pattern,
					  const struct route_target *target)
{
	struct name_route r = { .wildcard = pattern[0] == '*' };
	enum route_status status;

	if (r.wildcard && pattern[1] != '.')
		return note(b, ROUTE_ERR_BAD_NAME);
	status = store_host(b, r.wildcard ? pattern + 2 : pattern, &r.key_off, &r.key_len);
	if (status == ROUTE_OK)
		status = add_target(b, target, &r.target);
	if (status == ROUTE_OK && !vec_append(&b->routes, &r, 1))
		status = ROUTE_ERR_NOMEM;
	return note(b, status);
}

enum route_status route_builder_add_service(struct route_builder *b, const char *name,
					    uint32_t vip, uint16_t port,
					    const struct route_target *target)
{
	struct route_service svc = { .port = port, .vip = vip };
	enum route_status status = port ? ROUTE_OK : ROUTE_ERR_BAD_TARGET;

	if (status == ROUTE_OK)
		status = store_host(b, name, &svc.name_off, &svc.name_len);
	if (status == ROUTE_OK)
		status = add_target(b, target, &svc.target);
	if (status == ROUTE_OK && !vec_append(&b->services, &svc, 1))
		status = ROUTE_ERR_NOMEM;
	return note(b, status);
}

enum route_status route_builder_set_default(struct route_builder *b,
					    const struct route_target *target)
{
	if (b->default_target != ROUTE_ID_NONE)
		return note(b, ROUTE_ERR_DUPLICATE);
	return note(b, add_target(b, target, &b->default_target));
}

enum route_status route_builder_add_mangled_suffix(struct route_builder *b, const char *suffix,
						   unsigned forms, uint32_t default_network,
						   bool proxy_protocol_v2)
{
	struct route_mangle_rule rule = { .forms = forms, .default_network = default_network,
					  .proxy_protocol_v2 = proxy_protocol_v2 };
	enum route_status status;

	if (forms == 0 || (forms & ~MANGLE_FORM_ALL) != 0)
		return note(b, ROUTE_ERR_BAD_FORMS);
	if (default_network != ROUTE_ID_NONE && default_network >= b->nets.count)
		return note(b, ROUTE_ERR_BAD_ID);
	status = store_host(b, suffix, &rule.suffix_off, &rule.suffix_len);
	if (status == ROUTE_OK && !vec_append(&b->rules, &rule, 1))
		status = ROUTE_ERR_NOMEM;
	return note(b, status);
}

static struct route_run *run_of(void *runs, size_t stride, uint32_t owner)
{
	return (struct route_run *)((char *)runs + (size_t)owner * stride);
}

/* Counting sort of owned items into per-owner runs: dst gets the items without their
 * owner field; runs (one per owner, stride bytes apart) get each owner's slice. */
static void group_by_owner(const struct vec *src, size_t item_off, size_t item_size, char *dst,
			   void *runs, size_t stride, uint32_t owners)
{
	uint32_t next = 0, owner;

	for (uint32_t o = 0; o < owners; o++)
		run_of(runs, stride, o)->count = 0;
	for (uint32_t i = 0; i < src->count; i++) {
		memcpy(&owner, vec_at(src, i), sizeof(owner));
		run_of(runs, stride, owner)->count++;
	}
	for (uint32_t o = 0; o < owners; o++) {
		struct route_run *run = run_of(runs, stride, o);
		run->first = next;
		next += run->count;
		run->count = 0;
	}
	for (uint32_t i = 0; i < src->count; i++) {
		const char *item = vec_at(src, i);
		memcpy(&owner, item, sizeof(owner));
		struct route_run *run = run_of(runs, stride, owner);
		memcpy(dst + (size_t)(run->first + run->count++) * item_size, item + item_off,
		       item_size);
	}
}

/* The suffix entry for a key, created empty on first use. */
static uint32_t suffix_entry(struct route_table *t, uint32_t off, uint16_t len, uint32_t *used)
{
	uint64_t hash = route_hash_name(t->names + off, len);
	uint32_t e = route_index_insert(&t->suffixes, t->names, off, len, hash, *used);

	if (e != ROUTE_HASH_NONE)
		return e;
	t->suffix_entries[*used].wildcard_target = ROUTE_ID_NONE;
	t->suffix_entries[*used].mangle_rule = ROUTE_ID_NONE;
	return (*used)++;
}

static enum route_status index_names(struct route_table *t, const struct route_builder *b)
{
	uint32_t exact = 0, suffix_keys = b->rules.count, used = 0;

	for (uint32_t i = 0; i < b->routes.count; i++)
		if (!((const struct name_route *)vec_at(&b->routes, i))->wildcard)
			exact++;
	suffix_keys += b->routes.count - exact;
	t->suffix_entries = malloc(sizeof(*t->suffix_entries) * (suffix_keys ? suffix_keys : 1));
	if (t->suffix_entries == NULL || !route_index_init(&t->exact, exact) ||
	    !route_index_init(&t->suffixes, suffix_keys) ||
	    !route_index_init(&t->networks, b->nets.count))
		return ROUTE_ERR_NOMEM;
	for (uint32_t i = 0; i < b->routes.count; i++) {
		const struct name_route *r = vec_at(&b->routes, i);
		if (!r->wildcard) {
			uint64_t hash = route_hash_name(t->names + r->key_off, r->key_len);
			if (route_index_insert(&t->exact, t->names, r->key_off, r->key_len, hash,
					       r->target) != ROUTE_HASH_NONE)
				return ROUTE_ERR_DUPLICATE;
			continue;
		}
		struct route_suffix_entry *e =
			&t->suffix_entries[suffix_entry(t, r->key_off, r->key_len, &used)];
		if (e->wildcard_target != ROUTE_ID_NONE)
			return ROUTE_ERR_DUPLICATE;
		e->wildcard_target = r->target;
	}
	for (uint32_t i = 0; i < b->rules.count; i++) {
		const struct route_mangle_rule *rule = vec_at(&b->rules, i);
		struct route_suffix_entry *e =
			&t->suffix_entries[suffix_entry(t, rule->suffix_off, rule->suffix_len, &used)];
		if (e->mangle_rule != ROUTE_ID_NONE)
			return ROUTE_ERR_DUPLICATE;
		e->mangle_rule = i;
	}
	for (uint32_t i = 0; i < b->nets.count; i++) {
		const struct route_network *net = vec_at(&b->nets, i);
		uint64_t hash = route_hash_name(t->names + net->name_off, net->name_len);
		if (route_index_insert(&t->networks, t->names, net->name_off, net->name_len, hash,
				       i) != ROUTE_HASH_NONE)
			return ROUTE_ERR_DUPLICATE;
	}
	return ROUTE_OK;
}

/* Indexes each service by its address and port, by its name and port, and by its name
 * alone (where every port of a name must share one address). */
static enum route_status index_services(struct route_table *t, const struct route_builder *b)
{
	static const enum route_service_key_kind kinds[] = { ROUTE_SKEY_VIP, ROUTE_SKEY_NAME,
							     ROUTE_SKEY_HOST };
	struct vec keys; /* the keys' bytes: the frozen names are read-only */

	t->service_count = b->services.count;
	t->services = vec_freeze(&b->services);
	if (!t->services || !route_index_init(&t->service_keys, 3 * t->service_count))
		return ROUTE_ERR_NOMEM;
	vec_init(&keys, 1);
	for (uint32_t i = 0; i < t->service_count; i++) {
		const struct route_service *s = &t->services[i];

		for (unsigned int k = s->vip ? 0 : 1; k < (s->vip ? 3u : 2u); k++) {
			char key[ROUTE_SKEY_MAX];
			size_t len = route_service_key(key, kinds[k], s->vip, s->port,
						       t->names + s->name_off, s->name_len);
			uint32_t off = keys.count, old;

			if (!vec_append(&keys, key, (uint32_t)len)) {
				free(keys.items);
				return ROUTE_ERR_NOMEM;
			}
			old = route_index_insert(&t->service_keys, keys.items, off, (uint16_t)len,
						 route_hash_stable(key, len), i);
			if (old != ROUTE_HASH_NONE &&
			    (kinds[k] != ROUTE_SKEY_HOST || t->services[old].vip != s->vip)) {
				free(keys.items);
				return ROUTE_ERR_DUPLICATE;
			}
		}
	}
	t->service_keys_store = keys.items;
	return ROUTE_OK;
}

static enum route_status copy_arrays(struct route_table *t, const struct route_builder *b)
{
	t->names = vec_freeze(&b->names);
	t->targets = vec_freeze(&b->targets);
	t->mangle_rules = vec_freeze(&b->rules);
	t->nets = vec_freeze(&b->nets);
	t->pools = vec_freeze(&b->pools);
	t->prefixes = malloc(sizeof(*t->prefixes) * (b->prefixes.count + 1u));
	t->ranges = malloc(sizeof(*t->ranges) * (b->ranges.count + 1u));
	t->members = malloc(sizeof(*t->members) * (b->members.count + 1u));
	if (!t->names || !t->targets || !t->mangle_rules || !t->nets || !t->pools ||
	    !t->prefixes || !t->ranges || !t->members)
		return ROUTE_ERR_NOMEM;
	group_by_owner(&b->prefixes, offsetof(struct owned_prefix, item),
		       sizeof(struct route_prefix), (char *)t->prefixes, &t->nets[0].prefixes,
		       sizeof(struct route_network), b->nets.count);
	group_by_owner(&b->ranges, offsetof(struct owned_range, item),
		       sizeof(struct route_port_range), (char *)t->ranges, &t->nets[0].ranges,
		       sizeof(struct route_network), b->nets.count);
	t->member_count = b->members.count;
	group_by_owner(&b->members, offsetof(struct owned_member, item),
		       sizeof(struct route_member), (char *)t->members, &t->pools[0].members,
		       sizeof(struct route_pool), b->pools.count);
	for (uint32_t p = 0; p < b->pools.count; p++) {
		struct route_pool *pool = &t->pools[p];

		for (uint32_t i = 0; i < pool->members.count; i++)
			pool->choosable += t->members[pool->members.first + i].weight > 0;
	}
	return ROUTE_OK;
}

struct route_table *route_builder_finish(struct route_builder *b, enum route_status *status)
{
	struct route_table *t;

	*status = b->first_error;
	if (*status != ROUTE_OK)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		*status = ROUTE_ERR_NOMEM;
		return NULL;
	}
	t->default_target = b->default_target;
	t->route_count = b->routes.count;
	*status = copy_arrays(t, b);
	if (*status == ROUTE_OK)
		*status = index_names(t, b);
	if (*status == ROUTE_OK)
		*status = index_services(t, b);
	if (*status != ROUTE_OK) {
		route_table_free(t);
		return NULL;
	}
	return t;
}

void route_table_free(struct route_table *t)
{
	if (t == NULL)
		return;
	route_index_free(&t->exact);
	route_index_free(&t->suffixes);
	route_index_free(&t->networks);
	route_index_free(&t->service_keys);
	free(t->service_keys_store);
	free(t->services);
	free(t->suffix_entries);
	free(t->names);
	free(t->targets);
	free(t->mangle_rules);
	free(t->nets);
	free(t->prefixes);
	free(t->ranges);
	free(t->pools);
	free(t->members);
	free(t);
}

uint32_t route_table_route_count(const struct route_table *t)
{
	return t->route_count;
}

uint32_t route_table_member_count(const struct route_table *t)
{
	return t->member_count;
}

void route_table_member(const struct route_table *t, uint32_t i, struct ip_addr *addr,
			uint16_t *port)
{
	*addr = t->members[i].addr;
	*port = t->members[i].port;
}

uint32_t route_table_member_pool(const struct route_table *t, uint32_t i)
{
	return t->members[i].pool;
}

uint32_t route_table_member_weight(const struct route_table *t, uint32_t i)
{
	return t->members[i].weight;
}

uint32_t route_table_pool_size(const struct route_table *t, uint32_t pool)
{
	return t->pools[pool].members.count;
}

uint32_t route_table_pool_choosable(const struct route_table *t, uint32_t pool)
{
	return t->pools[pool].choosable;
}

const char *route_status_str(enum route_status status)
{
	switch (status) {
	case ROUTE_OK: return "ok";
	case ROUTE_ERR_NOMEM: return "out of memory";
	case ROUTE_ERR_BAD_NAME: return "bad name";
	case ROUTE_ERR_DUPLICATE: return "duplicate";
	case ROUTE_ERR_BAD_ID: return "unknown pool or network id";
	case ROUTE_ERR_BAD_PREFIX: return "bad prefix";
	case ROUTE_ERR_BAD_RANGE: return "bad port range";
	case ROUTE_ERR_BAD_TARGET: return "bad target";
	case ROUTE_ERR_BAD_FORMS: return "bad mangled forms";
	case ROUTE_ERR_LIMIT: return "too many items";
	}
	return "unknown";
}
