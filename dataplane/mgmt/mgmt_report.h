/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named reports on the running data plane (counters, drops, ports, flows, routes...),
 * written once against a small sink interface so that DPDK telemetry and the control
 * socket's JSON show the same figures. Called from control threads, never from workers;
 * per-worker state is read through the worker's mailbox or with relaxed loads.
 */
#ifndef MGMT_REPORT_H
#define MGMT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "dp.h"

enum mgmt_report_kind {
	MGMT_REPORT_UNKNOWN = 0,
	MGMT_REPORT_DICT,   /* name -> number or text */
	MGMT_REPORT_LIST,   /* text items */
};

struct mgmt_report_sink {
	void (*num)(struct mgmt_report_sink *s, const char *name, uint64_t value);
	void (*str)(struct mgmt_report_sink *s, const char *name, const char *value);
	void (*item)(struct mgmt_report_sink *s, const char *text);
};

/* Kind of the report called name: status, counters, drops, ports, port:NAME, flows,
 * flow_list, neighbours, routes, pools, services, learned, listeners, lcores, steering.
 * MGMT_REPORT_UNKNOWN for any other name. */
enum mgmt_report_kind mgmt_report_kind_of(const char *name);

/* Write report name into sink. 0, or -1 when unknown or a worker did not answer (the
 * sink then holds part of it). Each worker's part is asked through its mailbox, a second
 * at most each. Any thread but the one that swaps the live configuration holds
 * relay_live_read_begin around it. */
int mgmt_report_write(const struct dp_appliance *app, const char *name, struct mgmt_report_sink *s);

#endif
