/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint: GET /metrics on metrics.listen, answered by a thread of its
 * own (mgmt_server starts it), never by a worker or the control socket's thread. The text
 * exposition format 0.0.4: counters end in _total, base units, labels for reasons, ports,
 * listeners, pools and members; pools and members by name, so they keep counting across
 * live reloads.
 */
#ifndef MGMT_METRICS_H
#define MGMT_METRICS_H

#include <stddef.h>

#include "dp.h"
#include "mr_http_serve.h"

/* The listening socket of metrics.listen (non-blocking), or -1 with err. */
int mgmt_metrics_listen(const struct mr_metrics_conf *m, char *err, size_t errlen);

/* s made to answer scrapers on listen_fd with app's metrics (several at once, each with
 * bounded time: mr_http_serve.h); the caller's loop drives it. */
void mgmt_metrics_server_init(struct mr_http_server *s, const struct dp_appliance *app,
			      int listen_fd);

/* The metrics of app as exposition text in buf (NUL-terminated); its length, or 0 when
 * cap was too small. */
size_t mgmt_metrics_render(const struct dp_appliance *app, char *buf, size_t cap);

/* The most a scrape's body may take: what every member the appliance follows needs. */
size_t mgmt_metrics_body_max(void);

#endif
