/* SPDX-License-Identifier: BSD-3-Clause */
/* Route lookup: exact name, then suffixes from the longest (each may hold a wildcard
 * route and a mangled-name rule), then the default route. */
#include <math.h>
#include <string.h>

#include "route_table_layout.h"

static enum route_kind refuse(struct route_decision *out, enum route_refusal refusal)
{
	out->kind = ROUTE_REFUSED;
	out->refusal = refusal;
	return ROUTE_REFUSED;
}

/* Weighted rendezvous hashing: each member draws u in (0,1) from (client, member) and
 * scores -ln(u)/weight; the lowest score wins. Removing a member moves only its clients. */
static double member_score(const struct route_member *m, uint64_t client_key)
{
	uint64_t draw = route_hash_mix(client_key ^ m->seed);
	double u = ((double)(draw >> 11) + 0.5) * (1.0 / 9007199254740992.0);

	return -log(u) / (double)m->weight;
}

/* The member of pool first in the client's order after those pick->tried names, among
 * those pick->usable allows; when it allows none, the first after them regardless (a
 * pool whose members all look down still gets its traffic). Its index, or ROUTE_ID_NONE. */
static uint32_t pick_member(const struct route_table *t, const struct route_pool *pool,
			    const struct route_pick *pick, struct route_decision *out)
{
	uint32_t best = ROUTE_ID_NONE, any = ROUTE_ID_NONE;
	double best_score = 0, any_score = 0, after = -1.0;

	for (uint32_t i = 0; pick->tried && i < pool->members.count; i++) {
		uint32_t idx = pool->members.first + i;
		const struct route_member *m = &t->members[idx];

		if (m->weight && pick->tried(pick->ctx, idx))
			after = fmax(after, member_score(m, pick->client_key));
	}
	for (uint32_t i = 0; i < pool->members.count; i++) {
		uint32_t idx = pool->members.first + i;
		const struct route_member *m = &t->members[idx];
		double score;

		if (m->weight == 0)
			continue;
		score = member_score(m, pick->client_key);
		if (score <= after)
			continue;
		if (any == ROUTE_ID_NONE || score < any_score) {
			any = idx;
			any_score = score;
		}
		if ((!pick->usable || pick->usable(pick->ctx, idx)) &&
		    (best == ROUTE_ID_NONE || score < best_score)) {
			best = idx;
			best_score = score;
		}
	}
	out->pick_note = best == any ? ROUTE_PICK_FIRST
			 : best != ROUTE_ID_NONE ? ROUTE_PICK_AVOIDED : ROUTE_PICK_NONE_USABLE;
	return best != ROUTE_ID_NONE ? best : any;
}

static enum route_kind apply_target(const struct route_table *t, uint32_t target_index,
				    enum route_match match, const struct route_pick *pick,
				    struct route_decision *out)
{
	const struct route_target *target = &t->targets[target_index];

	out->match = match;
	out->proxy_protocol_v2 = target->proxy_protocol_v2;
	if (target->kind == ROUTE_TARGET_NETWORK) {
		out->kind = ROUTE_REMOTE;
		out->network_id = target->id;
		return ROUTE_REMOTE;
	}
	const struct route_pool *pool = &t->pools[target->id];
	uint32_t idx = pick_member(t, pool, pick, out);

	out->pool_id = target->id; /* a refusal names the pool too */
	/* Tried only when there was something to try: a pool a push left without a member
	 * of weight above 0 is empty, whether or not this is a redispatch. */
	if (idx == ROUTE_ID_NONE)
		return refuse(out, pick->tried && pool->choosable ? ROUTE_REFUSAL_POOL_TRIED
								  : ROUTE_REFUSAL_EMPTY_POOL);
	const struct route_member *m = &t->members[idx];
	out->kind = ROUTE_LOCAL;
	out->member = idx;
	out->addr = m->addr;
	out->port = m->port;
	return ROUTE_LOCAL;
}

/* ROUTE_REFUSAL_NONE when addr:port is in net's allow-list, else the refusal: not allowed,
 * or the network or broadcast address of the most specific prefix that holds it (the
 * subnet it is on, whatever order the list names its prefixes in). */
