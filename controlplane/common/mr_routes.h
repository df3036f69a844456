/* SPDX-License-Identifier: BSD-3-Clause */
/* Turns the routing sections of a configuration into the classifier's route table. */
#ifndef MR_ROUTES_H
#define MR_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "mr_config.h"
#include "route_table.h"

/* Build an immutable route table from conf. 0 and *out, or -1 with "file:line: reason".
 * Network ids in the table are indices into conf->networks; pool ids into conf->pools.
 * prev (NULL: none) is the table in force: its plain services keep their VIPs. */
int mr_routes_build(const struct mr_config *conf, const struct route_table *prev,
		    struct route_table **out, char *err, size_t errlen);

/* mr_routes_build with held[0..n_held): VIPs that no service prev does not already hold
 * takes while the range has room (those of services gone, whose answers clients may still
 * keep), as mr_routes_vips_holding places them. */
int mr_routes_build_holding(const struct mr_config *conf, const struct route_table *prev,
			    const uint32_t *held, size_t n_held, struct route_table **out,
			    char *err, size_t errlen);

/* The names conf's own routes (not imported ones) give, sorted, for mr_routes_names_hold:
 * such a name stays local whatever other networks export. An array to free (NULL when out
 * of memory), *n entries; its strings are conf's. */
const char **mr_routes_file_names(const struct mr_config *conf, unsigned int *n);

/* Whether name[0..len) is one of names[0..n) (sorted, as mr_routes_file_names gives). */
bool mr_routes_names_hold(const char *const *names, unsigned int n, const char *name,
			  size_t len);

/* The VIP of each route of conf in vips[n_routes] (host order; 0 for TLS routes, and for
 * plain ones without dns.vip_range, which only other gateways reach): the plain TCP
 * services' names placed in dns.vip_range by vip_assign, the file's pins kept, and a
 * name that prev (NULL: none) serves at an address of the range the file pins to no one
 * keeping that address. 0, or -1 with "file:line: reason" when a plain route nobody could
 * reach has no range, or the range is too small. */
int mr_routes_vips(const struct mr_config *conf, const struct route_table *prev,
		   uint32_t *vips, char *err, size_t errlen);

/* mr_routes_vips, the addresses held[0..n_held) given to no name that is neither pinned
 * nor kept from prev, while the range has room for every name without them. */
int mr_routes_vips_holding(const struct mr_config *conf, const struct route_table *prev,
			   const uint32_t *held, size_t n_held, uint32_t *vips, char *err,
			   size_t errlen);

#endif
