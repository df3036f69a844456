/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_text.h"

#include <stdarg.h>
#include <stdio.h>

bool mr_text_put(char *buf, size_t cap, size_t *at, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	ok = mr_text_vput(buf, cap, at, fmt, ap);
	va_end(ap);
	return ok;
}

bool mr_text_vput(char *buf, size_t cap, size_t *at, const char *fmt, va_list ap)
{
	int n;

	if (*at >= cap)
		return false;
	n = vsnprintf(buf + *at, cap - *at, fmt, ap);
	if (n < 0 || (size_t)n >= cap - *at) {
		*at = cap;
		return false;
	}
	*at += (size_t)n;
	return true;
}
