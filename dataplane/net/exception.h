/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: a tap (or virtio-user) port whose kernel interface carries the data
 * port's own MAC and IPv4 address, so SSH, the control plane's sockets and anything else
 * the fast path does not own keep working on the appliance's address. Main lcore only.
 */
#ifndef EXCEPTION_H
#define EXCEPTION_H

#include <stddef.h>

#include "dp.h"

/* Probe and start the exception device of port p with one queue pair per worker, and give
 * its kernel interface the port's MAC, address, prefix, MTU and default route. */
int exception_start(struct dp_port *p, unsigned int n_workers, struct rte_mempool *pool,
		    char *err, size_t errlen);

#endif
