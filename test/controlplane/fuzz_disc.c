/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for a gateway's registration in the discovery store (disc_record.h):
 * the input is the key, a newline, then the value, as another gateway could have written
 * them. Besides surviving any input: a refusal gives a reason; what is accepted holds
 * only names, addresses and ports the parser promises; and the writer's JSON of it parses
 * back to the same registration. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disc_record.h"

#define PREFIX "/meshrelay"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_disc: %s\n", what);
		abort();
	}
}

/* A NUL-terminated, non-empty text within its array. */
static void check_text(const char *s, size_t cap, const char *what)
{
	size_t n = strnlen(s, cap);

	check(n > 0 && n < cap, what);
}

static void check_gateway(const struct disc_gateway *g)
{
	const char *name = g->services;

	check_text(g->id, sizeof(g->id), "id not a text");
	check_text(g->network, sizeof(g->network), "network not a text");
	check(g->n_relays <= DISC_MAX_RELAYS, "more relays than the limit");
	for (unsigned int i = 0; i < g->n_relays; i++) {
		const struct disc_relay *r = &g->relays[i];
		uint8_t ip[16];

		check_text(r->network, sizeof(r->network), "relay network not a text");
		check_text(r->server, sizeof(r->server), "relay server not a text");
		check_text(r->address, sizeof(r->address), "relay address not a text");
		check(inet_pton(AF_INET, r->address, ip) == 1 ||
			      inet_pton(AF_INET6, r->address, ip) == 1,
		      "relay address not an address");
		check(r->port > 0, "relay port 0");
	}
	for (unsigned int i = 0; i < g->n_services; i++) {
		size_t left = sizeof(g->services) - (size_t)(name - g->services);

		check_text(name, left, "service not a text within the list");
		name += strlen(name) + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct disc_gateway g, back;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t key_len = nl ? (size_t)(nl - data) : size;
	size_t value_len = nl ? size - key_len - 1 : 0;
	char *key = malloc(key_len + 1), *value = malloc(value_len ? value_len : 1);
	char *written = malloc(64 * 1024);
	const char *why = NULL;
	int len;

	/* The key as the store's answer gives it (NUL after it); the value exactly its bytes,
	 * with no terminator: reading past it shows. */
	memcpy(key, data, key_len);
	key[key_len] = '\0';
	if (value_len)
		memcpy(value, nl + 1, value_len);
	if (disc_parse_gateway(PREFIX, key, key_len, value, value_len, &g, &why) < 0) {
		check(why != NULL && why[0] != '\0', "refusal without a reason");
	} else {
		check_gateway(&g);
		/* Room beyond DISC_VALUE_MAX: the property is the round trip, not the size. */
		len = disc_write_gateway(written, 64 * 1024, &g);
		check(len > 0 && (size_t)len == strlen(written), "writer refused a registration");
		check(disc_parse_gateway(PREFIX, key, key_len, written, (size_t)len, &back, &why) == 0,
		      "what the writer wrote does not parse");
		check(memcmp(&g, &back, sizeof(g)) == 0, "round trip changed the registration");
	}
	free(written);
	free(value);
	free(key);
	return 0;
}
