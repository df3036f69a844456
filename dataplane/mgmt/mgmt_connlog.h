/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection log, output side: a control thread that drains every worker's record
 * ring (relay/connlog.h) a few times a second, turns each record into one JSON object on
 * a line and appends them to log.connections with one write per batch. SIGHUP reopens
 * the file (logrotate's rename-and-signal, or copytruncate with nothing to do since the
 * file is opened for appending). Never on a worker.
 */
#ifndef MGMT_CONNLOG_H
#define MGMT_CONNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "connlog.h"
#include "dp.h"

/* What a record's numbers name, from the configuration it was made under. */
struct mgmt_connlog_names {
	const struct mr_config *conf;
	int64_t wall_minus_worker_ms;   /* realtime ms less the workers' TSC-ms clock */
};

/* Write r as one JSON object and a newline into buf (cap bytes, NUL-terminated). Its
 * length without the NUL, or 0 when it does not fit. Pure: the unit tests call it. */
size_t mgmt_connlog_format(const struct connlog_rec *r, const struct mgmt_connlog_names *n,
			   char *buf, size_t cap);

/* Start the logging thread for app (log.connections set): opens the file. 0, or -1 with
 * the reason in err. */
int mgmt_connlog_start(const struct dp_appliance *app, char *err, size_t errlen);

/* Ask the thread to reopen the file before its next write. Async-signal-safe. */
void mgmt_connlog_reopen(void);

/* Write what the rings still hold and stop the thread (after the workers stopped). */
void mgmt_connlog_stop(void);

/* Records written to the file so far, and records that could not be written (a failed
 * write; the workers' own drops are their counters). */
uint64_t mgmt_connlog_written(void);
uint64_t mgmt_connlog_lost(void);

#endif
