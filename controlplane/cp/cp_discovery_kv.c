/* SPDX-License-Identifier: BSD-3-Clause */
/* What the store's answers say of the other gateways: a key/value applied to the set in
 * force (the watch) or to the pages a range reads, a range read in pages into one
 * snapshot; and of our own key, whether it must be put back. No request is made here
 * (cp_discovery.c makes them, a put when put_needed says so). */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "cp_discovery_internal.h"
#include "disc_record.h"
#include "mr_clock.h"
#include "mr_log.h"

static int find_gateway(const struct gw_set *set, const char *net, const char *id)
{
	for (unsigned int i = 0; i < *set->n; i++)
		if (strcmp(set->items[i].network, net) == 0 && strcmp(set->items[i].id, id) == 0)
			return (int)i;
	return -1;
}

static void forget(const struct gw_set *set, const char *net, const char *id)
{
	int i = find_gateway(set, net, id);

	if (i < 0)
		return;
	mr_log(MR_LOG_NOTICE, "discovery: gateway %s of network %s is gone", id, net);
	set->items[i] = set->items[--*set->n];
}

/* Our registration put back over another value at most this often (own_key_seen). */
#define DISC_PUT_BACK_MS 10000

/* Our own key as the store holds it (deleted: gone): put again when it is gone or holds
 * another value while our lease lives on. An operator's `etcdctl del`, or another
 * instance with our id that put last and left, would else leave us registered in our own
 * eyes only, until our relays or names changed. */
static void own_key_seen(struct cp_discovery *d, const uint8_t *value, int vlen, bool deleted)
{
	bool same = !deleted && d->value && (size_t)vlen == strlen(d->value) &&
		    memcmp(value, d->value, (size_t)vlen) == 0;
	int64_t now_ms = mr_clock_ms();

	if (same || !d->registered || d->put_needed)
		return;
	if (!deleted && d->put_back_ms && now_ms - d->put_back_ms < DISC_PUT_BACK_MS) {
		/* Changed again soon after we put ours back: another live instance puts its
		 * own under our id. Each putting back at once would replace the other's in a
		 * loop, and every gateway of the mesh would push a new generation each time. */
		mr_log(MR_LOG_ERR, "discovery: another instance registers gateway %s of network "
		       "%s with other relays (one id for two gateways?): ours put back every %d s "
		       "at most", d->own.id, d->own.network, DISC_PUT_BACK_MS / 1000);
		d->put_after_ms = d->put_back_ms + DISC_PUT_BACK_MS;
	} else {
		mr_log(MR_LOG_WARN, "discovery: our registration was %s in the store: putting "
		       "it back", deleted ? "deleted" : "changed");
	}
	if (!deleted)
		d->put_back_ms = d->put_after_ms > now_ms ? d->put_after_ms : now_ms;
	d->put_needed = true;
	/* Deleted with our lease (revoked, or expired while we stalled): the keepalive first,
	 * whose answer says so and has a new one granted; a put under the lost lease is
	 * refused until then (ttl/3 away). */
	if (deleted)
		d->keepalive_ms = 0;
}

/* The bytes of kv's base64 field name in out (cap bytes at most): their count; 0 when
 * the field is absent, -1 when it is not base64 (a NUL inside included) or too long. */
static int b64_read(const struct json_value *kv, const char *name, uint8_t *out, size_t cap)
{
	const struct json_value *v = json_get(kv, name);
	const char *text = json_str(v);

	if (!text)
		return 0;
	return strlen(text) == v->len ? b64_decode(text, v->len, out, cap) : -1;
}

