/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS ClientHello parser over scattered bytes (chained buffers), without reassembly. */
#ifndef MR_SNI_PARSE_H
#define MR_SNI_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "sni_name.h"

#define SNI_DEFAULT_MAX_HELLO 16384u
#define SNI_DEFAULT_MAX_RECORDS 64u
#define SNI_ALPN_KEEP 4
#define SNI_ALPN_ID_MAX 32
#define SNI_ALPN_MAX_IDS 128 /* protocols one hello may offer */
#define SNI_MAX_EXTENSIONS 64

#define SNI_EXT_SERVER_NAME 0x0000
#define SNI_EXT_ALPN 0x0010
#define SNI_EXT_SUPPORTED_VERSIONS 0x002b
#define SNI_EXT_ECH 0xfe0d

/* One contiguous piece of the connection's first bytes, in order. */
struct sni_span {
	const uint8_t *ptr;
	uint32_t len;
};

enum sni_verdict {
	SNI_NEED_MORE = 0,
	SNI_COMPLETE,
	SNI_NOT_TLS,
	SNI_MALFORMED,
	SNI_TOO_LARGE,
};

enum sni_reason {
	SNI_REASON_NONE = 0,
	SNI_REASON_RECORD_VERSION,
	SNI_REASON_RECORD_TYPE,
	SNI_REASON_RECORD_LENGTH,
	SNI_REASON_HANDSHAKE_TYPE,
	SNI_REASON_HELLO_VERSION,
	SNI_REASON_HELLO_LENGTH,
	SNI_REASON_SESSION_ID,
	SNI_REASON_CIPHER_SUITES,
	SNI_REASON_COMPRESSION,
	SNI_REASON_EXTENSIONS_LENGTH,
	SNI_REASON_EXTENSION_LENGTH,
	SNI_REASON_DUPLICATE_EXTENSION,
	SNI_REASON_TOO_MANY_EXTENSIONS,
	SNI_REASON_SNI_LIST,
	SNI_REASON_SNI_DUPLICATE_NAME,
	SNI_REASON_SNI_NAME,
	SNI_REASON_ALPN,
	SNI_REASON_SUPPORTED_VERSIONS,
	SNI_REASON_HELLO_SIZE,
	SNI_REASON_RECORD_COUNT,
	SNI_REASON_TRAILING_HANDSHAKE, /* the hello's last record goes on past the hello */
};

struct sni_parse_config {
	uint32_t max_hello;   /* handshake message bytes (header included) */
	uint32_t max_records; /* TLS records the hello may be split into */
};

struct sni_result {
	enum sni_verdict verdict;
	enum sni_reason reason;
	enum sni_name_status name_status; /* why the host name was refused */
	uint32_t need_bytes; /* NEED_MORE: least more bytes (exact if the rest is one record) */
	uint32_t wire_len;   /* COMPLETE: record bytes up to the hello's last byte */
	uint32_t hello_len;  /* handshake message length, header included, once known */
	uint16_t legacy_version;
	uint16_t max_version; /* highest non-GREASE supported_versions, else legacy_version */
	bool has_sni;
	bool has_alpn;
	bool has_ech; /* the host is then the outer (public) name */
	uint8_t alpn_kept;   /* leading protocols stored below, in order */
	uint16_t alpn_count; /* protocols offered in total */
	uint8_t alpn_len[SNI_ALPN_KEEP];
	char alpn[SNI_ALPN_KEEP][SNI_ALPN_ID_MAX + 1];
	uint16_t host_len;
	char host[SNI_NAME_MAX + 1]; /* lower-cased, no trailing dot, NUL-terminated */
};

/* Fills cfg with the defaults (16384-byte hello, 64 records). */
void sni_parse_config_default(struct sni_parse_config *cfg);

/* Parses the ClientHello at the start of spans[0..nspans) (cfg NULL = defaults). Stateless:
 * call again with all bytes so far on NEED_MORE. Returns out->verdict. */
enum sni_verdict sni_parse(const struct sni_span *spans, unsigned nspans,
			   const struct sni_parse_config *cfg, struct sni_result *out);

/* True for a GREASE code point (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
bool sni_is_grease(uint16_t value);

/* Short fixed texts for logs and counters. */
const char *sni_verdict_str(enum sni_verdict verdict);
const char *sni_reason_str(enum sni_reason reason);

#endif
