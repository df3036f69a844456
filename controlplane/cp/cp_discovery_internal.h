/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Between cp_discovery.c (the store's requests and their schedule) and
 * cp_discovery_kv.c (what the store's answers say of the other gateways); not for anyone
 * else. Both run on meshrelay-cp's loop thread.
 */
#ifndef CP_DISCOVERY_INTERNAL_H
#define CP_DISCOVERY_INTERNAL_H

#include "cp_discovery.h"
#include "json.h"

/* Where a key's gateway goes: the set in force (the watch's changes) or the one a range
 * is reading (its pages). */
struct gw_set {
	struct disc_gateway *items;
	unsigned int *n;
};

/* A key/value pair from the store (base64 as etcd sends them) into set; deleted: value
 * absent. true when it is our own key (not put in set: put back when it is gone or holds
 * another value). */
bool cp_discovery_apply_kv(struct cp_discovery *d, const struct gw_set *set,
			   const struct json_value *kv, bool deleted);

/* One page of a range answer doc read into d->paged; the last page puts them in force
 * (d->gateways, d->changed called). Sets d->answer_unusable or d->range_unreadable when
 * the answer is no page of the tree. */
void cp_discovery_range_page(struct cp_discovery *d, struct json_value *doc);

#endif