bool cp_discovery_apply_kv(struct cp_discovery *d, const struct gw_set *set,
			   const struct json_value *kv, bool deleted)
{
	char key[DISC_KEY_MAX], net[MR_NAME_MAX], id[64];
	uint8_t *value = malloc(DISC_VALUE_MAX);
	struct disc_gateway g;
	const char *why = "a value that is not base64, or over 16 KB";
	bool own = false;
	int known;
	int klen = b64_read(kv, "key", (uint8_t *)key, sizeof(key) - 1);
	int vlen = value ? b64_read(kv, "value", value, DISC_VALUE_MAX) : -1;

	if (klen <= 0 || !value)
		goto out;
	key[klen] = '\0';
	if (disc_parse_key(d->conf.prefix, key, (size_t)klen, net, sizeof(net), id, sizeof(id)) < 0)
		goto out; /* not a gateway */
	if (strcmp(net, d->own.network) == 0 && strcmp(id, d->own.id) == 0) {
		own = true;
		own_key_seen(d, value, vlen < 0 ? 0 : vlen, deleted); /* unreadable: not ours */
		goto out;
	}
	/* A record it cannot read replaces the one known before: that gateway is forgotten,
	 * saying why, never kept as it was in silence. */
	if (deleted || vlen < 0 ||
	    disc_parse_gateway(d->conf.prefix, key, (size_t)klen, (char *)value, (size_t)vlen, &g,
			       &why) < 0) {
		if (!deleted)
			mr_log(MR_LOG_WARN, "discovery: ignoring %s: %s", key, why);
		forget(set, net, id);
		goto out;
	}
	known = find_gateway(set, net, id);
	if (known >= 0) {
		set->items[known] = g;
	} else if (*set->n < DISC_MAX_GATEWAYS) {
		mr_log(MR_LOG_NOTICE, "discovery: gateway %s of network %s with %u relay(s)", id,
		       net, g.n_relays);
		set->items[(*set->n)++] = g;
	}
out:
	free(value);
	return own;
}

/* The key after the last of kvs (it and a NUL) for the next page; false when there is
 * none to read. */
static bool next_page_from(struct cp_discovery *d, const struct json_value *kvs)
{
	const char *k64 = json_len(kvs) ? json_str(json_get(json_at(kvs, json_len(kvs) - 1), "key"))
					: NULL;
	int len = k64 ? b64_decode(k64, strlen(k64), (uint8_t *)d->page_from,
				   sizeof(d->page_from) - 1) : -1;

	if (len < 0)
		return false;
	d->page_from[len] = '\0'; /* the smallest key after it */
	d->page_from_len = (size_t)len + 1;
	return true;
}

/* One page of the range: its gateways read into paged; the last page puts them in force.
 * A mesh's registrations in one answer could be over what a connection takes (4096
 * gateways of up to 16 KiB each): pages keep each answer small, all at the first one's
 * revision, so that together they are one snapshot and the watch starts right after. */
void cp_discovery_range_page(struct cp_discovery *d, struct json_value *doc)
{
	const struct json_value *kvs = json_get(doc, "kvs");
	struct gw_set paged = { d->paged, &d->n_paged };
	struct disc_gateway *was = d->gateways;
	bool more = false;

	if (!d->page_revision) {
		d->n_paged = 0;
		d->page_own = false;
		/* etcd heads every answer with the store's revision, an empty range's too: an
		 * answer without (a proxy's "{}" or error in a 200) is no tree, and would
		 * else put no gateway in force, withdrawing every route to the others. */
		if (!json_int64(json_path(doc, "header.revision"), &d->page_revision) ||
		    d->page_revision <= 0) {
			d->page_revision = 0;
			d->answer_unusable = "range: the answer holds no revision";
			return;
		}
	}
	for (size_t i = 0; i < json_len(kvs); i++)
		d->page_own |= cp_discovery_apply_kv(d, &paged, json_at(kvs, i), false);
	json_bool(json_get(doc, "more"), &more);
	if (more && !(d->page_revision && next_page_from(d, kvs))) {
		/* More keys, but no way to ask for them (no revision, or a last key over
		 * DISC_PAGE_KEY_MAX): the pages read are not the tree, and are not put in force. */
		d->page_revision = 0;
		d->range_unreadable = true;
		return;
	}
	d->page_more = more;
	if (d->page_more)
		return;
	d->gateways = d->paged;
	d->n_gateways = d->n_paged;
	d->paged = was;
	if (d->page_revision)
		d->revision = d->page_revision;
	d->page_revision = 0;
	if (!d->page_own)
		own_key_seen(d, NULL, 0, true);
	mr_log(MR_LOG_INFO, "discovery: %u other gateway(s) at revision %lld", d->n_gateways,
	       (long long)d->revision);
	if (d->changed)
		d->changed(d->arg);
}
