/* SPDX-License-Identifier: BSD-3-Clause */
/* Turns the routing sections of a configuration into the classifier's route table. */
#ifndef MR_ROUTES_H
#define MR_ROUTES_H

#include <stddef.h>

#include "mr_config.h"
#include "route_table.h"

/* Build an immutable route table from conf. 0 and *out, or -1 with "file:line: reason".
 * Network ids in the table are indices into conf->networks; pool ids into conf->pools. */
int mr_routes_build(const struct mr_config *conf, struct route_table **out, char *err,
		    size_t errlen);

#endif
