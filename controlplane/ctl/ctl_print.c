#include "ctl_print.h"

#include <string.h>

#include "flatjson.h"

static void print_items(FILE *out, const struct flatjson_pair *p, const char *indent)
{
	for (size_t i = 0; i < p->n_items; i++)
		fprintf(out, "%s%s\n", indent, p->items[i]);
}

void ctl_print_human(FILE *out, const char *json)
{
	struct flatjson j;
	int width = 0;

	if (flatjson_parse(json, &j) < 0) {
		fprintf(out, "%s\n", json);
		return;
	}
	if (j.n_pairs == 1 && !j.pairs[0].value) {
		print_items(out, &j.pairs[0], "");
		flatjson_free(&j);
		return;
	}
	for (size_t i = 0; i < j.n_pairs; i++)
		if (j.pairs[i].value && (int)strlen(j.pairs[i].key) > width)
			width = (int)strlen(j.pairs[i].key);
	for (size_t i = 0; i < j.n_pairs; i++) {
		const struct flatjson_pair *p = &j.pairs[i];

		if (p->value) {
			fprintf(out, "%-*s %s\n", width, p->key, p->value);
		} else {
			fprintf(out, "%s:\n", p->key);
			print_items(out, p, "  ");
		}
	}
	flatjson_free(&j);
}
