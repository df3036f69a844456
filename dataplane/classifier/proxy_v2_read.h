/* SPDX-License-Identifier: BSD-3-Clause */
/* Reads a PROXY protocol version 2 header (HAProxy's specification): what another gateway
 * puts in front of a plain TCP connection it relays, naming the service in its authority
 * TLV and the port in its destination. Plain C, no I/O. */
#ifndef MR_PROXY_V2_READ_H
#define MR_PROXY_V2_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A TLV of the custom range (0xE0-0xEF, the protocol's own never) that one gateway puts in
 * the header it sends another before a ClientHello: 1 byte, 1. The other routes by the
 * hello that follows, not by the header's authority and port (a plain service's). */
#define PROXY_V2_TYPE_HELLO_FOLLOWS 0xe0

/* Headers longer than this are refused: address block and TLVs of a relay's header fit. */
#define PROXY_V2_READ_MAX 536u
#define PROXY_V2_SIG_LEN 12u

enum proxy_v2_verdict {
	PROXY_V2_NONE = 0,   /* the bytes are not a PROXY v2 header */
	PROXY_V2_NEED_MORE,  /* a header's start: more bytes needed */
	PROXY_V2_OK,
	PROXY_V2_BAD,        /* a header, but malformed or longer than PROXY_V2_READ_MAX */
};

struct proxy_v2_info {
	uint16_t header_len;         /* bytes of the whole header, TLVs included */
	bool local;                  /* the LOCAL command: no addresses to trust */
	uint8_t family;              /* 4, 6, or 0 (UNSPEC) */
	uint8_t src[16], dst[16];    /* network order; IPv4 in the first 4 bytes */
	uint16_t src_port, dst_port; /* host order */
	const uint8_t *authority;    /* PP2_TYPE_AUTHORITY value inside the buffer, or NULL */
	uint16_t authority_len;
	bool hello_follows;          /* PROXY_V2_TYPE_HELLO_FOLLOWS, value 1, was there */
};

/* Reads the header at the start of buf[0..len). PROXY_V2_OK fills out; anything else
 * leaves it unspecified. */
enum proxy_v2_verdict proxy_v2_read(const uint8_t *buf, size_t len, struct proxy_v2_info *out);

#endif