static enum route_refusal allowed(const struct route_table *t, const struct route_network *net,
				  const struct ip_addr *addr, uint16_t port)
{
	const struct route_prefix *in = NULL;
	bool port_ok = false;

	for (uint32_t i = 0; i < net->prefixes.count; i++) {
		const struct route_prefix *p = &t->prefixes[net->prefixes.first + i];

		if ((!in || p->len > in->len) && ip_addr_in_prefix(addr, &p->addr, p->len))
			in = p;
	}
	for (uint32_t i = 0; i < net->ranges.count && !port_ok; i++) {
		const struct route_port_range *r = &t->ranges[net->ranges.first + i];
		port_ok = port >= r->first && port <= r->last;
	}
	if (!in || !port_ok)
		return ROUTE_REFUSAL_NOT_ALLOWED;
	return ip_addr_is_prefix_edge(addr, &in->addr, in->len) ? ROUTE_REFUSAL_BAD_DESTINATION
								 : ROUTE_REFUSAL_NONE;
}

/* A decoded address: the named (or default) network's allow-list decides. */
static enum route_kind apply_mangled(const struct route_table *t,
				     const struct route_mangle_rule *rule,
				     const struct mangle_target *dest, struct route_decision *out)
{
	uint32_t net_id = rule->default_network;
	enum route_refusal refusal;

	out->match = ROUTE_MATCH_MANGLED;
	out->proxy_protocol_v2 = rule->proxy_protocol_v2;
	if (dest->network_len > 0)
		net_id = route_index_find(&t->networks, t->names, dest->network, dest->network_len,
					  route_hash_name(dest->network, dest->network_len));
	if (net_id == ROUTE_ID_NONE)
		return refuse(out, ROUTE_REFUSAL_UNKNOWN_NETWORK);
	const struct route_network *net = &t->nets[net_id];
	out->network_id = net_id;
	out->addr = dest->addr;
	out->port = dest->port;
	if (ip_addr_is_special(&dest->addr))
		return refuse(out, ROUTE_REFUSAL_BAD_DESTINATION);
	refusal = allowed(t, net, &dest->addr, dest->port);
	if (refusal != ROUTE_REFUSAL_NONE)
		return refuse(out, refusal);
	out->kind = net->local ? ROUTE_LOCAL : ROUTE_REMOTE;
	return out->kind;
}

/* A name being routed, with the hashes of its suffixes from one pass over it. */
struct lookup_name {
	const char *p;
	size_t len;
	struct route_suffixes sfx;
};

static enum route_kind route_name(const struct route_table *t, const char *name, size_t len,
				  bool allow_mangled, const struct route_pick *pick,
				  struct route_decision *out);

/* Decodes under a rule; the hashing pass already measured the labels, so the decoder need
 * not measure them again unless they are out of bounds. */
static enum mangle_status decode(const struct route_table *t, const struct route_mangle_rule *rule,
				 const struct lookup_name *n, struct mangle_target *dest)
{
	const char *suffix = t->names + rule->suffix_off;

	if (n->len <= SNI_NAME_MAX && n->sfx.longest_label <= SNI_LABEL_MAX)
		return mangle_decode_valid_lengths(n->p, n->len, suffix, rule->suffix_len,
						   rule->forms, dest);
	return mangle_decode(n->p, n->len, suffix, rule->suffix_len, rule->forms, dest);
}

/* Tries the mangled-name rule of one suffix; false when the name is a plain one. */
static bool try_mangled(const struct route_table *t, const struct route_mangle_rule *rule,
			const struct lookup_name *n, const struct route_pick *pick,
			struct route_decision *out)
{
	struct mangle_target dest;
	enum mangle_status status = decode(t, rule, n, &dest);

