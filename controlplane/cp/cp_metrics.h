/* SPDX-License-Identifier: BSD-3-Clause */
/* meshrelay-cp's Prometheus endpoint (metrics.cp_listen), served from its poll loop: its
 * configuration generation, the link to the data plane, each TURN allocation (state,
 * counts, the time the last one took) and discovery (registration, lease, store). */
#ifndef CP_METRICS_H
#define CP_METRICS_H

#include <stddef.h>

#include "cp_conf.h"
#include "cp_link.h"
#include "cp_mesh.h"

struct cp_metrics_view {
	const struct cp_conf *conf;
	const struct cp_link *link;
	const struct cp_mesh *mesh;
};

/* The metrics of v as exposition text in buf; its length, 0 when cap was too small. */
size_t cp_metrics_render(const struct cp_metrics_view *v, char *buf, size_t cap);

#endif
