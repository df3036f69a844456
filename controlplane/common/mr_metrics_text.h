/* SPDX-License-Identifier: BSD-3-Clause */
/* Building Prometheus exposition text into a fixed buffer (both processes' endpoints):
 * appends stop at the first that does not fit, and the text is then reported as too
 * long rather than cut. */
#ifndef MR_METRICS_TEXT_H
#define MR_METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

struct mr_metrics_text {
	char *buf;
	size_t cap, at;
	bool full;       /* an append did not fit: the text is incomplete */
};

/* Append printf-style text (nothing once full). */
void mr_metrics_emit(struct mr_metrics_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The HELP and TYPE lines of family prefix+name. */
void mr_metrics_family(struct mr_metrics_text *t, const char *prefix, const char *name,
		       const char *type, const char *help);

/* The text's length, or 0 when something did not fit. */
size_t mr_metrics_done(const struct mr_metrics_text *t);

#endif
