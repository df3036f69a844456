/* SPDX-License-Identifier: BSD-3-Clause */
/* Text built piece by piece into a fixed buffer, whoever writes it (a registration, a
 * connection log line). */
#ifndef MR_TEXT_H
#define MR_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* printf-style text appended at buf + *at (cap bytes in all, NUL kept), *at moved on.
 * false once it does not fit: *at is then cap, so every later piece is refused too and a
 * text cut short is never taken for a whole one. */
bool mr_text_put(char *buf, size_t cap, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* mr_text_put with the arguments as a va_list (for writers with a printf-style front). */
bool mr_text_vput(char *buf, size_t cap, size_t *at, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#endif
