/* SPDX-License-Identifier: BSD-3-Clause */
/* The data plane's reports as DPDK telemetry commands under /meshrelay/, for
 * dpdk-telemetry.py and meshrelayctl -p. */
#ifndef MGMT_TELEMETRY_H
#define MGMT_TELEMETRY_H

#include "dp.h"

/* Register the commands; app must outlive the telemetry thread (it lives until exit). */
int mgmt_telemetry_init(const struct dp_appliance *app);

/* Before app goes down: queries wait for none under way, then are refused (-EBUSY). */
void mgmt_telemetry_close(struct dp_appliance *app);

#endif
