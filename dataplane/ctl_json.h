/* A growing JSON text buffer and a report sink that writes into it (control socket). */
#ifndef CTL_JSON_H
#define CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "dp_report.h"

struct ctl_json {
	struct dp_report_sink sink;
	char *buf;
	size_t len, cap;
	bool first;
	bool list;      /* opened as {"items": [ */
	bool failed;    /* out of memory somewhere: the text is incomplete */
};

/* Start an object ('{') or a {"items": [ list; the sink then adds to it. */
void ctl_json_begin(struct ctl_json *j, bool list);

/* Close what begin opened; returns the NUL-terminated text (owned by j) or NULL. */
const char *ctl_json_end(struct ctl_json *j);

/* Release the buffer. */
void ctl_json_free(struct ctl_json *j);

#endif
