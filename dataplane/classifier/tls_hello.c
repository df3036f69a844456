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

static void put_list16(struct out *o, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put16(o, v[i]);
}

/*
 * What the check offers: as much as a mainstream client (a browser, OpenSSL's defaults), so
 * that a member any of them can reach answers with a ServerHello, not a handshake_failure
 * (a certificate of an Ed25519, P-521 or RSA-PSS key; an old server with only RSA key
 * exchange or DHE). The check verifies nothing it is sent and sends no secret, so old
 * algorithms put nothing at risk; they come last, for a server with nothing better.
 */
static const uint16_t offered_suites[] = {
	0x1301, 0x1302, 0x1303,                         /* TLS 1.3 */
	0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, /* ECDHE, AEAD */
	0xc009, 0xc013, 0xc00a, 0xc014,                 /* ECDHE, CBC */
	0xc023, 0xc027, 0xc024, 0xc028,
	0x009e, 0x009f, 0xccaa,                         /* DHE-RSA, AEAD */
	0x0067, 0x006b, 0x0033, 0x0039,                 /* DHE-RSA, CBC */
	0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035, /* RSA key exchange */
	0x00ff, /* secure renegotiation (RFC 5746), for servers that insist on it */
};

static const uint16_t offered_groups[] = {
	0x001d, 0x0017, 0x001e, 0x0019, 0x0018, /* x25519, P-256, x448, P-521, P-384 */
	0x0100, 0x0101,                         /* ffdhe2048, ffdhe3072 (RFC 7919 DHE) */
};

static const uint16_t offered_sigalgs[] = {
	0x0403, 0x0503, 0x0603, /* ECDSA P-256, P-384, P-521 */
	0x0807, 0x0808,         /* Ed25519, Ed448 */
	0x0809, 0x080a, 0x080b, /* RSA-PSS, PSS keys */
	0x0804, 0x0805, 0x0806, /* RSA-PSS, rsaEncryption keys */
	0x0401, 0x0501, 0x0601, /* RSA PKCS#1 v1.5 (TLS 1.2) */
	0x0203, 0x0201,         /* SHA-1: TLS 1.2 servers that sign with nothing newer */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Extension type, then a list of 16-bit values behind its 16-bit length in bytes. */
static void list_extension(struct out *o, unsigned type, const uint16_t *v, size_t n)
{
	put16(o, type);
	put16(o, (unsigned)(2 * n + 2));
	put16(o, (unsigned)(2 * n));
	put_list16(o, v, n);
}

static void server_name(struct out *o, const char *sni, size_t sni_len)
{
	size_t at, inner;

	put16(o, 0x0000);
	at = open_len(o, 2);
	inner = open_len(o, 2);
	put8(o, 0); /* host_name */
	put16(o, (unsigned)sni_len);
	put(o, sni, sni_len);
	patch_len(o, inner, 2);
	patch_len(o, at, 2);
}

static void extensions(struct out *o, const char *sni, size_t sni_len, const uint8_t *share)
{
	server_name(o, sni, sni_len);
	put16(o, 0x0017); /* extended_master_secret: TLS 1.2 servers may require it */
	put16(o, 0);
	list_extension(o, 0x000a, offered_groups, COUNT(offered_groups)); /* supported_groups */
	put16(o, 0x000b); /* ec_point_formats: uncompressed (TLS 1.2 servers) */
	put16(o, 2);
	put8(o, 1);
	put8(o, 0);
	list_extension(o, 0x000d, offered_sigalgs, COUNT(offered_sigalgs)); /* signature_algorithms */
	put16(o, 0x002b); /* supported_versions: 1.3, 1.2 */
	put16(o, 5);
	put8(o, 4);
	put16(o, 0x0304);
	put16(o, 0x0303);
	/* key_share: x25519 alone; a server that wants another group answers with a
	 * HelloRetryRequest, which is a ServerHello as far as the check goes. */
	put16(o, 0x0033);
	put16(o, 38);
	put16(o, 36);
	put16(o, 0x001d);
	put16(o, 32);
	put(o, share, 32);
}

/* RFC 7685: some servers hang on a ClientHello message of 256 to 511 bytes; one of that
 * length (msg, its handshake header included) is padded to 512, as browsers do, with at
 * least one byte (some servers refuse an empty last extension). Last of the extensions. */
static void pad(struct out *o, size_t msg)
{
	size_t body;

	if (msg < 256 || msg > 511)
		return;
	body = msg + 4 + 1 <= 512 ? 512 - 4 - msg : 1;
	put16(o, 0x0015);
	put16(o, (unsigned)body);
	for (size_t i = 0; i < body; i++)
		put8(o, 0);
}

size_t tls_hello_build(uint8_t *buf, size_t cap, const char *sni, const uint8_t entropy[64])
{
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
	put16(&o, (unsigned)sizeof(offered_suites));
	put_list16(&o, offered_suites, COUNT(offered_suites));
	put8(&o, 1); /* compression: null */
	put8(&o, 0);
	ext = open_len(&o, 2);
	extensions(&o, sni, sni_len, entropy + 32);
	pad(&o, o.len - handshake + 1);
	patch_len(&o, ext, 2);
	patch_len(&o, handshake, 3);
	patch_len(&o, record, 2);
	return o.failed ? 0 : o.len;
}

enum {
	TLS_ALERT = 0x15,
	TLS_HANDSHAKE = 0x16,
	TLS_SERVER_HELLO = 0x02,
	TLS_LEVEL_WARNING = 1,
	TLS_CLOSE_NOTIFY = 0,
	RECORD_HEADER = 5,
};

/* Whether a record header just read may start an answer: a handshake record that holds a
 * message header at least, an alert record of one alert (as every TLS stack sends them). */
static int header_ok(const struct tls_answer *a)
{
	if (a->type == TLS_HANDSHAKE)
		return a->len >= 4 ? 0 : -1;
	return a->len == 2 ? 0 : -1;
}

/* Byte at of an alert record's body. A warning is passed over (the server goes on with
 * its handshake), but for close_notify: the server is closing. */
static int alert_byte(struct tls_answer *a, unsigned int at, uint8_t b)
{
	if (at == 0)
		return b == TLS_LEVEL_WARNING ? 0 : -1;
	if (b == TLS_CLOSE_NOTIFY || ++a->warnings > TLS_ANSWER_WARNINGS_MAX)
		return -1;
	a->off = 0; /* the next record */
	a->len = 0;
	return 0;
}

static int answer_byte(struct tls_answer *a, uint8_t b)
{
	unsigned int at = a->off++;

	if (at == 0) {
		a->type = b;
		return b == TLS_HANDSHAKE || b == TLS_ALERT ? 0 : -1;
	}
	if (at < 3)
		return 0; /* the record's version: servers differ, and it decides nothing */
	if (at < RECORD_HEADER) {
		a->len = (uint16_t)(a->len << 8 | b);
		return at == RECORD_HEADER - 1 ? header_ok(a) : 0;
	}
	if (a->type == TLS_HANDSHAKE)
		return b == TLS_SERVER_HELLO ? 1 : -1;
	return alert_byte(a, at - RECORD_HEADER, b);
}

int tls_answer_feed(struct tls_answer *a, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && a->verdict == 0; i++) {
		a->verdict = (int8_t)answer_byte(a, p[i]);
		a->read++;
	}
	return a->verdict;
}
