/* Counters, ports and neighbours exposed as DPDK telemetry commands under /meshrelay/. */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

#include <stdio.h>

#include "dp.h"

/* Register the commands; app must outlive the telemetry thread (it lives until exit). */
int dp_telemetry_init(const struct dp_appliance *app);

/* Sum a counter block over all workers. */
void dp_counters_sum(const struct dp_appliance *app, struct dp_counters *sum);

/* Print the non-zero summed counters, one "name value" per line. */
void dp_counters_print(const struct dp_appliance *app, FILE *out);

#endif
