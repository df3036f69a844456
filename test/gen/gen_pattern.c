/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_random.h>

#include "gen.h"

/* A random table read at (offset + seed) mod its size; doubled so that any slice up to
 * GEN_PATTERN_SIZE bytes is contiguous. A lost, repeated or misplaced segment then shows
 * as a mismatch unless it lands a whole table period away, which a window never spans. */
#define GEN_PATTERN_SIZE 4096u
static uint8_t pattern[2 * GEN_PATTERN_SIZE];

void gen_pattern_init(void)
{
	for (uint32_t i = 0; i < GEN_PATTERN_SIZE; i++)
		pattern[i] = pattern[i + GEN_PATTERN_SIZE] = (uint8_t)rte_rand();
}

uint32_t gen_pattern_seed(uint32_t slot, uint32_t gen_no, int dir)
{
	uint64_t x = ((uint64_t)slot << 32 | gen_no) * 0x9e3779b97f4a7c15ull + (uint64_t)dir;

	x ^= x >> 29;
	return (uint32_t)(x * 0xbf58476d1ce4e5b9ull >> 40) % GEN_PATTERN_SIZE;
}

const uint8_t *gen_pattern_at(uint32_t seed, uint64_t off)
{
	return &pattern[(seed + off) % GEN_PATTERN_SIZE];
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t rd24(const uint8_t *p) { return (uint32_t)p[0] << 16 | rd16(p + 1); }
static void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void wr24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 16); wr16(p + 1, v); }

/* Offset of the extensions block (its 2-byte length) in a one-record hello, or 0. */
static uint32_t extensions_at(const uint8_t *h, uint32_t len)
{
	uint32_t at = 5 + 4 + 2 + 32;

	if (len < at + 1 || h[0] != 0x16 || h[5] != 0x01 || rd16(h + 3) != len - 5 ||
	    rd24(h + 6) != len - 9)
		return 0;
	at += 1 + h[at];                       /* session id */
	if (at + 2 > len)
		return 0;
	at += 2 + rd16(h + at);                /* cipher suites */
	if (at + 1 > len)
		return 0;
	at += 1 + h[at];                       /* compression methods */
	if (at + 2 > len || at + 2 + rd16(h + at) != len)
		return 0;
	return at;
}

int gen_hello_build(const char *file, const char *suffix, uint32_t k, struct gen_hello *out)
{
	uint8_t cap[GEN_HELLO_MAX];
	char name[256];
	FILE *f = fopen(file, "rb");
	size_t len;
	uint32_t ext, at, end, o;
	int nlen = snprintf(name, sizeof(name), "s%u.%s", k, suffix);

	if (!f) {
		fprintf(stderr, "meshrelay-gen: cannot open hello capture %s\n", file);
		return -1;
	}
	len = fread(cap, 1, sizeof(cap), f);
	fclose(f);
	ext = extensions_at(cap, (uint32_t)len);
	if (!ext || nlen <= 0 || nlen > 200) {
		fprintf(stderr, "meshrelay-gen: %s is not a one-record ClientHello of at most %u "
			"bytes (or the name is too long)\n", file, GEN_HELLO_MAX);
		return -1;
	}
	/* Copy everything up to the extensions, then each extension but server_name, and
	 * put our own server_name first. */
	memcpy(out->bytes, cap, ext + 2);
	o = ext + 2;
	wr16(out->bytes + o, 0);
	wr16(out->bytes + o + 2, (uint32_t)nlen + 5);
	wr16(out->bytes + o + 4, (uint32_t)nlen + 3);
	out->bytes[o + 6] = 0;
	wr16(out->bytes + o + 7, (uint32_t)nlen);
	memcpy(out->bytes + o + 9, name, (size_t)nlen);
	o += 9 + (uint32_t)nlen;
	end = (uint32_t)len;
	for (at = ext + 2; at + 4 <= end; at += 4 + rd16(cap + at + 2)) {
		uint32_t elen = 4 + rd16(cap + at + 2);

		if (at + elen > end || o + elen > GEN_HELLO_MAX) {
			fprintf(stderr, "meshrelay-gen: %s: extension overruns the hello\n", file);
			return -1;
		}
		if (rd16(cap + at) != 0) {
			memcpy(out->bytes + o, cap + at, elen);
			o += elen;
		}
	}
	wr16(out->bytes + ext, o - ext - 2);
	wr16(out->bytes + 3, o - 5);
	wr24(out->bytes + 6, o - 9);
	out->len = o;
	return 0;
}

void gen_client_bytes(const struct gen *g, const struct gen_half *h, uint32_t gen_no,
		      uint64_t off, uint32_t len, uint8_t *dst)
{
	const struct gen_hello *hello = &g->hellos[h->route];
	uint32_t seed = gen_pattern_seed(h->conn, gen_no, 0);

	while (len) {
		uint32_t n;

		if (off >= hello->len) {
			memcpy(dst, gen_pattern_at(seed, off - hello->len), len);
			return;
		}
		if (off >= GEN_RANDOM_OFF && off < GEN_RANDOM_END) {
			/* The random: our slot and generation, then pattern bytes. */
			uint8_t r[32];
			uint32_t le_slot = rte_cpu_to_le_32(h->conn), le_gen = rte_cpu_to_le_32(gen_no);

			memcpy(r, &le_slot, 4);
			memcpy(r + 4, &le_gen, 4);
			memcpy(r + 8, gen_pattern_at(seed ^ 0x5a5, 0), 24);
			n = RTE_MIN(len, GEN_RANDOM_END - (uint32_t)off);
			memcpy(dst, r + (off - GEN_RANDOM_OFF), n);
		} else {
			uint32_t stop = off < GEN_RANDOM_OFF ? GEN_RANDOM_OFF : hello->len;

			n = RTE_MIN(len, stop - (uint32_t)off);
			memcpy(dst, hello->bytes + off, n);
		}
		dst += n;
		off += n;
		len -= n;
	}
}
