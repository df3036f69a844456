/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for what meshrelay-cp reads back from a data plane's "learned" report
 * (cp_readback.h): the input is the report's answer. Besides surviving any input: a
 * refusal gives a reason and takes nothing; what is taken stays within its room, names
 * only remote networks of the configuration, and holds only texts that go back into a
 * configuration without quoting. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_readback.h"

#define ROOM 4

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_readback: %s\n", what);
	abort();
}

/* A non-empty text within its array with no byte that would need quoting. */
static bool is_word(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	return n > 0 && n < cap && strcspn(s, "\"\\;{}=() \t\r\n#/") == n;
}

int LLVMFuzzerTestOneInput(const char *data, size_t size)
{
	static struct mr_network_conf nets[3] = { { .name = "a", .local = true }, { .name = "b" },
						   { .name = "c" } };
	struct mr_config conf = { .networks = nets, .n_networks = 3 };
	struct mr_remote_gateway_conf gws[ROOM];
	struct cp_import imports[ROOM];
	unsigned int n = 99, n_imports = 99;
	const char *why = NULL;
	int rc = cp_readback_parse(data, size, &conf, gws, ROOM, &n, imports, ROOM, &n_imports,
				   &why);

	if (rc < 0) {
		check(why != NULL, "a refusal without a reason");
		check(n == 0 && n_imports == 0, "a refusal that took something");
		return 0;
	}
	check(rc == 0 && why == NULL, "taken with a reason");
	check(n <= ROOM && n_imports <= ROOM, "more than the room");
	for (unsigned int i = 0; i < n; i++) {
		struct in_addr a;

		check(gws[i].network == 1 || gws[i].network == 2, "a gateway of no remote network");
		check(is_word(gws[i].id, sizeof(gws[i].id)), "a gateway id");
		check(inet_pton(AF_INET, gws[i].address, &a) == 1, "a gateway address");
		check(gws[i].port != 0, "a gateway port");
	}
	for (unsigned int i = 0; i < n_imports; i++) {
		check(is_word(imports[i].sni, sizeof(imports[i].sni)), "an imported name");
		check(strcmp(imports[i].network, "b") == 0 || strcmp(imports[i].network, "c") == 0,
		      "a name of no remote network");
	}
	return 0;
}
