/* SPDX-License-Identifier: BSD-3-Clause */
/* A growing JSON text buffer and a report sink that writes into it (control socket). */
#ifndef MGMT_JSON_H
#define MGMT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "mgmt_report.h"

struct mgmt_json {
	struct mgmt_report_sink sink;
	char *buf;
	size_t len, cap;
	bool first;
	bool list;      /* opened as {"items": [ */
	bool failed;    /* out of memory somewhere: the text is incomplete */
};

/* Start an object ('{') or a {"items": [ list; the sink then adds to it. */
void mgmt_json_begin(struct mgmt_json *j, bool list);

/* Close what begin opened; returns the NUL-terminated text (owned by j) or NULL. */
const char *mgmt_json_end(struct mgmt_json *j);

/* Release the buffer. */
void mgmt_json_free(struct mgmt_json *j);

#endif
