/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_opts.h"

#include <string.h>

#include "mr_bytes.h"

static bool opt_record(const uint8_t *o, unsigned int off, unsigned int len,
		       struct tcp_opts *out)
{
	switch (o[0]) {
	case TCP_OPT_MSS:
		if (len != 4)
			return false;
		out->mss = mr_load_be16(o + 2);
		return true;
	case TCP_OPT_WSCALE:
		if (len != 3)
			return false;
		out->wscale = o[2] > 14 ? 14 : o[2]; /* RFC 7323: larger shifts mean 14 */
		return true;
	case TCP_OPT_SACK_PERM:
		out->sack_perm = true;
		return len == 2;
	case TCP_OPT_TS:
		if (len != 10)
			return false;
		out->has_ts = true;
		out->tsval = mr_load_be32(o + 2);
		out->tsecr = mr_load_be32(o + 6);
		out->ts_off = (uint8_t)(off + 2);
		return true;
	case TCP_OPT_SACK:
		if (len < 10 || (len - 2) % 8 != 0)
			return false;
		out->sack_off = (uint8_t)(off + 2);
		out->sack_blocks = (uint8_t)((len - 2) / 8);
		return true;
	default:
		return true; /* unknown options pass untouched */
	}
}

bool tcp_opts_parse(const uint8_t *tcp_hdr, unsigned int hdr_len, struct tcp_opts *out)
{
	static const uint8_t nop_nop_ts[4] = { TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_TS, 10 };

	memset(out, 0, sizeof(*out));
	out->wscale = TCP_WSCALE_NONE;
	/* What Linux and most stacks send on every segment of a connection with timestamps
	 * (RFC 7323 appendix A's layout), read at once: a third of the walk's cost. */
	if (hdr_len == 32 && memcmp(tcp_hdr + 20, nop_nop_ts, 4) == 0) {
		out->has_ts = true;
		out->tsval = mr_load_be32(tcp_hdr + 24);
		out->tsecr = mr_load_be32(tcp_hdr + 28);
		out->ts_off = 24;
		return true;
	}
	for (unsigned int off = 20; off < hdr_len;) {
		const uint8_t *o = tcp_hdr + off;
		unsigned int len;

		if (o[0] == TCP_OPT_EOL)
			break;
		if (o[0] == TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= hdr_len)
			return false;
		len = o[1];
		if (len < 2 || off + len > hdr_len || !opt_record(o, off, len, out))
			return false;
		off += len;
	}
	return true;
}

unsigned int tcp_opts_write_syn(uint8_t *buf, uint16_t mss, uint8_t wscale, bool sack_perm,
				bool ts, uint32_t tsval, uint32_t tsecr)
{
	unsigned int n = 0;

	buf[n++] = TCP_OPT_MSS;
	buf[n++] = 4;
	buf[n++] = (uint8_t)(mss >> 8);
	buf[n++] = (uint8_t)mss;
	if (sack_perm) {
		buf[n++] = TCP_OPT_SACK_PERM;
		buf[n++] = 2;
	} else if (ts) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_NOP;
	}
	if (ts) {
		buf[n++] = TCP_OPT_TS;
		buf[n++] = 10;
		mr_store_be32(buf + n, tsval);
		mr_store_be32(buf + n + 4, tsecr);
		n += 8;
	} else if (sack_perm) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_NOP;
	}
	if (wscale != TCP_WSCALE_NONE) {
		buf[n++] = TCP_OPT_NOP;
		buf[n++] = TCP_OPT_WSCALE;
		buf[n++] = 3;
		buf[n++] = wscale;
	}
	return n;
}

unsigned int tcp_opts_write_ts(uint8_t *buf, uint32_t tsval, uint32_t tsecr)
{
	buf[0] = TCP_OPT_NOP;
	buf[1] = TCP_OPT_NOP;
	buf[2] = TCP_OPT_TS;
	buf[3] = 10;
	mr_store_be32(buf + 4, tsval);
	mr_store_be32(buf + 8, tsecr);
	return 12;
}
