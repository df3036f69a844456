/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for json_parse. Besides surviving any input: a refusal says where, and
 * an accepted tree keeps its promises (lengths match what iteration finds, lookups return
 * the first of duplicate keys, strings are NUL-terminated valid UTF-8 that json_escape
 * writes back to the same string, limits hold). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json: %s\n", what);
		abort();
	}
}

/* json_escape then json_parse gives the same bytes back (strings without NUL only: the
 * writer takes C strings). */
static void check_round_trip(const char *s, size_t len)
{
	size_t cap = 6 * len + 3;
	char *lit = malloc(cap);
	int n = json_escape(lit, cap, s);
	struct json_value *back;

	check(n > 0, "json_escape refused a string json_parse accepted");
	check(json_escape(lit, (size_t)n, s) == -1, "json_escape wrote past a short buffer");
	back = json_parse(lit, (size_t)n, NULL, 0);
	check(back && back->type == JSON_STRING, "an escaped string does not parse back");
	check(back->len == len && memcmp(back->text, s, len) == 0, "round trip changed a string");
	json_free(back);
	free(lit);
}

static void check_text(const struct json_value *v)
{
	check(v->text && v->text[v->len] == '\0', "text not NUL-terminated at its length");
	if (v->type == JSON_NUMBER) {
		int64_t i;

		check(v->len > 0 && json_str(v) == NULL, "empty number, or seen as a string");
		/* Integers within double's exact range read the same both ways. */
		if (json_int64(v, &i) && i > -(1LL << 53) && i < (1LL << 53))
			check((double)i == v->number, "json_int64 and the double disagree");
		return;
	}
	check(json_str(v) == v->text, "json_str lost a string");
	if (strlen(v->text) == v->len && v->len < 4096)
		check_round_trip(v->text, v->len);
}

static void check_object(const struct json_value *v)
{
	for (size_t i = 0; i < v->len; i++) {
		const struct json_member *m = &v->members[i];

		check(json_key_at(v, i) == m->key && json_at(v, i) == &m->value, "member access");
		check(m->key[m->key_len] == '\0', "key not NUL-terminated");
		if (strlen(m->key) != m->key_len)
			continue;
		/* json_get finds the first member of that name. */
		for (size_t j = 0; j <= i; j++) {
			if (v->members[j].key_len == m->key_len &&
			    memcmp(v->members[j].key, m->key, m->key_len) == 0) {
				check(json_get(v, m->key) == &v->members[j].value,
				      "json_get not first");
				break;
			}
		}
		if (!strchr(m->key, '.') && m->key_len > 0)
			check(json_path(v, m->key) == json_get(v, m->key), "json_path of one key");
	}
}

/* Walks the tree; returns the number of values in it. */
static size_t walk(const struct json_value *v, unsigned int depth)
{
	size_t n = 1;

	if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) {
		check(json_len(v) == 0 && json_at(v, 0) == NULL && json_get(v, "") == NULL,
		      "container access on a scalar");
		if (v->type == JSON_NUMBER || v->type == JSON_STRING)
			check_text(v);
		return n;
	}
	check(depth < JSON_MAX_DEPTH, "nested deeper than the limit");
	check(json_len(v) == v->len && json_at(v, v->len) == NULL, "json_len and iteration");
	if (v->type == JSON_OBJECT)
		check_object(v);
	else
		check(json_key_at(v, 0) == NULL, "an array has keys");
	for (size_t i = 0; i < v->len; i++) {
		const struct json_value *item = json_at(v, i);

		check(item != NULL, "json_at short of json_len");
		n += walk(item, depth + 1);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), err[128] = "";
	struct json_value *v;
	size_t at;

	/* A copy of exactly size bytes, with no terminator: reading past it shows. */
	if (size)
		memcpy(text, data, size);
	v = json_parse(text, size, err, sizeof(err));
	if (!v) {
		check(sscanf(err, "offset %zu: ", &at) == 1 && at <= size,
		      "refusal without offset");
	} else {
		check(walk(v, 0) <= JSON_MAX_VALUES, "more values than the limit");
		json_free(v);
	}
	free(text);
	return 0;
}
