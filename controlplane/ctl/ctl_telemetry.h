/* SPDX-License-Identifier: BSD-3-Clause */
/* meshrelayctl's read-only view through DPDK telemetry (/meshrelay/... commands). */
#ifndef CTL_TELEMETRY_H
#define CTL_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>

/* show what (checked by ctl_args), with arg for port NAME, from the data plane with EAL
 * file prefix. Prints "key value" lines or the raw JSON; returns an enum ctl_exit code
 * (3, unreachable, when it does not answer within 10 s). */
int ctl_telemetry_show(const char *prefix, const char *what, const char *arg, bool json);

/* Send cmd to the DPDK telemetry socket at path; its answer, NUL-terminated, in reply (len
 * bytes). Each step (connect, greeting, answer) waits at most timeout_ms. 0, or -1 with
 * the reason printed on stderr. */
int ctl_telemetry_query(const char *path, const char *cmd, char *reply, size_t len,
			int timeout_ms);

#endif
