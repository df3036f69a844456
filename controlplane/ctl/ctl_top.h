/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelayctl top: the data plane's activity as rates, refreshed every second (as htop,
 * or HAProxy's show stat): new connections, refusals by reason, packets and bytes per
 * port, the busiest pools and members. On a terminal the screen is redrawn; otherwise
 * each second's view follows the last as plain text.
 */
#ifndef CTL_TOP_H
#define CTL_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "mr_config.h"

/* Ask the data plane for report `object` (as "show" does): 0 and *reply (malloc'd JSON),
 * or an enum ctl_exit code. */
typedef int (*ctl_query_fn)(void *ctx, const char *object, char **reply);

/* What one refresh reads. */
struct ctl_top_sample {
	uint64_t ms;                                /* when it was taken */
	struct json_value *counters, *drops, *routes, *pools;
	struct json_value *ports[MR_MAX_PORTS];     /* port:NAME */
	char port_names[MR_MAX_PORTS][MR_NAME_MAX];
	unsigned int n_ports;
};

/* Take a sample through query. 0, or an enum ctl_exit code (s then holds nothing). */
int ctl_top_sample(ctl_query_fn query, void *ctx, struct ctl_top_sample *s);

/* Release what a sample holds; s is left empty. */
void ctl_top_sample_free(struct ctl_top_sample *s);

/* The view of what happened from sample a to sample b, as lines of text. */
void ctl_top_render(FILE *out, const struct ctl_top_sample *a, const struct ctl_top_sample *b);

/* Refresh every second, `rounds` times (0: until SIGINT, whose handler it installs for the
 * process); tty: redraw the screen. An enum ctl_exit code (a query's failure ends it). */
int ctl_top_run(ctl_query_fn query, void *ctx, unsigned int rounds, bool tty);

#endif
