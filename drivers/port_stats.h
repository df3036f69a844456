/* SPDX-License-Identifier: BSD-3-Clause */
/* A port's basic statistics as the management threads read them (metrics, reports,
 * telemetry): one reader at a time, and the last good reading when a read fails. Some
 * drivers answer one request at a time (iavf asks its PF through a mailbox, and a second
 * asker gets an error), and others fold clear-on-read registers into totals: readers at
 * once lose counts or get errors. A failed read left zeros, which a scraper takes for a
 * counter reset (a spike of every count so far in its rates). */
#ifndef DRV_PORT_STATS_H
#define DRV_PORT_STATS_H

#include <stdint.h>

#include <rte_ethdev.h>

/* port_id's statistics in *st: 0 when read now; -1 when the read failed, with the last
 * good reading (zeros if there was none). Any thread; serialised here. */
int drv_port_stats(uint16_t port_id, struct rte_eth_stats *st);

/* Forgets the last good reading of port_id: a device started afresh under that id. */
void drv_port_stats_forget(uint16_t port_id);

#endif
