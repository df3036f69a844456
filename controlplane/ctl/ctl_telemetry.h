/* SPDX-License-Identifier: BSD-3-Clause */
/* meshrelayctl's read-only view through DPDK telemetry (/meshrelay/... commands). */
#ifndef CTL_TELEMETRY_H
#define CTL_TELEMETRY_H

#include <stdbool.h>

/* show what (checked by ctl_args), with arg for port NAME, from the data plane with EAL
 * file prefix. Prints "key value" lines or the raw JSON; returns 0, or 1 with no answer. */
int ctl_telemetry_show(const char *prefix, const char *what, const char *arg, bool json);

#endif
