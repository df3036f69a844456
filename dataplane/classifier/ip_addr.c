/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4/IPv6 address helpers: strict text parsing and prefix matching. */
#include "ip_addr.h"

#include <stdio.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

struct ip_addr ip_addr_v4(uint32_t host_order)
{
	struct ip_addr a;

	memset(&a, 0, sizeof(a));
	a.family = IP_ADDR_FAMILY_V4;
	a.bytes[0] = (uint8_t)(host_order >> 24);
	a.bytes[1] = (uint8_t)(host_order >> 16);
	a.bytes[2] = (uint8_t)(host_order >> 8);
	a.bytes[3] = (uint8_t)host_order;
	return a;
}

struct ip_addr ip_addr_v6(const uint8_t bytes[16])
{
	struct ip_addr a;

	memset(&a, 0, sizeof(a));
	/* A mapped address reaches the same IPv4 host: treat it as that host so that an
	 * IPv4 allow-list cannot be sidestepped by spelling the address in IPv6. */
	if (memcmp(bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		a.family = IP_ADDR_FAMILY_V4;
		memcpy(a.bytes, bytes + 12, 4);
		return a;
	}
	a.family = IP_ADDR_FAMILY_V6;
	memcpy(a.bytes, bytes, 16);
	return a;
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

bool ip_bytes_in_prefix(const uint8_t *addr, const uint8_t *prefix, unsigned prefix_len)
{
	unsigned full = prefix_len / 8, rest = prefix_len % 8;

	if (memcmp(addr, prefix, full) != 0)
		return false;
	return rest == 0 || ((addr[full] ^ prefix[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool ip_addr_in_prefix(const struct ip_addr *addr, const struct ip_addr *prefix,
		       unsigned prefix_len)
{
	unsigned width = addr->family == IP_ADDR_FAMILY_V4 ? 32 : 128;

	if (addr->family != prefix->family || prefix_len > width)
		return false;
	return ip_bytes_in_prefix(addr->bytes, prefix->bytes, prefix_len);
}

bool ip_addr_is_special(const struct ip_addr *addr)
{
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 };
	static const uint8_t zero[16];
	const uint8_t *b = addr->bytes;

	if (addr->family == IP_ADDR_FAMILY_V4)
		return b[0] == 0 || b[0] == 127 || b[0] >= 224 || /* 0/8, 127/8, 224/4, 240/4 */
		       (b[0] == 169 && b[1] == 254); /* link-local: a cloud's metadata service */
	return memcmp(b, zero, 12) == 0 ||      /* ::, ::1 and IPv4-compatible ::a.b.c.d */
	       b[0] == 0xff ||                  /* multicast */
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || /* link-local fe80::/10 */
	       memcmp(b, nat64, 12) == 0 || memcmp(b, nat64_local, 6) == 0 ||
	       (b[0] == 0x20 && b[1] == 0x02) || /* 6to4 */
	       (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0); /* Teredo 2001::/32 */
}

bool ip_addr_is_no_host(const struct ip_addr *addr)
{
	static const uint8_t zero[16];
	const uint8_t *b = addr->bytes;

	if (addr->family == IP_ADDR_FAMILY_V4)
		return b[0] == 0 || b[0] >= 224;
	return memcmp(b, zero, 16) == 0 || b[0] == 0xff;
}

bool ip_addr_is_prefix_edge(const struct ip_addr *addr, const struct ip_addr *prefix,
			    unsigned prefix_len)
{
	uint32_t a, host_mask;

	if (addr->family != IP_ADDR_FAMILY_V4 || prefix->family != IP_ADDR_FAMILY_V4 ||
	    prefix_len > 30)
		return false;
	a = (uint32_t)addr->bytes[0] << 24 | (uint32_t)addr->bytes[1] << 16 |
	    (uint32_t)addr->bytes[2] << 8 | addr->bytes[3];
	host_mask = prefix_len ? ~0u >> prefix_len : ~0u;
	return (a & host_mask) == 0 || (a & host_mask) == host_mask;
}

/* Reads one decimal octet at text[*pos]; rejects "", "01", and values above 255. */
static bool parse_octet(const char *text, size_t len, size_t *pos, uint8_t *out)
{
	size_t start = *pos;
	unsigned value = 0;

	while (*pos < len && text[*pos] >= '0' && text[*pos] <= '9' && *pos - start < 3) {
		value = value * 10 + (unsigned)(text[*pos] - '0');
		(*pos)++;
	}
	if (*pos == start || value > 255)
		return false;
	if (*pos - start > 1 && text[start] == '0')
		return false;
	*out = (uint8_t)value;
	return true;
}

bool ip_addr_parse_v4(const char *text, size_t len, char sep, struct ip_addr *out)
{
	uint8_t octets[4];
	size_t pos = 0;

	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (pos >= len || text[pos] != sep)
				return false;
			pos++;
		}
		if (!parse_octet(text, len, &pos, &octets[i]))
			return false;
	}
	if (pos != len)
		return false;
	*out = ip_addr_v4((uint32_t)octets[0] << 24 | (uint32_t)octets[1] << 16 |
			  (uint32_t)octets[2] << 8 | octets[3]);
	return true;
}

/* The value of one hex digit of an IPv6 group, -1 for any other character. */
static int group_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads one 1..4 digit hex group at text[*pos]. */
static bool parse_group(const char *text, size_t len, size_t *pos, uint16_t *out)
{
	size_t start = *pos;
	unsigned value = 0;
	int d;

	while (*pos < len && *pos - start < 4 && (d = group_digit(text[*pos])) >= 0) {
		value = value << 4 | (unsigned)d;
		(*pos)++;
	}
	if (*pos == start)
		return false;
	*out = (uint16_t)value;
	return true;
}

bool ip_addr_parse_v6(const char *text, size_t len, char sep, struct ip_addr *out)
{
	uint16_t groups[8];
	int count = 0, gap_at = -1;
	size_t pos = 0;

	if (len >= 2 && text[0] == sep && text[1] == sep) {
		gap_at = 0;
		pos = 2;
	}
	while (pos < len) {
		if (count == 8 || !parse_group(text, len, &pos, &groups[count]))
			return false;
		count++;
		if (pos == len)
			break;
		if (text[pos] != sep)
			return false;
		pos++;
		if (pos < len && text[pos] == sep) {
			if (gap_at >= 0)
				return false;
			gap_at = count;
			pos++;
		} else if (pos == len) {
			return false; /* a single trailing separator */
		}
	}
	if (gap_at < 0 ? count != 8 : count > 7)
		return false;

	uint8_t bytes[16];
	int zeros = 8 - count, g = 0;
	for (int slot = 0; slot < 8; slot++) {
		uint16_t v = 0;
		if (gap_at >= 0 && slot >= gap_at && slot < gap_at + zeros)
			v = 0;
		else
			v = groups[g++];
		bytes[2 * slot] = (uint8_t)(v >> 8);
		bytes[2 * slot + 1] = (uint8_t)v;
	}
	*out = ip_addr_v6(bytes);
	return true;
}

bool ip_addr_parse(const char *text, struct ip_addr *out)
{
	size_t len = strlen(text);

	if (memchr(text, ':', len))
		return ip_addr_parse_v6(text, len, ':', out);
	return ip_addr_parse_v4(text, len, '.', out);
}

char *ip_addr_format(const struct ip_addr *addr, char *buf, size_t buf_len)
{
	const uint8_t *b = addr->bytes;

	if (addr->family == IP_ADDR_FAMILY_V4) {
		snprintf(buf, buf_len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		return buf;
	}
	snprintf(buf, buf_len, "%x:%x:%x:%x:%x:%x:%x:%x", b[0] << 8 | b[1], b[2] << 8 | b[3],
		 b[4] << 8 | b[5], b[6] << 8 | b[7], b[8] << 8 | b[9], b[10] << 8 | b[11],
		 b[12] << 8 | b[13], b[14] << 8 | b[15]);
	return buf;
}
