/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for b64_decode, which reads etcd's answers. Besides surviving any
 * input: what it accepts encodes back to text that decodes to the same bytes, never more
 * bytes than its room, and a room one byte short of what it decoded is refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_b64: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = size / 4 * 3 + 3;
	uint8_t *out = malloc(cap), *again = malloc(cap);
	char *text = malloc(B64_ENCODED_LEN(cap) + 1);
	int n = b64_decode((const char *)data, size, out, cap), m, k;

	if (n >= 0) {
		check((size_t)n <= cap && size % 4 == 0, "accepted what is not base64's length");
		m = b64_encode(out, (size_t)n, text, B64_ENCODED_LEN(cap) + 1);
		check(m == (int)B64_ENCODED_LEN((size_t)n), "encoded to an unexpected length");
		k = b64_decode(text, (size_t)m, again, cap);
		check(k == n && memcmp(out, again, (size_t)n) == 0, "round trip changed bytes");
		if (n > 0)
			check(b64_decode((const char *)data, size, again, (size_t)n - 1) == -1,
			      "wrote past a short room");
	}
	free(out);
	free(again);
	free(text);
	return 0;
}
