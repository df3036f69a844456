/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for proxy_v2_read. A header read as OK lies inside the input and
 * within PROXY_V2_READ_MAX, its authority inside the header; every shorter prefix of it
 * asks for more, and reading it again gives the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_v2_read.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proxy_v2: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_v2_info pi, again;
	uint8_t *copy;

	if (proxy_v2_read(data, size, &pi) != PROXY_V2_OK)
		return 0;
	check(pi.header_len >= 16 && pi.header_len <= size, "header inside the input");
	check(pi.header_len <= PROXY_V2_READ_MAX, "header within the limit");
	check(!pi.authority || (pi.authority >= data + 16 &&
				pi.authority + pi.authority_len <= data + pi.header_len),
	      "authority inside the header");
	check(pi.family == 0 || pi.family == 4 || pi.family == 6, "family");
	/* The header alone, in a buffer of its own size: the same reading, and its prefixes
	 * need more (ASan catches any read past them). */
	copy = malloc(pi.header_len);
	memcpy(copy, data, pi.header_len);
	check(proxy_v2_read(copy, pi.header_len, &again) == PROXY_V2_OK &&
	      again.header_len == pi.header_len && again.dst_port == pi.dst_port &&
	      again.authority_len == pi.authority_len, "the header alone reads the same");
	check(proxy_v2_read(copy, pi.header_len - 1u, &again) == PROXY_V2_NEED_MORE,
	      "a prefix needs more");
	free(copy);
	return 0;
}
