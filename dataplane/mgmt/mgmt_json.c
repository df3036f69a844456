/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Room for n more bytes and a NUL; false, and the text marked failed, when out of memory. */
static bool reserve(struct mgmt_json *j, size_t n)
{
	if (j->failed)
		return false;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;
		char *nb;

		while (cap < j->len + n + 1)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (!nb) {
			j->failed = true;
			return false;
		}
		j->buf = nb;
		j->cap = cap;
	}
	return true;
}

static void put(struct mgmt_json *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* A string literal, by the tree's one JSON escaper. The data plane's strings (names,
 * addresses, flow lines) are ASCII; one that is not UTF-8 would be written null. */
static void put_string(struct mgmt_json *j, const char *s)
{
	size_t worst = strlen(s) * 6 + 3; /* every byte as \u00XX, the quotes, the NUL */
	int n;

	if (!reserve(j, worst))
		return;
	n = json_escape(j->buf + j->len, worst, s);
	if (n < 0)
		return put(j, "null", 4);
	j->len += (size_t)n;
}

static void separator(struct mgmt_json *j)
{
	if (!j->first)
		put(j, ", ", 2);
	j->first = false;
}

static void sink_num(struct mgmt_report_sink *s, const char *name, uint64_t v)
{
	struct mgmt_json *j = (struct mgmt_json *)s;
	char text[32];

	separator(j);
	put_string(j, name);
	snprintf(text, sizeof(text), ": %" PRIu64, v);
	put(j, text, strlen(text));
}

static void sink_str(struct mgmt_report_sink *s, const char *name, const char *v)
{
	struct mgmt_json *j = (struct mgmt_json *)s;

	separator(j);
	put_string(j, name);
	put(j, ": ", 2);
	put_string(j, v);
}

static void sink_item(struct mgmt_report_sink *s, const char *text)
{
	struct mgmt_json *j = (struct mgmt_json *)s;

	separator(j);
	put_string(j, text);
}

void mgmt_json_begin(struct mgmt_json *j, bool list)
{
	memset(j, 0, sizeof(*j));
	j->sink = (struct mgmt_report_sink){ sink_num, sink_str, sink_item };
	j->first = true;
	j->list = list;
	put(j, list ? "{\"items\": [" : "{", list ? 11 : 1);
}

const char *mgmt_json_end(struct mgmt_json *j)
{
	put(j, j->list ? "]}" : "}", j->list ? 2 : 1);
	return j->failed ? NULL : j->buf;
}

void mgmt_json_free(struct mgmt_json *j)
{
	free(j->buf);
	j->buf = NULL;
}
