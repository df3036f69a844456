/* SPDX-License-Identifier: BSD-3-Clause */
/* Host-name rules shared by the ClientHello parser and the route table. */
#ifndef MR_SNI_NAME_H
#define MR_SNI_NAME_H

#include <stddef.h>
#include <stdint.h>

#define SNI_NAME_MAX 253
#define SNI_LABEL_MAX 63

enum sni_name_status {
	SNI_NAME_OK = 0,
	SNI_NAME_EMPTY,
	SNI_NAME_TOO_LONG,
	SNI_NAME_BAD_CHAR,
	SNI_NAME_EMPTY_LABEL,
	SNI_NAME_LABEL_TOO_LONG,
};

/* Validates and lower-cases src[0..len) into dst (SNI_NAME_MAX + 1 bytes, NUL-terminated;
 * dst may equal src), stripping one trailing dot; *out_len gets the normalized length. */
enum sni_name_status sni_name_normalize(const char *src, size_t len, char *dst, size_t *out_len);

/* Short fixed text for a status. */
const char *sni_name_status_str(enum sni_name_status status);

#endif
