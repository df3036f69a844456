/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_metrics_text.h"

#include <stdarg.h>
#include <stdio.h>

#include "mr_text.h"

void mr_metrics_emit(struct mr_metrics_text *t, const char *fmt, ...)
{
	va_list ap;

	if (t->full)
		return;
	va_start(ap, fmt);
	t->full = !mr_text_vput(t->buf, t->cap, &t->at, fmt, ap);
	va_end(ap);
}

void mr_metrics_family(struct mr_metrics_text *t, const char *prefix, const char *name,
		       const char *type, const char *help)
{
	mr_metrics_emit(t, "# HELP %s%s %s\n# TYPE %s%s %s\n", prefix, name, help, prefix, name,
			type);
}

size_t mr_metrics_done(const struct mr_metrics_text *t)
{
	return t->full ? 0 : t->at;
}
