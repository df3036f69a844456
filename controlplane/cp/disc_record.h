/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One gateway's registration in the discovery store: its key
 * (PREFIX/networks/NETWORK/gateways/ID) and its JSON value (its id and network, its
 * relayed addresses, the names its network exports). Written for this gateway, read for
 * every other one; a value any gateway of the mesh may write, so read as untrusted. No
 * I/O: cp_discovery.c moves the records, this module only makes and checks them.
 */
#ifndef DISC_RECORD_H
#define DISC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mr_config.h"

#define DISC_MAX_RELAYS 64          /* relayed addresses one gateway publishes */
#define DISC_SERVICES_BYTES 2048    /* one gateway's exported names, NUL after each */
#define DISC_SERVICE_MAX 262        /* one of them: "NAME" (TLS) or "NAME:PORT" (plain TCP) */
#define DISC_VALUE_MAX (16u * 1024) /* a registration's JSON, NUL included */

/* One relayed address of a gateway: on the TURN server of network, at address:port. */
struct disc_relay {
	char network[MR_NAME_MAX];
	char server[MR_NAME_MAX];
	char address[48];
	uint16_t port;
	bool tcp;
};

struct disc_gateway {
	char id[64];
	char network[MR_NAME_MAX];
	struct disc_relay relays[DISC_MAX_RELAYS];
	unsigned int n_relays;
	char services[DISC_SERVICES_BYTES]; /* the names its network exports, NUL after each */
	unsigned int n_services;
	bool client_header;          /* it reads a PROXY v2 header naming the client before a
				      * TLS hello ("client_header": true; older ones do not) */
};

/* The network and the gateway id of a key PREFIX/networks/NET/gateways/ID (key_len bytes,
 * NUL after them) into net and id. 0, or -1 when it is not one. */
int disc_parse_key(const char *prefix, const char *key, size_t key_len, char *net,
		   size_t netlen, char *id, size_t idlen);

/* Parse a registration (key and JSON value as stored) into g. 0, or -1 with a reason in
 * why when it is not one: foreign keys and bad values are ignored, never trusted. */
int disc_parse_gateway(const char *prefix, const char *key, size_t key_len, const char *value,
		       size_t value_len, struct disc_gateway *g, const char **why);

/* g's registration value as JSON into out (cap bytes, NUL included), its texts as the
 * parser accepts them (no escaping needed). Its length, or -1 when it does not fit. */
int disc_write_gateway(char *out, size_t cap, const struct disc_gateway *g);

#endif
