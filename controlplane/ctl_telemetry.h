/* meshrelayctl's read-only view through DPDK telemetry (/meshrelay/... commands). */
#ifndef CTL_TELEMETRY_H
#define CTL_TELEMETRY_H

#include <stdbool.h>

/* show counters|drops|ports|neighbours|flows|flow_list, or port NAME (arg), from the data
 * plane with EAL file prefix. Prints "key value" lines or the raw JSON; returns the exit
 * code: 0 ok, 1 no answer, 2 unknown object. */
int ctl_telemetry_show(const char *prefix, const char *what, const char *arg, bool json);

#endif
