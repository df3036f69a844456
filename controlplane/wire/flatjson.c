#include "flatjson.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A growing output buffer; every parse step appends to one. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_put(struct buf *b, char c)
{
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *p = realloc(b->p, cap);

		if (!p)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return 0;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* Append code point cp as UTF-8; surrogate halves are not paired up, they become '?'. */
static int put_utf8(struct buf *b, unsigned int cp)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		return buf_put(b, '?');
	if (cp < 0x80)
		return buf_put(b, (char)cp);
	if (cp < 0x800)
		return buf_put(b, (char)(0xc0 | cp >> 6)) | buf_put(b, (char)(0x80 | (cp & 0x3f)));
	return buf_put(b, (char)(0xe0 | cp >> 12)) | buf_put(b, (char)(0x80 | ((cp >> 6) & 0x3f))) |
	       buf_put(b, (char)(0x80 | (cp & 0x3f)));
}

static const char *parse_escape(const char *s, struct buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = *s ? strchr(from, *s) : NULL;
	unsigned int cp = 0;

	if (at)
		return buf_put(b, to[at - from]) < 0 ? NULL : s + 1;
	if (*s != 'u')
		return NULL;
	for (int i = 1; i <= 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return NULL;
		cp = cp * 16 + (unsigned int)(isdigit((unsigned char)s[i]) ? s[i] - '0'
							   : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	return put_utf8(b, cp) < 0 ? NULL : s + 5;
}

/* s at an opening quote: unescape into *out (malloc'd); returns what follows, or NULL. */
static const char *parse_string(const char *s, char **out)
{
	struct buf b = { 0 };

	/* Allocate up front so that an empty string is "" and not NULL. */
	if (*s++ != '"' || buf_put(&b, '\0') < 0)
		goto fail;
	b.len = 0;
	while (*s != '"') {
		if (*s == '\0' || (unsigned char)*s < 0x20)
			goto fail;
		if (*s == '\\')
			s = parse_escape(s + 1, &b);
		else if (buf_put(&b, *s) == 0)
			s++;
		else
			s = NULL;
		if (!s)
			goto fail;
	}
	*out = b.p;
	return s + 1;
fail:
	free(b.p);
	return NULL;
}

/* A number or a literal (true, false, null), copied as written. */
static const char *parse_bare(const char *s, char **out)
{
	size_t n = strspn(s, "0123456789+-.eEtruefalsn");

	if (n == 0 || !(*out = strndup(s, n)))
		return NULL;
	return s + n;
}

static const char *parse_scalar(const char *s, char **out, bool *is_string)
{
	*is_string = *s == '"';
	return *is_string ? parse_string(s, out) : parse_bare(s, out);
}

static const char *parse_array(const char *s, struct flatjson_pair *p)
{
	s = skip_ws(s + 1);
	if (*s == ']')
		return s + 1;
	for (;;) {
		char **items = realloc(p->items, (p->n_items + 1) * sizeof(*items));
		bool str;

		if (!items)
			return NULL;
		p->items = items;
		s = parse_scalar(skip_ws(s), &items[p->n_items], &str);
		if (!s)
			return NULL;
		p->n_items++;
		s = skip_ws(s);
		if (*s == ']')
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

/* One "key": value member into a fresh pair at the end of j. */
static const char *parse_member(const char *s, struct flatjson *j)
{
	struct flatjson_pair *pairs = realloc(j->pairs, (j->n_pairs + 1) * sizeof(*pairs));
	struct flatjson_pair *p;

	if (!pairs)
		return NULL;
	j->pairs = pairs;
	p = &pairs[j->n_pairs++];
	memset(p, 0, sizeof(*p));
	s = parse_string(s, &p->key);
	if (!s)
		return NULL;
	s = skip_ws(s);
	if (*s++ != ':')
		return NULL;
	s = skip_ws(s);
	return *s == '[' ? parse_array(s, p) : parse_scalar(s, &p->value, &p->is_string);
}

int flatjson_parse(const char *text, struct flatjson *out)
{
	const char *s = skip_ws(text);

	memset(out, 0, sizeof(*out));
	if (*s++ != '{')
		return -1;
	s = skip_ws(s);
	if (*s == '}')
		return *skip_ws(s + 1) ? -1 : 0;
	while (s) {
		s = parse_member(skip_ws(s), out);
		if (!s)
			break;
		s = skip_ws(s);
		if (*s == '}' && *skip_ws(s + 1) == '\0')
			return 0;
		s = *s == ',' ? s + 1 : NULL;
	}
	flatjson_free(out);
	return -1;
}

void flatjson_free(struct flatjson *j)
{
	for (size_t i = 0; i < j->n_pairs; i++) {
		struct flatjson_pair *p = &j->pairs[i];

		free(p->key);
		free(p->value);
		for (size_t k = 0; k < p->n_items; k++)
			free(p->items[k]);
		free(p->items);
	}
	free(j->pairs);
	memset(j, 0, sizeof(*j));
}

const struct flatjson_pair *flatjson_find(const struct flatjson *j, const char *key)
{
	for (size_t i = 0; i < j->n_pairs; i++)
		if (strcmp(j->pairs[i].key, key) == 0)
			return &j->pairs[i];
	return NULL;
}

long long flatjson_uint(const struct flatjson *j, const char *key)
{
	const struct flatjson_pair *p = flatjson_find(j, key);
	char *end;
	unsigned long long v;

	if (!p || !p->value || p->is_string || !isdigit((unsigned char)p->value[0]))
		return -1;
	v = strtoull(p->value, &end, 10);
	return *end || v > INT64_MAX ? -1 : (long long)v;
}

void flatjson_put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}
