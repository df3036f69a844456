/*
 * A reader for the one-level JSON the data plane answers with: an object whose values are
 * numbers, strings, literals or arrays of those. Nothing deeper is needed to print tables
 * or to read a status field, so nothing deeper is accepted.
 */
#ifndef FLATJSON_H
#define FLATJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct flatjson_pair {
	char *key;
	char *value;          /* scalar as text (strings unescaped); NULL for an array */
	bool is_string;       /* the scalar was a JSON string */
	char **items;         /* array elements as text, when value is NULL */
	size_t n_items;
};

struct flatjson {
	struct flatjson_pair *pairs;
	size_t n_pairs;
};

/* Parse text as a flat object into out. 0, or -1 (out left empty) when text is not one. */
int flatjson_parse(const char *text, struct flatjson *out);

/* Release what flatjson_parse allocated; out is left empty. */
void flatjson_free(struct flatjson *j);

/* The pair called key, or NULL. */
const struct flatjson_pair *flatjson_find(const struct flatjson *j, const char *key);

/* The scalar called key as an unsigned number; -1 when missing or not a number. */
long long flatjson_uint(const struct flatjson *j, const char *key);

/* Write s to out as a JSON string literal (quotes and escapes included). */
void flatjson_put_string(FILE *out, const char *s);

#endif
