/*
 * Named reports on the running data plane (counters, drops, ports, flows, routes...),
 * written once against a small sink interface so that DPDK telemetry and the control
 * socket's JSON show the same figures. Called from control threads, never from workers;
 * per-worker state is read through the worker's mailbox or with relaxed loads.
 */
#ifndef DP_REPORT_H
#define DP_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "dp.h"

enum dp_report_kind {
	DP_REPORT_UNKNOWN = 0,
	DP_REPORT_DICT,   /* name -> number or text */
	DP_REPORT_LIST,   /* text items */
};

struct dp_report_sink {
	void (*num)(struct dp_report_sink *s, const char *name, uint64_t value);
	void (*str)(struct dp_report_sink *s, const char *name, const char *value);
	void (*item)(struct dp_report_sink *s, const char *text);
};

/* Kind of the report called name: status, counters, drops, ports, port:NAME, flows,
 * flow_list, neighbours, routes, listeners, lcores, steering. DP_REPORT_UNKNOWN for any other name. */
enum dp_report_kind dp_report_kind(const char *name);

/* Write report name into sink. 0, or -1 when unknown or a worker did not answer. */
int dp_report_write(const struct dp_appliance *app, const char *name, struct dp_report_sink *s);

/* Sum a counter block over all workers. */
void dp_counters_sum(const struct dp_appliance *app, struct dp_counters *sum);

/* Print the non-zero summed counters, one "name value" per line. */
void dp_counters_print(const struct dp_appliance *app, FILE *out);

#endif
