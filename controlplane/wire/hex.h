/* SPDX-License-Identifier: BSD-3-Clause */
/* Hexadecimal digits: one digit's value, and bytes to and from text. No I/O. */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit c (0-9, a-f, A-F), or -1 for any other character. */
int hex_digit(char c);

/* n bytes of in as 2n lower-case hex digits at out (no NUL written). */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* n hex digits of in into out (cap bytes): the bytes written, or -1 when n is odd, a
 * character is no hex digit, or the bytes do not fit. */
int hex_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
