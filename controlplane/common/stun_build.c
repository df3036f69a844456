/* SPDX-License-Identifier: BSD-3-Clause */
/* The STUN message builder: see stun_msg.h. */
#include <string.h>
#include <sys/socket.h>

#include "mr_bytes.h"
#include "stun_internal.h"

/* The class bits sit between the method bits: M11..M7 C1 M6..M4 C0 M3..M0. */
static uint16_t type_of(uint16_t method, enum stun_class cls)
{
	unsigned int c = (unsigned int)cls;

	return (uint16_t)((method & 0x000f) | (method & 0x0070) << 1 | (method & 0x0f80) << 2 |
			  (c & 1) << 4 | (c & 2) << 7);
}

void stun_build_start(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
		      enum stun_class cls, const uint8_t tid[STUN_TID_LEN])
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->overflow = cap < STUN_HDR_LEN;
	if (b->overflow)
		return;
	mr_store_be16(buf, type_of(method, cls));
	mr_store_be16(buf + 2, 0);
	mr_store_be32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	b->len = STUN_HDR_LEN;
}

/* Room for an attribute of vlen value bytes, header and zero padding written and the
 * message length updated: the value's place, or NULL (and overflow) when it cannot be. */
static uint8_t *reserve(struct stun_builder *b, uint16_t type, size_t vlen)
{
	size_t need = ATTR_HDR_LEN + pad4(vlen);
	uint8_t *p;

	if (b->overflow || vlen > 0xffff || need > b->cap - b->len ||
	    need > MAX_BODY_LEN - (b->len - STUN_HDR_LEN)) {
		b->overflow = true;
		return NULL;
	}
	p = b->buf + b->len;
	mr_store_be16(p, type);
	mr_store_be16(p + 2, (uint16_t)vlen);
	memset(p + ATTR_HDR_LEN + vlen, 0, pad4(vlen) - vlen);
	b->len += need;
	mr_store_be16(b->buf + 2, (uint16_t)(b->len - STUN_HDR_LEN));
	return p + ATTR_HDR_LEN;
}

void stun_put_attr(struct stun_builder *b, uint16_t type, const void *value, size_t len)
{
	uint8_t *p = reserve(b, type, len);

	if (p && len)
		memcpy(p, value, len);
}

void stun_put_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	uint8_t *p = reserve(b, type, 4);

	if (p)
		mr_store_be32(p, v);
}

void stun_put_string(struct stun_builder *b, uint16_t type, const char *s)
{
	stun_put_attr(b, type, s, strlen(s));
}

static void put_address(struct stun_builder *b, uint16_t type, const struct stun_addr *a,
			bool xor)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	uint8_t *p;

	if (a->family != AF_INET && a->family != AF_INET6) {
		b->overflow = true;
		return;
	}
	p = reserve(b, type, 4 + alen);
	if (!p)
		return;
	p[0] = 0;
	p[1] = a->family == AF_INET ? FAMILY_IPV4 : FAMILY_IPV6;
	mr_store_be16(p + 2, a->port);
	memcpy(p + 4, a->ip, alen);
	if (xor)
		stun_xor_address(p, b->buf + 4, alen);
}

void stun_put_xor_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a)
{
	put_address(b, type, a, true);
}

void stun_put_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a)
{
	put_address(b, type, a, false);
}

void stun_put_requested_transport(struct stun_builder *b, uint8_t protocol)
{
	const uint8_t v[4] = { protocol, 0, 0, 0 }; /* then 24 RFFU bits */

	stun_put_attr(b, STUN_ATTR_REQUESTED_TRANSPORT, v, sizeof(v));
}

void stun_put_error_code(struct stun_builder *b, int code, const char *reason)
{
	size_t rlen = reason ? strlen(reason) : 0;
	uint8_t *p;

	if (code < 300 || code > 699 || rlen > STUN_MAX_TEXT) {
		b->overflow = true;
		return;
	}
	p = reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
	if (!p)
		return;
	mr_store_be16(p, 0);
	p[2] = (uint8_t)(code / 100);
	p[3] = (uint8_t)(code % 100);
	if (rlen)
		memcpy(p + 4, reason, rlen);
}

void stun_put_unknown_attributes(struct stun_builder *b, const uint16_t *types, size_t n)
{
	uint8_t *p = n <= 0xffff / 2 ? reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n) : NULL;

	if (!p) {
		b->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		mr_store_be16(p + 2 * i, types[i]);
}

void stun_put_password_algorithm(struct stun_builder *b, enum stun_pw_alg alg)
{
	uint8_t v[4];

	mr_store_be16(v, (uint16_t)alg);
	mr_store_be16(v + 2, 0); /* MD5 and SHA-256 take no parameters */
	stun_put_attr(b, STUN_ATTR_PASSWORD_ALGORITHM, v, sizeof(v));
}

/* The MAC attribute is reserved first, so the header length already ends at it. */
static void put_mac(struct stun_builder *b, uint16_t type, char *digest, size_t maclen,
		    const uint8_t *key, size_t keylen)
{
	size_t off = b->len;
	uint8_t mac[SHA256_MAC_LEN];
	uint8_t *p = reserve(b, type, maclen);

	if (!p)
		return;
	if (!stun_mac_upto(digest, key, keylen, b->buf, off, b->len - STUN_HDR_LEN, mac)) {
		b->overflow = true;
		return;
	}
	memcpy(p, mac, maclen);
}

void stun_put_integrity(struct stun_builder *b, const uint8_t *key, size_t keylen)
{
	put_mac(b, STUN_ATTR_MESSAGE_INTEGRITY, "SHA1", SHA1_MAC_LEN, key, keylen);
}

void stun_put_integrity_sha256(struct stun_builder *b, const uint8_t *key, size_t keylen)
{
	put_mac(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "SHA256", SHA256_MAC_LEN, key, keylen);
}

void stun_put_fingerprint(struct stun_builder *b)
{
	size_t off = b->len;
	uint8_t *p = reserve(b, STUN_ATTR_FINGERPRINT, 4);

	if (p)
		mr_store_be32(p, stun_crc32(b->buf, off) ^ FINGERPRINT_XOR);
}

int stun_build_finish(struct stun_builder *b)
{
	return b->overflow ? -1 : (int)b->len;
}