	if (status == MANGLE_NOT_MANGLED)
		return false;
	if (status != MANGLE_OK) {
		out->match = ROUTE_MATCH_MANGLED;
		out->mangle_status = status;
		refuse(out, ROUTE_REFUSAL_BAD_MANGLED_NAME);
		return true;
	}
	if (dest.form != MANGLE_FORM_ISTIO) {
		apply_mangled(t, rule, &dest, out);
		return true;
	}
	/* The Istio name carries a service host: route that host as a plain name. One only
	 * the default route takes stays the default's match (no DNS answer names it). */
	if (route_name(t, dest.host, dest.host_len, false, pick, out) != ROUTE_REFUSED &&
	    out->match != ROUTE_MATCH_DEFAULT)
		out->match = ROUTE_MATCH_ISTIO;
	out->proxy_protocol_v2 = out->proxy_protocol_v2 || rule->proxy_protocol_v2;
	return true;
}

/* The entry of the name's i-th suffix (counted from the shortest), or NULL. */
static const struct route_suffix_entry *suffix_at(const struct route_table *t,
						  const struct lookup_name *n, unsigned i)
{
	size_t start = n->sfx.start[i];
	uint32_t hit = route_index_find(&t->suffixes, t->names, n->p + start, n->len - start,
					n->sfx.hash[i]);

	return hit == ROUTE_HASH_NONE ? NULL : &t->suffix_entries[hit];
}

/* Istio names are routed by the service host they carry, so they must reach an Istio rule
 * before a wildcard above that rule's suffix could swallow them. */
static bool route_istio(const struct route_table *t, const struct lookup_name *n,
			const struct route_pick *pick, struct route_decision *out)
{
	if (!mangle_is_istio(n->p, n->len))
		return false;
	for (unsigned i = n->sfx.count; i-- > 0;) {
		const struct route_suffix_entry *e = suffix_at(t, n, i);
		if (e == NULL || e->mangle_rule == ROUTE_ID_NONE)
			continue;
		const struct route_mangle_rule *rule = &t->mangle_rules[e->mangle_rule];
		if ((rule->forms & MANGLE_FORM_ISTIO) && try_mangled(t, rule, n, pick, out))
			return true;
	}
	return false;
}

static enum route_kind route_name(const struct route_table *t, const char *name, size_t len,
				  bool allow_mangled, const struct route_pick *pick,
				  struct route_decision *out)
{
	struct lookup_name n; /* no initializer: it would clear the suffix arrays too */
	uint32_t hit;

	n.p = name;
	n.len = len;
	route_hash_suffixes(name, len, &n.sfx);
	hit = route_index_find(&t->exact, t->names, name, len, n.sfx.full_hash);
	if (hit != ROUTE_HASH_NONE)
		return apply_target(t, hit, ROUTE_MATCH_EXACT, pick, out);
	if (allow_mangled && route_istio(t, &n, pick, out))
		return out->kind;
	for (unsigned i = n.sfx.count; i-- > 0;) { /* longest suffix first */
		const struct route_suffix_entry *e = suffix_at(t, &n, i);
		if (e == NULL)
			continue;
		if (allow_mangled && e->mangle_rule != ROUTE_ID_NONE &&
		    try_mangled(t, &t->mangle_rules[e->mangle_rule], &n, pick, out))
			return out->kind;
		if (e->wildcard_target != ROUTE_ID_NONE)
			return apply_target(t, e->wildcard_target, ROUTE_MATCH_WILDCARD,
					    pick, out);
	}
	if (t->default_target != ROUTE_ID_NONE)
		return apply_target(t, t->default_target, ROUTE_MATCH_DEFAULT, pick, out);
	return refuse(out, ROUTE_REFUSAL_NO_ROUTE);
}

static void decision_reset(struct route_decision *out)
{
	out->kind = ROUTE_REFUSED;
	out->refusal = ROUTE_REFUSAL_NONE;
	out->match = ROUTE_MATCH_NONE;
	out->mangle_status = MANGLE_OK;
	out->proxy_protocol_v2 = false;
	out->pool_id = ROUTE_ID_NONE;
	out->network_id = ROUTE_ID_NONE;
	out->member = ROUTE_ID_NONE;
	out->pick_note = ROUTE_PICK_FIRST;
	memset(&out->addr, 0, sizeof(out->addr));
	out->port = 0;
	out->service = NULL;
	out->service_len = 0;
}

enum route_kind route_lookup(const struct route_table *t, const struct sni_result *hello,
			     uint64_t client_key, struct route_decision *out)
{
	const struct route_pick pick = { .client_key = client_key };

	return route_lookup_pick(t, hello, &pick, out);
}

