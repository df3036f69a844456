/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct mgmt_json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;
		char *nb;

		while (cap < j->len + n + 1)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (!nb) {
			j->failed = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* JSON string: quotes, backslashes and control characters escaped. */
static void put_string(struct mgmt_json *j, const char *s)
{
	put(j, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(j, esc, 6);
		} else {
			put(j, s, 1);
		}
	}
	put(j, "\"", 1);
}

static void separator(struct mgmt_json *j)
{
	if (!j->first)
		put(j, ", ", 2);
	j->first = false;
}

static void json_num(struct mgmt_report_sink *s, const char *name, uint64_t v)
{
	struct mgmt_json *j = (struct mgmt_json *)s;
	char text[32];

	separator(j);
	put_string(j, name);
	snprintf(text, sizeof(text), ": %" PRIu64, v);
	put(j, text, strlen(text));
}

static void json_str(struct mgmt_report_sink *s, const char *name, const char *v)
{
	struct mgmt_json *j = (struct mgmt_json *)s;

	separator(j);
	put_string(j, name);
	put(j, ": ", 2);
	put_string(j, v);
}

static void json_item(struct mgmt_report_sink *s, const char *text)
{
	struct mgmt_json *j = (struct mgmt_json *)s;

	separator(j);
	put_string(j, text);
}

void mgmt_json_begin(struct mgmt_json *j, bool list)
{
	memset(j, 0, sizeof(*j));
	j->sink = (struct mgmt_report_sink){ json_num, json_str, json_item };
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
