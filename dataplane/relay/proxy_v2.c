/* SPDX-License-Identifier: BSD-3-Clause */
#include "proxy_v2.h"

#include <string.h>

static const uint8_t signature[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

#define PP2_VERSION_PROXY 0x21   /* version 2, command PROXY */
#define PP2_TCP_OVER_IPV4 0x11
#define PP2_TYPE_AUTHORITY 0x02

#define PP2_TCP_OVER_IPV6 0x21

/* Header with an address block of addr_len bytes (written by the caller at the returned
 * pointer) and the authority TLV after it; NULL when buf is too small. */
static uint8_t *build(uint8_t *buf, size_t buflen, uint8_t family, size_t addr_len,
		      const char *authority, size_t *total_out)
{
	size_t auth_len = authority ? strnlen(authority, 255) : 0;
	size_t body = addr_len + (auth_len ? 3 + auth_len : 0);
	size_t total = 16 + body;
	uint8_t *p = buf;

	if (total > buflen)
		return NULL;
	memcpy(p, signature, sizeof(signature));
	p[12] = PP2_VERSION_PROXY;
	p[13] = family;
	p[14] = (uint8_t)(body >> 8);
	p[15] = (uint8_t)body;
	if (auth_len) {
		uint8_t *t = p + 16 + addr_len;

		t[0] = PP2_TYPE_AUTHORITY;
		t[1] = (uint8_t)(auth_len >> 8);
		t[2] = (uint8_t)auth_len;
		memcpy(t + 3, authority, auth_len);
	}
	*total_out = total;
	return p + 16;
}

size_t proxy_v2_build(uint8_t *buf, size_t buflen, uint32_t src_ip, uint16_t src_port,
		      uint32_t dst_ip, uint16_t dst_port, const char *authority)
{
	size_t total;
	uint8_t *p = build(buf, buflen, PP2_TCP_OVER_IPV4, 12, authority, &total);

	if (!p)
		return 0;
	/* Addresses and ports are already in network byte order: copy their bytes. */
	memcpy(p, &src_ip, 4);
	memcpy(p + 4, &dst_ip, 4);
	memcpy(p + 8, &src_port, 2);
	memcpy(p + 10, &dst_port, 2);
	return total;
}

size_t proxy_v2_build6(uint8_t *buf, size_t buflen, const uint8_t src_ip[16], uint16_t src_port,
		       const uint8_t dst_ip[16], uint16_t dst_port, const char *authority)
{
	size_t total;
	uint8_t *p = build(buf, buflen, PP2_TCP_OVER_IPV6, 36, authority, &total);

	if (!p)
		return 0;
	memcpy(p, src_ip, 16);
	memcpy(p + 16, dst_ip, 16);
	memcpy(p + 32, &src_port, 2);
	memcpy(p + 34, &dst_port, 2);
	return total;
}

size_t proxy_v2_add_tlv(uint8_t *buf, size_t len, size_t buflen, uint8_t type,
			const void *value, uint16_t vlen)
{
	size_t body = (size_t)buf[14] << 8 | buf[15];

	if (len < 16 || len + 3u + vlen > buflen || body + 3u + vlen > 0xffff)
		return 0;
	buf[len] = type;
	buf[len + 1] = (uint8_t)(vlen >> 8);
	buf[len + 2] = (uint8_t)vlen;
	memcpy(buf + len + 3, value, vlen);
	body += 3u + vlen;
	buf[14] = (uint8_t)(body >> 8);
	buf[15] = (uint8_t)body;
	return len + 3u + vlen;
}