enum route_kind route_lookup_pick(const struct route_table *t, const struct sni_result *hello,
				  const struct route_pick *pick, struct route_decision *out)
{
	decision_reset(out);
	if (hello->verdict != SNI_COMPLETE)
		return refuse(out, ROUTE_REFUSAL_NOT_CLASSIFIED);
	if (!hello->has_sni || hello->host_len == 0 || hello->host_len > SNI_NAME_MAX) {
		if (t->default_target != ROUTE_ID_NONE)
			return apply_target(t, t->default_target, ROUTE_MATCH_DEFAULT,
					    pick, out);
		return refuse(out, ROUTE_REFUSAL_NO_ROUTE);
	}
	return route_name(t, hello->host, hello->host_len, true, pick, out);
}

/* The service a key of kind names, or ROUTE_HASH_NONE. */
static uint32_t service_find(const struct route_table *t, enum route_service_key_kind kind,
			     uint32_t vip, uint16_t port, const char *name, size_t len)
{
	char key[ROUTE_SKEY_MAX];
	size_t klen;

	if (t->service_count == 0 || len > SNI_NAME_MAX)
		return ROUTE_HASH_NONE;
	klen = route_service_key(key, kind, vip, port, name, len);
	return route_index_find(&t->service_keys, t->service_keys_store, key, klen,
				route_hash_stable(key, klen));
}

static enum route_kind apply_service(const struct route_table *t, uint32_t i,
				     const struct route_pick *pick, struct route_decision *out)
{
	const struct route_service *s;

	decision_reset(out);
	if (i == ROUTE_HASH_NONE)
		return refuse(out, ROUTE_REFUSAL_NO_ROUTE);
	s = &t->services[i];
	out->service = t->names + s->name_off;
	out->service_len = s->name_len;
	return apply_target(t, s->target, ROUTE_MATCH_SERVICE, pick, out);
}

enum route_kind route_lookup_vip(const struct route_table *t, uint32_t vip, uint16_t port,
				 const struct route_pick *pick, struct route_decision *out)
{
	return apply_service(t, service_find(t, ROUTE_SKEY_VIP, vip, port, NULL, 0), pick, out);
}

enum route_kind route_lookup_service(const struct route_table *t, const char *name,
				     size_t len, uint16_t port, const struct route_pick *pick,
				     struct route_decision *out)
{
	return apply_service(t, service_find(t, ROUTE_SKEY_NAME, 0, port, name, len), pick, out);
}

uint32_t route_table_service_vip(const struct route_table *t, const char *name, size_t len)
{
	uint32_t i = service_find(t, ROUTE_SKEY_HOST, 0, 0, name, len);

	return i == ROUTE_HASH_NONE ? 0 : t->services[i].vip;
}

bool route_table_vip_port(const struct route_table *t, uint32_t vip, uint16_t port)
{
	return service_find(t, ROUTE_SKEY_VIP, vip, port, NULL, 0) != ROUTE_HASH_NONE;
}

uint32_t route_table_service_count(const struct route_table *t)
{
	return t->service_count;
}

uint32_t route_table_service_vip_at(const struct route_table *t, uint32_t i)
{
	return i < t->service_count ? t->services[i].vip : 0;
}

const char *route_refusal_str(enum route_refusal refusal)
{
	switch (refusal) {
	case ROUTE_REFUSAL_NONE: return "none";
	case ROUTE_REFUSAL_NOT_CLASSIFIED: return "not_classified";
	case ROUTE_REFUSAL_NO_ROUTE: return "no_route";
	case ROUTE_REFUSAL_BAD_MANGLED_NAME: return "bad_mangled_name";
	case ROUTE_REFUSAL_UNKNOWN_NETWORK: return "unknown_network";
	case ROUTE_REFUSAL_NOT_ALLOWED: return "not_allowed";
	case ROUTE_REFUSAL_EMPTY_POOL: return "empty_pool";
	case ROUTE_REFUSAL_POOL_TRIED: return "pool_tried";
	case ROUTE_REFUSAL_BAD_DESTINATION: return "bad_destination";
	}
	return "unknown";
}
