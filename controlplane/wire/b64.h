/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standard base64 (RFC 4648, with padding) as etcd's JSON gateway writes keys and values.
 * Buffers are the caller's; input is untrusted and checked before OpenSSL sees it.
 */
#ifndef B64_H
#define B64_H

#include <stddef.h>
#include <stdint.h>

/* Characters b64_encode writes for len bytes, its NUL not included. */
#define B64_ENCODED_LEN(len) (((len) + 2) / 3 * 4)

/* Encode len bytes of in into out (cap bytes), NUL-terminated. The characters written
 * (NUL excluded), or -1 when out is too small. */
int b64_encode(const void *in, size_t len, char *out, size_t cap);

/* Decode len characters of in into out (cap bytes). The bytes written, or -1 when in is
 * not base64 (characters outside the alphabet, length not a multiple of 4, padding other
 * than one or two final '=') or the bytes do not fit. Non-zero bits under the padding are
 * accepted. */
int b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
