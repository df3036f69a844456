/* SPDX-License-Identifier: BSD-3-Clause */
#include "tls_hello.h"

#include <string.h>

/* Appends to a buffer; any write past cap marks it failed instead. */
struct out {
	uint8_t *p;
	size_t len, cap;
	int failed;
};

static void put(struct out *o, const void *src, size_t n)
{
	if (o->failed || o->len + n > o->cap) {
		o->failed = 1;
		return;
	}
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void put8(struct out *o, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(o, &b, 1);
}

static void put16(struct out *o, unsigned v)
{
	put8(o, v >> 8);
	put8(o, v);
}

/* Fill in the 16-bit (or 24-bit) length of what was written since at. */
static void patch_len(struct out *o, size_t at, unsigned bytes)
{
	size_t n = o->len - at - bytes;

	if (o->failed)
		return;
	if (bytes == 3)
		o->p[at++] = (uint8_t)(n >> 16);
	o->p[at] = (uint8_t)(n >> 8);
	o->p[at + 1] = (uint8_t)n;
}

static size_t open_len(struct out *o, unsigned bytes)
{
	size_t at = o->len;

	for (unsigned i = 0; i < bytes; i++)
		put8(o, 0);
	return at;
}

static void extensions(struct out *o, const char *sni, size_t sni_len, const uint8_t *share)
{
	static const uint8_t groups[] = { 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18 };
	static const uint8_t sigalgs[] = { 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
					   0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01 };
	size_t at, inner;

	put16(o, 0x0000); /* server_name */
	at = open_len(o, 2);
	inner = open_len(o, 2);
	put8(o, 0); /* host_name */
	put16(o, (unsigned)sni_len);
	put(o, sni, sni_len);
	patch_len(o, inner, 2);
	patch_len(o, at, 2);
	put16(o, 0x000a); /* supported_groups: x25519, secp256r1, secp384r1 */
	put16(o, sizeof(groups) + 2);
	put16(o, sizeof(groups));
	put(o, groups, sizeof(groups));
	put16(o, 0x000b); /* ec_point_formats: uncompressed (TLS 1.2 servers) */
	put16(o, 2);
	put8(o, 1);
	put8(o, 0);
	put16(o, 0x000d); /* signature_algorithms */
	put16(o, sizeof(sigalgs) + 2);
	put16(o, sizeof(sigalgs));
	put(o, sigalgs, sizeof(sigalgs));
	put16(o, 0x002b); /* supported_versions: 1.3, 1.2 */
	put16(o, 5);
	put8(o, 4);
	put16(o, 0x0304);
	put16(o, 0x0303);
	put16(o, 0x0033); /* key_share: x25519 */
	put16(o, 38);
	put16(o, 36);
	put16(o, 0x001d);
	put16(o, 32);
	put(o, share, 32);
}

size_t tls_hello_build(uint8_t *buf, size_t cap, const char *sni, const uint8_t entropy[64])
{
	static const uint8_t suites[] = { 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b,
					  0xc0, 0x2f, 0xc0, 0x2c, 0xc0, 0x30, 0xcc, 0xa9,
					  0xcc, 0xa8 };
	struct out o = { .p = buf, .cap = cap };
	size_t sni_len = sni ? strlen(sni) : 0;
	size_t record, handshake, ext;

	if (sni_len == 0 || sni_len > 253)
		return 0;
	put8(&o, 0x16); /* handshake record, TLS 1.0 on the record layer as clients send */
	put16(&o, 0x0301);
	record = open_len(&o, 2);
	put8(&o, 0x01); /* client_hello */
	handshake = open_len(&o, 3);
	put16(&o, 0x0303);
	put(&o, entropy, 32);
	put8(&o, 0); /* no session id */
	put16(&o, sizeof(suites));
	put(&o, suites, sizeof(suites));
	put8(&o, 1); /* compression: null */
	put8(&o, 0);
	ext = open_len(&o, 2);
	extensions(&o, sni, sni_len, entropy + 32);
	patch_len(&o, ext, 2);
	patch_len(&o, handshake, 3);
	patch_len(&o, record, 2);
	return o.failed ? 0 : o.len;
}

int tls_hello_answer(const uint8_t *p, size_t len)
{
	if (len >= 1 && p[0] != 0x16)
		return -1; /* an alert (0x15) or not TLS */
	if (len < 6)
		return 0;
	return p[5] == 0x02 ? 1 : -1;
}
