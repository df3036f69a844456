/* SPDX-License-Identifier: BSD-3-Clause */
/* Builds synthetic ClientHellos for tests, remembering where each length field is so
 * tests can corrupt them one at a time. */
#ifndef MR_TEST_HELLO_BUILDER_H
#define MR_TEST_HELLO_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#define HB_MAX 40000
#define HB_MAX_FIELDS 64

struct hb_options {
	const char *sni;       /* NULL: no server_name extension */
	uint32_t sni_len;      /* 0: strlen(sni); lets tests send an empty name */
	const char *alpn[6];   /* NULL-terminated protocol list; alpn[0] NULL: no ALPN */
	bool tls13;            /* add supported_versions (GREASE, 0x0304, 0x0303) */
	bool ech;              /* add an encrypted_client_hello extension */
	bool grease;           /* add two GREASE extensions */
	int duplicate_ext;     /* -1: none; else this extension type is sent twice */
	uint32_t padding;      /* padding extension body size (0: none) */
	uint32_t record_size;  /* handshake bytes per TLS record (0: one record) */
};

struct hb_field {
	uint32_t off; /* in the wire bytes */
	uint8_t width;
	const char *what;
	bool record_level; /* record length: an error here may read as NEED_MORE */
};

struct hello_build {
	uint8_t wire[HB_MAX + HB_MAX / 4];
	uint32_t wire_len;
	struct hb_field fields[HB_MAX_FIELDS];
	unsigned nfields;
};

/* Sensible defaults: SNI "api.svc.example", ALPN h2 + http/1.1, TLS 1.3, one record. */
void hb_options_default(struct hb_options *opt);

/* Builds the hello described by opt into out (fields only recorded for one record). */
void hb_build(const struct hb_options *opt, struct hello_build *out);

/* Re-wraps the handshake carried by wire[0..len) into records of record_size bytes;
 * returns the new length in dst (dst must hold len + 5 * (len / record_size + 1)). */
uint32_t hb_refragment(const uint8_t *wire, uint32_t len, uint32_t record_size, uint8_t *dst);

#endif
