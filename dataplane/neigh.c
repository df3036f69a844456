#include "neigh.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

struct neigh_entry {
	uint32_t ip;
	uint8_t in_use;
	uint8_t state;           /* enum neigh_state */
	uint8_t probes;          /* requests sent in the current INCOMPLETE/PROBE round */
	uint16_t n_pending;
	struct rte_ether_addr mac;
	uint64_t confirmed_ms;   /* last confirmation, or creation */
	uint64_t deadline_ms;    /* next timer for the current state */
};

struct neigh_table {
	struct rte_hash *index;  /* ip -> position in entries[] */
	struct neigh_entry *entries;
	void **pending;          /* conf.pending slots per entry, FIFO from slot 0 */
	uint32_t capacity;
	uint32_t used;
	struct mr_neigh_conf conf;
	struct neigh_ops ops;
};

static const char *const state_names[] = {
	[NEIGH_INCOMPLETE] = "incomplete", [NEIGH_REACHABLE] = "reachable",
	[NEIGH_STALE] = "stale",           [NEIGH_PROBE] = "probe",
	[NEIGH_FAILED] = "failed",
};

const char *neigh_state_name(enum neigh_state state)
{
	return (unsigned int)state < RTE_DIM(state_names) ? state_names[state] : "?";
}

struct neigh_table *neigh_table_create(const char *name, const struct mr_neigh_conf *conf,
				       int socket_id, const struct neigh_ops *ops)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = conf->entries,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = socket_id,
		/* Guarantees every one of .entries fits, whatever the bucket collisions. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct neigh_table *nt = rte_zmalloc_socket(name, sizeof(*nt), 0, socket_id);

	if (!nt)
		return NULL;
	nt->conf = *conf;
	nt->ops = *ops;
	nt->capacity = conf->entries;
	nt->index = rte_hash_create(&hp);
	nt->entries = rte_zmalloc_socket(name, sizeof(*nt->entries) * conf->entries, 0, socket_id);
	nt->pending = rte_zmalloc_socket(name, sizeof(void *) * conf->entries * (conf->pending + 1),
					 0, socket_id);
	if (!nt->index || !nt->entries || !nt->pending) {
		neigh_table_free(nt);
		rte_errno = ENOMEM;
		return NULL;
	}
	return nt;
}

static void **entry_pending(struct neigh_table *nt, uint32_t pos)
{
	return &nt->pending[(size_t)pos * (nt->conf.pending + 1)];
}

static void entry_drop_pending(struct neigh_table *nt, uint32_t pos)
{
	struct neigh_entry *e = &nt->entries[pos];
	void **slots = entry_pending(nt, pos);

	for (uint16_t i = 0; i < e->n_pending; i++)
		nt->ops.drop(nt->ops.ctx, slots[i]);
	e->n_pending = 0;
}

static void entry_delete(struct neigh_table *nt, uint32_t pos)
{
	struct neigh_entry *e = &nt->entries[pos];

	entry_drop_pending(nt, pos);
	rte_hash_del_key(nt->index, &e->ip);
	e->in_use = 0;
	nt->used--;
}

void neigh_table_free(struct neigh_table *nt)
{
	if (!nt)
		return;
	if (nt->entries && nt->pending)
		for (uint32_t pos = 0; pos < nt->capacity; pos++)
			if (nt->entries[pos].in_use)
				entry_drop_pending(nt, pos);
	rte_hash_free(nt->index);
	rte_free(nt->entries);
	rte_free(nt->pending);
	rte_free(nt);
}

static int entry_find(const struct neigh_table *nt, uint32_t ip)
{
	int32_t pos = rte_hash_lookup(nt->index, &ip);

	return pos >= 0 && (uint32_t)pos < nt->capacity ? pos : -1;
}

static int entry_create(struct neigh_table *nt, uint32_t ip, uint64_t now_ms)
{
	int32_t pos = rte_hash_add_key(nt->index, &ip);
	struct neigh_entry *e;

	if (pos < 0)
		return -1;
	if ((uint32_t)pos >= nt->capacity) {
		rte_hash_del_key(nt->index, &ip);
		return -1;
	}
	e = &nt->entries[pos];
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->in_use = 1;
	e->state = NEIGH_INCOMPLETE;
	e->confirmed_ms = now_ms;
	nt->used++;
	return pos;
}

static bool entry_enqueue(struct neigh_table *nt, uint32_t pos, void *pkt)
{
	struct neigh_entry *e = &nt->entries[pos];

	if (!pkt)
		return true;
	if (e->n_pending >= nt->conf.pending)
		return false;
	entry_pending(nt, pos)[e->n_pending++] = pkt;
	return true;
}

static enum neigh_result resolve_new(struct neigh_table *nt, uint32_t ip, uint64_t now_ms,
				     void *pkt)
{
	int pos = entry_create(nt, ip, now_ms);

	if (pos < 0)
		return NEIGH_DROPPED;
	nt->entries[pos].probes = 1;
	nt->entries[pos].deadline_ms = now_ms + nt->conf.retry_ms;
	if (!entry_enqueue(nt, (uint32_t)pos, pkt))
		return NEIGH_DROPPED;
	return NEIGH_QUEUED_REQUEST;
}

enum neigh_result neigh_resolve(struct neigh_table *nt, uint32_t ip, uint64_t now_ms,
				void *pkt, struct rte_ether_addr *mac)
{
	int pos = entry_find(nt, ip);
	struct neigh_entry *e;

	if (pos < 0)
		return resolve_new(nt, ip, now_ms, pkt);
	e = &nt->entries[pos];
	switch ((enum neigh_state)e->state) {
	case NEIGH_REACHABLE:
	case NEIGH_PROBE:
		*mac = e->mac;
		return NEIGH_HIT;
	case NEIGH_STALE:
		*mac = e->mac;
		e->state = NEIGH_PROBE;
		e->probes = 1;
		e->deadline_ms = now_ms + nt->conf.retry_ms;
		return NEIGH_HIT_PROBE;
	case NEIGH_INCOMPLETE:
		return entry_enqueue(nt, (uint32_t)pos, pkt) ? NEIGH_QUEUED : NEIGH_DROPPED;
	case NEIGH_FAILED:
	default:
		return NEIGH_DROPPED;
	}
}

bool neigh_learn(struct neigh_table *nt, uint32_t ip, const struct rte_ether_addr *mac,
		 uint64_t now_ms, bool create)
{
	int pos = entry_find(nt, ip);
	struct neigh_entry *e;
	void **slots;

	if (pos < 0) {
		if (!create || (pos = entry_create(nt, ip, now_ms)) < 0)
			return false;
	}
	e = &nt->entries[pos];
	e->mac = *mac;
	e->state = NEIGH_REACHABLE;
	e->probes = 0;
	e->confirmed_ms = now_ms;
	e->deadline_ms = now_ms + nt->conf.reachable_ms;
	slots = entry_pending(nt, (uint32_t)pos);
	for (uint16_t i = 0; i < e->n_pending; i++)
		nt->ops.flush(nt->ops.ctx, slots[i], mac);
	e->n_pending = 0;
	return true;
}

/* One entry's timer fired. Returns true when the entry should be deleted. */
static bool entry_expire(struct neigh_table *nt, struct neigh_entry *e, uint32_t pos,
			 uint64_t now_ms)
{
	switch ((enum neigh_state)e->state) {
	case NEIGH_INCOMPLETE:
	case NEIGH_PROBE:
		if (e->probes < nt->conf.retries) {
			e->probes++;
			e->deadline_ms = now_ms + nt->conf.retry_ms;
			nt->ops.send_request(nt->ops.ctx, e->ip);
			return false;
		}
		entry_drop_pending(nt, pos);
		e->state = NEIGH_FAILED;
		/* Hold the failure for one resolution round so a dead host is not hammered. */
		e->deadline_ms = now_ms + (uint64_t)nt->conf.retry_ms * nt->conf.retries;
		return false;
	case NEIGH_REACHABLE:
		e->state = NEIGH_STALE;
		/* Forget unused stale entries after a while: the table stays bounded. */
		e->deadline_ms = now_ms + 4 * (uint64_t)nt->conf.reachable_ms;
		return false;
	case NEIGH_STALE:
	case NEIGH_FAILED:
	default:
		return true;
	}
}

void neigh_age(struct neigh_table *nt, uint64_t now_ms)
{
	for (uint32_t pos = 0; pos < nt->capacity && nt->used > 0; pos++) {
		struct neigh_entry *e = &nt->entries[pos];

		if (e->in_use && now_ms >= e->deadline_ms && entry_expire(nt, e, pos, now_ms))
			entry_delete(nt, pos);
	}
}

unsigned int neigh_snapshot(const struct neigh_table *nt, uint64_t now_ms,
			    struct neigh_info *out, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t pos = 0; pos < nt->capacity && n < max; pos++) {
		const struct neigh_entry *e = &nt->entries[pos];

		if (!e->in_use)
			continue;
		out[n].ip = e->ip;
		out[n].state = (enum neigh_state)e->state;
		out[n].mac = e->mac;
		out[n].n_pending = e->n_pending;
		out[n].age_ms = now_ms - e->confirmed_ms;
		n++;
	}
	return n;
}

unsigned int neigh_count(const struct neigh_table *nt)
{
	return nt->used;
}
