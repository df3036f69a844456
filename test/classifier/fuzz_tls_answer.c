/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for tls_answer_feed, the health check's reader of a member's answer.
 * The verdict and the bytes taken do not depend on how the answer is cut into segments:
 * fed whole, a byte at a time, and in pieces whose sizes the input's own bytes choose.
 * Undecided, it took every byte; decided, it takes no more and says the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_hello.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tls_answer: %s\n", what);
		abort();
	}
}

/* Feed data[0..size) in pieces: 1 byte each when step is 0, else sizes from the data. */
static int feed_cut(const uint8_t *data, size_t size, int step, struct tls_answer *a)
{
	int v = 0;

	memset(a, 0, sizeof(*a));
	for (size_t at = 0; at < size;) {
		size_t n = step ? (size_t)(data[at] % 7u) + 1u : 1u;

		if (n > size - at)
			n = size - at;
		v = tls_answer_feed(a, data + at, n);
		at += n;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_answer whole, bytes, pieces;
	uint8_t extra = 0x16;
	int v = 0, v1, v2;
	uint32_t read;

	memset(&whole, 0, sizeof(whole));
	if (size)
		v = tls_answer_feed(&whole, data, size);
	check(v >= -1 && v <= 1 && whole.verdict == v, "verdict kept");
	check(whole.read <= size, "no more taken than given");
	check(v != 0 || whole.read == size, "undecided: everything taken");
	v1 = feed_cut(data, size, 0, &bytes);
	v2 = feed_cut(data, size, 1, &pieces);
	check(v1 == v && v2 == v, "the same verdict however cut");
	check(bytes.read == whole.read && pieces.read == whole.read, "the same bytes taken");
	if (v != 0) {
		read = whole.read;
		check(tls_answer_feed(&whole, &extra, 1) == v && whole.read == read,
		      "decided: nothing more taken");
	}
	return 0;
}
