/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for sni_parse. Besides surviving any input, the parse must not depend
 * on how the bytes are cut into spans (differential check against a single span), a
 * complete hello's every prefix must ask for more bytes, and results must be consistent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sni_parse.h"

#define MAX_SPANS 8

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sni_parse: %s\n", what);
		abort();
	}
}

static int same_result(const struct sni_result *a, const struct sni_result *b)
{
	if (a->verdict != b->verdict || a->reason != b->reason ||
	    a->need_bytes != b->need_bytes || a->wire_len != b->wire_len ||
	    a->hello_len != b->hello_len || a->has_sni != b->has_sni ||
	    a->has_alpn != b->has_alpn || a->has_ech != b->has_ech ||
	    a->max_version != b->max_version || a->alpn_count != b->alpn_count ||
	    a->alpn_kept != b->alpn_kept || a->name_status != b->name_status)
		return 0;
	if (a->verdict == SNI_COMPLETE && strcmp(a->host, b->host) != 0)
		return 0;
	for (unsigned i = 0; a->verdict == SNI_COMPLETE && i < a->alpn_kept; i++)
		if (strcmp(a->alpn[i], b->alpn[i]) != 0)
			return 0;
	return 1;
}

/* A small deterministic generator seeded from the input, so a crash reproduces. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Parses data cut at random points into separately allocated spans, so that reading
 * past any span's end is caught by the address sanitizer. */
static void parse_split(const uint8_t *data, size_t size, uint64_t *rng, struct sni_result *r)
{
	struct sni_span spans[MAX_SPANS];
	uint8_t *copies[MAX_SPANS];
	unsigned n = 1 + (unsigned)(next_random(rng) % MAX_SPANS);
	size_t at = 0;

	for (unsigned i = 0; i < n; i++) {
		size_t len = i + 1 == n ? size - at : (size_t)(next_random(rng) % (size - at + 1));
		copies[i] = malloc(len ? len : 1);
		if (len)
			memcpy(copies[i], data + at, len);
		spans[i] = (struct sni_span){ len ? copies[i] : NULL, (uint32_t)len };
		at += len;
	}
	sni_parse(spans, n, NULL, r);
	for (unsigned i = 0; i < n; i++)
		free(copies[i]);
}

static void check_complete(const struct sni_result *r, const uint8_t *data, size_t size)
{
	char again[SNI_NAME_MAX + 1];
	size_t len;
	struct sni_span span = { data, (uint32_t)r->wire_len };
	struct sni_result prefix;

	check(r->wire_len <= size && r->hello_len > 0, "complete hello lengths");
	if (r->has_sni) {
		check(r->host_len == strlen(r->host), "host length");
		check(sni_name_normalize(r->host, r->host_len, again, &len) == SNI_NAME_OK &&
			      len == r->host_len && strcmp(again, r->host) == 0,
		      "host is normalized");
	}
	check(r->alpn_kept <= SNI_ALPN_KEEP && r->alpn_kept <= r->alpn_count, "alpn counts");
	/* Any shorter prefix of a complete hello must ask for more, with a sane estimate. */
	span.len = (uint32_t)((r->wire_len * 7u + size) % r->wire_len);
	sni_parse(&span, 1, NULL, &prefix);
	check(prefix.verdict == SNI_NEED_MORE, "prefix of a complete hello");
	check(prefix.need_bytes >= 1 && span.len + prefix.need_bytes <= r->wire_len,
	      "need_bytes within the hello");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sni_result ref, split;
	struct sni_span one = { data, (uint32_t)size };
	struct sni_parse_config small = { 600, 3 };
	uint64_t rng = 0x9e1f00d5u ^ (uint64_t)size << 32;

	if (size > 65536)
		return 0;
	for (size_t i = 0; i < size && i < 64; i++)
		rng = (rng ^ data[i]) * 0x100000001b3ull;
	rng |= 1;
	sni_parse(&one, 1, NULL, &ref);
	if (ref.verdict == SNI_NEED_MORE)
		check(ref.need_bytes >= 1, "need_bytes set");
	if (ref.verdict == SNI_COMPLETE)
		check_complete(&ref, data, size);
	for (int round = 0; round < 3; round++) {
		parse_split(data, size, &rng, &split);
		check(same_result(&ref, &split), "split parse differs from single span");
	}
	sni_parse(&one, 1, &small, &split);
	check(split.verdict != SNI_COMPLETE || ref.verdict == SNI_COMPLETE, "cap only refuses");
	return 0;
}
