/* SPDX-License-Identifier: BSD-3-Clause */
#include "proxy_v2_read.h"

#include <string.h>

static const uint8_t proxy_v2_sig[PROXY_V2_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

#define PP2_HDR_LEN 16u
#define PP2_TYPE_AUTHORITY 0x02

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The address block of family byte fam (TCP or UDP over IPv4/IPv6, or UNSPEC) into out;
 * its length, or -1 when it does not fit in avail bytes or the family is unknown. */
static int read_addresses(uint8_t fam, const uint8_t *a, size_t avail, struct proxy_v2_info *out)
{
	uint8_t af = fam >> 4, proto = fam & 0x0f;
	size_t alen = af == 1 ? 4 : 16;

	if (af == 0) {
		out->family = 0;
		return 0;
	}
	if ((af != 1 && af != 2) || (proto != 1 && proto != 2) || avail < 2 * alen + 4)
		return -1;
	out->family = af == 1 ? 4 : 6;
	memcpy(out->src, a, alen);
	memcpy(out->dst, a + alen, alen);
	out->src_port = be16(a + 2 * alen);
	out->dst_port = be16(a + 2 * alen + 2);
	return (int)(2 * alen + 4);
}

/* The TLVs in t[0..len): each must fit; the authority and a gateway's mark that a hello
 * follows are remembered. */
static bool read_tlvs(const uint8_t *t, size_t len, struct proxy_v2_info *out)
{
	while (len) {
		uint16_t vlen;

		if (len < 3)
			return false;
		vlen = be16(t + 1);
		if (len - 3 < vlen)
			return false;
		if (t[0] == PP2_TYPE_AUTHORITY) {
			out->authority = t + 3;
			out->authority_len = vlen;
		}
		if (t[0] == PROXY_V2_TYPE_HELLO_FOLLOWS && vlen == 1 && t[3] == 1)
			out->hello_follows = true;
		t += 3u + vlen;
		len -= 3u + vlen;
	}
	return true;
}

enum proxy_v2_verdict proxy_v2_read(const uint8_t *buf, size_t len, struct proxy_v2_info *out)
{
	size_t sig = len < PROXY_V2_SIG_LEN ? len : PROXY_V2_SIG_LEN;
	uint16_t body;
	int alen;

	if (len == 0)
		return PROXY_V2_NEED_MORE;
	if (memcmp(buf, proxy_v2_sig, sig) != 0)
		return PROXY_V2_NONE;
	if (len < PP2_HDR_LEN)
		return PROXY_V2_NEED_MORE;
	if ((buf[12] & 0xf0) != 0x20 || (buf[12] & 0x0f) > 1)
		return PROXY_V2_BAD; /* version 2, command LOCAL or PROXY */
	body = be16(buf + 14);
	if (PP2_HDR_LEN + body > PROXY_V2_READ_MAX)
		return PROXY_V2_BAD;
	if (len < PP2_HDR_LEN + body)
		return PROXY_V2_NEED_MORE;
	memset(out, 0, sizeof(*out));
	out->header_len = (uint16_t)(PP2_HDR_LEN + body);
	out->local = (buf[12] & 0x0f) == 0;
	alen = read_addresses(buf[13], buf + PP2_HDR_LEN, body, out);
	if (alen < 0 || !read_tlvs(buf + PP2_HDR_LEN + alen, body - (size_t)alen, out))
		return PROXY_V2_BAD;
	return PROXY_V2_OK;
}
