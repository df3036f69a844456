/* The data plane's reports as DPDK telemetry commands under /meshrelay/, for
 * dpdk-telemetry.py and meshrelayctl -p. */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

#include "dp.h"

/* Register the commands; app must outlive the telemetry thread (it lives until exit). */
int dp_telemetry_init(const struct dp_appliance *app);

#endif
