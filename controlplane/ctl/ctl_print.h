/* SPDX-License-Identifier: BSD-3-Clause */
/* meshrelayctl's output for people: the data plane's one-level JSON as lines of text. */
#ifndef CTL_PRINT_H
#define CTL_PRINT_H

#include <stdio.h>

/* A flat object as "name value" lines with the values aligned; an array's items one per
 * line (under the array's name unless it is the only member); anything else as it came. */
void ctl_print_human(FILE *out, const char *json);

/* A DPDK telemetry answer {"/meshrelay/OBJECT": VALUE}, VALUE an object or an array of
 * scalars: "name value" lines (one space: scripts split on it) or the items one per line;
 * an empty VALUE is one empty line. Anything else as it came. */
void ctl_print_telemetry(FILE *out, const char *json);

#endif
