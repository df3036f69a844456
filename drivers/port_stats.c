/* SPDX-License-Identifier: BSD-3-Clause */
#include "port_stats.h"

#include <pthread.h>
#include <string.h>

/* Owned by whoever holds stats_lock: the management threads take turns. */
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rte_eth_stats last_good[RTE_MAX_ETHPORTS];

int drv_port_stats(uint16_t port_id, struct rte_eth_stats *st)
{
	int rc;

	if (port_id >= RTE_MAX_ETHPORTS) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	pthread_mutex_lock(&stats_lock);
	rc = rte_eth_stats_get(port_id, st);
	if (rc == 0)
		last_good[port_id] = *st;
	else
		*st = last_good[port_id];
	pthread_mutex_unlock(&stats_lock);
	return rc == 0 ? 0 : -1;
}

void drv_port_stats_forget(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS)
		return;
	pthread_mutex_lock(&stats_lock);
	memset(&last_good[port_id], 0, sizeof(last_good[port_id]));
	pthread_mutex_unlock(&stats_lock);
}
