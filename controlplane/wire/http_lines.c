/* SPDX-License-Identifier: BSD-3-Clause */
#include "http_lines.h"

#include <limits.h>
#include <string.h>

void http_lines_init(struct http_lines *l, enum http_lines_mode mode, char *buf, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->mode = mode;
	l->buf = buf;
	l->cap = cap;
}

/* Lines mode: the next non-blank line. */
static bool find_line(struct http_lines *l)
{
	char *nl;

	while ((nl = memchr(l->buf + l->scan, '\n', l->len - l->scan)) != NULL) {
		size_t end = (size_t)(nl - l->buf);

		l->scan = end + 1;
		if (end > l->start && l->buf[end - 1] == '\r')
			end--;
		if (end > l->start) {
			l->ready = end - l->start;
			return true;
		}
		l->start = l->scan;
	}
	l->scan = l->len;
	return false;
}

/* Objects mode: braces are counted outside strings only, so "}" in a value is harmless;
 * whitespace between objects is dropped. */
static bool find_object(struct http_lines *l)
{
	while (l->scan < l->len) {
		char c = l->buf[l->scan++];

		if (l->depth == 0) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				l->start = l->scan;
				continue;
			}
			if (c != '{') {
				l->error = "junk between JSON objects";
				return false;
			}
			l->depth = 1;
		} else if (l->in_string) {
			if (l->escaped)
				l->escaped = false;
			else if (c == '\\')
				l->escaped = true;
			else if (c == '"')
				l->in_string = false;
		} else if (c == '"') {
			l->in_string = true;
		} else if (c == '{') {
			l->depth++;
		} else if (c == '}' && --l->depth == 0) {
			l->ready = l->scan - l->start;
			return true;
		}
	}
	return false;
}

static bool find_item(struct http_lines *l)
{
	if (l->error)
		return false;
	if (l->ready)
		return true;
	return l->mode == HTTP_LINES_OBJECTS ? find_object(l) : find_line(l);
}

/* Returned items and dropped separators make room at the front. */
static void compact(struct http_lines *l)
{
	if (l->start == 0)
		return;
	memmove(l->buf, l->buf + l->start, l->len - l->start);
	l->len -= l->start;
	l->scan -= l->start;
	l->start = 0;
}

int http_lines_push(struct http_lines *l, const uint8_t *d, size_t n)
{
	size_t take;

	if (l->error)
		return -1;
	compact(l);
	if (l->len == l->cap && n > 0) {
		if (find_item(l))
			return 0;
		compact(l);
		if (!l->error && l->len == l->cap)
			l->error = l->mode == HTTP_LINES_OBJECTS ?
					   "JSON object longer than the buffer" :
					   "line longer than the buffer";
		if (l->error)
			return -1;
	}
	take = n < l->cap - l->len ? n : l->cap - l->len;
	if (take > INT_MAX)
		take = INT_MAX;
	if (take)
		memcpy(l->buf + l->len, d, take);
	l->len += take;
	return (int)take;
}

const char *http_lines_next(struct http_lines *l, size_t *len)
{
	const char *item;

	if (!find_item(l))
		return NULL;
	item = l->buf + l->start;
	*len = l->ready;
	l->start = l->scan;
	l->ready = 0;
	return item;
}
