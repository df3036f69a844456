#include "proxy_v2.h"

#include <string.h>

static const uint8_t signature[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

#define PP2_VERSION_PROXY 0x21   /* version 2, command PROXY */
#define PP2_TCP_OVER_IPV4 0x11
#define PP2_TYPE_AUTHORITY 0x02

size_t proxy_v2_build(uint8_t *buf, size_t buflen, uint32_t src_ip, uint16_t src_port,
		      uint32_t dst_ip, uint16_t dst_port, const char *authority)
{
	size_t auth_len = authority ? strnlen(authority, 255) : 0;
	size_t body = 12 + (auth_len ? 3 + auth_len : 0);
	size_t total = 16 + body;
	uint8_t *p = buf;

	if (total > buflen)
		return 0;
	memcpy(p, signature, sizeof(signature));
	p[12] = PP2_VERSION_PROXY;
	p[13] = PP2_TCP_OVER_IPV4;
	p[14] = (uint8_t)(body >> 8);
	p[15] = (uint8_t)body;
	p += 16;
	/* Addresses and ports are already in network byte order: copy their bytes. */
	memcpy(p, &src_ip, 4);
	memcpy(p + 4, &dst_ip, 4);
	memcpy(p + 8, &src_port, 2);
	memcpy(p + 10, &dst_port, 2);
	p += 12;
	if (auth_len) {
		p[0] = PP2_TYPE_AUTHORITY;
		p[1] = (uint8_t)(auth_len >> 8);
		p[2] = (uint8_t)auth_len;
		memcpy(p + 3, authority, auth_len);
	}
	return total;
}
