/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal layout of a frozen route table, shared by the builder and the lookup. */
#ifndef MR_ROUTE_TABLE_LAYOUT_H
#define MR_ROUTE_TABLE_LAYOUT_H

#include "route_hash.h"
#include "route_table.h"

#include <string.h>

/* One suffix may carry both a wildcard route and a mangled-name rule. */
struct route_suffix_entry {
	uint32_t wildcard_target; /* index into targets, or ROUTE_ID_NONE */
	uint32_t mangle_rule;     /* index into mangle_rules, or ROUTE_ID_NONE */
};

struct route_mangle_rule {
	uint32_t suffix_off; /* into names */
	uint16_t suffix_len;
	unsigned forms;
	uint32_t default_network;
	bool proxy_protocol_v2;
};

struct route_prefix {
	struct ip_addr addr;
	unsigned len;
};

struct route_port_range {
	uint16_t first, last;
};

/* A contiguous run of items in one of the flat arrays. */
struct route_run {
	uint32_t first, count;
};

struct route_network {
	uint32_t name_off;
	uint16_t name_len;
	bool local;
	struct route_run prefixes;
	struct route_run ranges;
};

struct route_member {
	struct ip_addr addr;
	uint16_t port;
	uint32_t weight;
	uint32_t pool;
	uint64_t seed; /* hash of address and port: the member's identity for rendezvous */
};

struct route_pool {
	struct route_run members;
	uint32_t choosable;      /* members with a weight above zero */
};

/* A plain TCP service: a name on one port, reached at a virtual address. Its keys in the
 * services index are tagged byte strings (route_service_key). */
struct route_service {
	uint32_t name_off; /* into names, lower case */
	uint16_t name_len;
	uint16_t port;     /* host order */
	uint32_t vip;      /* host order */
	uint32_t target;   /* index into targets */
};

/* Key kinds of the services index; the tag byte is never a host name's first byte. */
enum route_service_key_kind {
	ROUTE_SKEY_VIP = 0x01,  /* vip (4 bytes, network order), port (2) */
	ROUTE_SKEY_NAME = 0x02, /* port (2), name: one service */
	ROUTE_SKEY_HOST = 0x03, /* name: its address, whatever the port */
};

#define ROUTE_SKEY_MAX (1 + 2 + SNI_NAME_MAX)

/* Writes the key of kind for (vip, port, name) into key; its length. */
static inline size_t route_service_key(char *key, enum route_service_key_kind kind,
				       uint32_t vip, uint16_t port, const char *name,
				       size_t len)
{
	size_t at = 1;

	key[0] = (char)kind;
	if (kind == ROUTE_SKEY_VIP) {
		for (int s = 24; s >= 0; s -= 8)
			key[at++] = (char)(vip >> s);
	}
	if (kind != ROUTE_SKEY_HOST) {
		key[at++] = (char)(port >> 8);
		key[at++] = (char)port;
	}
	if (kind != ROUTE_SKEY_VIP) {
		memcpy(key + at, name, len);
		at += len;
	}
	return at;
}

struct route_table {
	char *names;
	struct route_index exact;    /* full name -> target index */
	struct route_index suffixes; /* suffix -> suffix entry index */
	struct route_index networks; /* network name -> network id */
	struct route_suffix_entry *suffix_entries;
	struct route_target *targets;
	struct route_mangle_rule *mangle_rules;
	struct route_network *nets;
	struct route_prefix *prefixes;
	struct route_port_range *ranges;
	struct route_pool *pools;
	struct route_member *members;
	struct route_service *services;
	struct route_index service_keys; /* route_service_key -> index into services */
	char *service_keys_store;        /* the keys' bytes */
	uint32_t service_count;
	uint32_t default_target; /* index into targets, or ROUTE_ID_NONE */
	uint32_t route_count;
	uint32_t member_count;
};

#endif
