/* SPDX-License-Identifier: BSD-3-Clause */
/* meshrelayctl's output for people: the data plane's one-level JSON as lines of text. */
#ifndef CTL_PRINT_H
#define CTL_PRINT_H

#include <stdio.h>

#include "json.h"

/* A flat object as "name value" lines with the values aligned; an array's items one per
 * line (under the array's name unless it is the only member); anything else as it came. */
void ctl_print_human(FILE *out, const char *json);

/* The VALUE of a DPDK telemetry answer {"/meshrelay/OBJECT": VALUE}, an object or an
 * array of scalars: "name value" lines (one space: scripts split on it) or the items one
 * per line; an empty VALUE is one empty line. 0, or -1 (nothing printed) for any other
 * value, NULL included. */
int ctl_print_telemetry(FILE *out, const struct json_value *value);

#endif
