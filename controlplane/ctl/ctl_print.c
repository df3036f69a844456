/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_print.h"

#include <stdbool.h>
#include <string.h>

#include "json.h"

/* Whether every item of an array, or every member of an object, is a scalar. */
static bool all_scalars(const struct json_value *v)
{
	for (size_t i = 0; i < json_len(v); i++)
		if (!json_scalar_text(json_at(v, i)))
			return false;
	return true;
}

/* The data plane answers one level deep: an object whose members are scalars or arrays
 * of scalars. Anything else is no table and is printed as it came. */
static bool is_table(const struct json_value *doc)
{
	if (!doc || doc->type != JSON_OBJECT)
		return false;
	for (size_t i = 0; i < json_len(doc); i++) {
		const struct json_value *v = json_at(doc, i);

		if (!json_scalar_text(v) && !(v->type == JSON_ARRAY && all_scalars(v)))
			return false;
	}
	return true;
}

static void print_items(FILE *out, const struct json_value *list, const char *indent)
{
	for (size_t i = 0; i < json_len(list); i++)
		fprintf(out, "%s%s\n", indent, json_scalar_text(json_at(list, i)));
}

void ctl_print_human(FILE *out, const char *json)
{
	struct json_value *doc = json_parse(json, strlen(json), NULL, 0);
	int width = 0;

	if (!is_table(doc)) {
		fprintf(out, "%s\n", json);
	} else if (json_len(doc) == 1 && json_at(doc, 0)->type == JSON_ARRAY) {
		print_items(out, json_at(doc, 0), "");
	} else {
		for (size_t i = 0; i < json_len(doc); i++) {
			int len = (int)strlen(json_key_at(doc, i));

			if (json_scalar_text(json_at(doc, i)) && len > width)
				width = len;
		}
		for (size_t i = 0; i < json_len(doc); i++) {
			const char *key = json_key_at(doc, i);
			const char *text = json_scalar_text(json_at(doc, i));

			if (text) {
				fprintf(out, "%-*s %s\n", width, key, text);
			} else {
				fprintf(out, "%s:\n", key);
				print_items(out, json_at(doc, i), "  ");
			}
		}
	}
	json_free(doc);
}

int ctl_print_telemetry(FILE *out, const struct json_value *v)
{
	if (!v || (v->type != JSON_OBJECT && v->type != JSON_ARRAY) || !all_scalars(v))
		return -1;
	for (size_t i = 0; i < json_len(v); i++) {
		if (v->type == JSON_OBJECT)
			fprintf(out, "%s%s ", i ? "\n" : "", json_key_at(v, i));
		else if (i)
			fputc('\n', out);
		fputs(json_scalar_text(json_at(v, i)), out);
	}
	fputc('\n', out);
	return 0;
}
