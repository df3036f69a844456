/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_limits.h"

#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "flow_internal.h"

#define COUNTED_CLIENT 1u  /* struct flow.counted: f is one of its client's flows ... */
#define COUNTED_HELLO 2u   /* ... and one of its hellos */

struct client_count {
	uint32_t flows, hellos;
};

struct flow_limits {
	struct rte_hash *clients;      /* client key -> position in counts */
	struct client_count *counts;
	uint32_t capacity;
	uint32_t kept;                 /* buffers in the flows' streams */
};

struct flow_limits *flow_limits_create(const char *name, uint32_t capacity, int socket_id)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = RTE_MAX(capacity, 16u), /* rte_hash wants a few buckets' worth */
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
	};
	struct flow_limits *l = rte_zmalloc_socket(name, sizeof(*l), 0, socket_id);

	if (!l)
		return NULL;
	snprintf(hname, sizeof(hname), "%.20s_cl", name);
	l->capacity = hp.entries;
	l->clients = rte_hash_create(&hp);
	l->counts = rte_zmalloc_socket(name, sizeof(*l->counts) * hp.entries, 0, socket_id);
	if (!l->clients || !l->counts) {
		flow_limits_free(l);
		return NULL;
	}
	return l;
}

size_t flow_limits_bytes_per_flow(void)
{
	/* rte_hash: a signature+index slot and a key slot per entry; then the counts. */
	return sizeof(uint64_t) + 8 + 8 + sizeof(struct client_count);
}

void flow_limits_free(struct flow_limits *l)
{
	if (!l)
		return;
	rte_hash_free(l->clients);
	rte_free(l->counts);
	rte_free(l);
}

/* The client's address as one key: an IPv6 /64 (its first 8 bytes), or the IPv4 address
 * under a prefix that no source of ours can have (ff..: multicast, dropped on input). */
static uint64_t client_key(const struct flow_table *ft, const struct flow *f)
{
	const struct flow_addr6 *a6 = flow_side_addr6(ft, f, FLOW_DIR_CLIENT);
	uint64_t key;

	if (a6) {
		memcpy(&key, a6->peer, 8);
		return key;
	}
	return 0xffffffff00000000ull | f->c.key.peer_ip;
}

static struct client_count *client_find(const struct flow_limits *l, uint64_t key)
{
	int32_t pos = rte_hash_lookup(l->clients, &key);

	return pos >= 0 && (uint32_t)pos < l->capacity ? &l->counts[pos] : NULL;
}

/* A client's count leaves the table zeroed: the next client in its slot starts at 0. */
static void client_forget(struct flow_limits *l, struct client_count *c, uint64_t key)
{
	memset(c, 0, sizeof(*c));
	rte_hash_del_key(l->clients, &key);
}

enum flow_client_verdict flow_client_attach(struct flow_table *ft, struct flow *f,
					    uint32_t max_flows, uint32_t max_hellos)
{
	struct flow_limits *l = ft->limits;
	uint64_t key = client_key(ft, f);
	/* One call finds the client or adds it (rte_hash answers an existing key's slot). */
	int32_t pos = rte_hash_add_key(l->clients, &key);
	struct client_count *c;

	/* The table holds one client per flow at most: it cannot be full here. */
	if (pos < 0 || (uint32_t)pos >= l->capacity)
		return FLOW_CLIENT_FLOWS;
	c = &l->counts[pos];
	if (c->flows >= max_flows || c->hellos >= max_hellos) {
		enum flow_client_verdict v = c->flows >= max_flows ? FLOW_CLIENT_FLOWS
								   : FLOW_CLIENT_HELLOS;

		if (!c->flows)
			client_forget(l, c, key);
		return v;
	}
	c->flows++;
	c->hellos++;
	f->client_slot = (uint32_t)pos;
	f->counted = COUNTED_CLIENT | COUNTED_HELLO;
	return FLOW_CLIENT_OK;
}

void flow_client_hello_done(struct flow_table *ft, struct flow *f)
{
	if (!(f->counted & COUNTED_HELLO))
		return;
	ft->limits->counts[f->client_slot].hellos--;
	f->counted &= (uint8_t)~COUNTED_HELLO;
}

void flow_client_counts(const struct flow_table *ft, const struct flow *f, uint32_t *flows,
			uint32_t *hellos)
{
	const struct client_count *c = client_find(ft->limits, client_key(ft, f));

	*flows = c ? c->flows : 0;
	*hellos = c ? c->hellos : 0;
}

static void client_release(struct flow_table *ft, struct flow *f)
{
	struct client_count *c;

	if (!(f->counted & COUNTED_CLIENT))
		return;
	c = &ft->limits->counts[f->client_slot];
	c->flows--;
	c->hellos -= (f->counted & COUNTED_HELLO) ? 1 : 0;
	if (!c->flows)
		client_forget(ft->limits, c, client_key(ft, f));
	f->counted = 0;
}

bool flow_stream_append(struct flow_table *ft, struct flow *f, struct rte_mbuf *m)
{
	uint16_t segs = m->nb_segs;

	if (!f->stream)
		f->stream = m;
	else if (rte_pktmbuf_chain(f->stream, m) != 0)
		return false;
	ft->limits->kept += segs;
	return true;
}

bool flow_stream_prepend(struct flow_table *ft, struct flow *f, struct rte_mbuf *h)
{
	uint16_t segs = h->nb_segs;

	if (f->stream && rte_pktmbuf_chain(h, f->stream) != 0)
		return false;
	f->stream = h;
	ft->limits->kept += segs;
	return true;
}

void flow_stream_set(struct flow_table *ft, struct flow *f, struct rte_mbuf *m)
{
	if (f->stream) {
		ft->limits->kept -= f->stream->nb_segs;
		rte_pktmbuf_free(f->stream);
	}
	f->stream = NULL;
	if (m)
		flow_stream_append(ft, f, m);
}

uint32_t flow_kept_mbufs(const struct flow_table *ft)
{
	return ft->limits->kept;
}

void flow_limits_release(struct flow_table *ft, struct flow *f)
{
	client_release(ft, f);
	flow_stream_set(ft, f, NULL);
}
