/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay's part of bringing the appliance up and down: its secrets, the source
 * ports, generation 0 of the live configuration (with the RCU state that retires later
 * ones), and each worker's flow table. Main lcore only, while no worker runs.
 */
#ifndef RELAY_SETUP_H
#define RELAY_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"

/* Set app's relay state from app->conf (ports already known). 0, or -1 with err. */
int relay_up(struct dp_appliance *app, char *err, size_t errlen);

/* Release what relay_up made (the live configuration, the keys, the RCU state), and put
 * the kernel's ephemeral ports back as they were. */
void relay_down(struct dp_appliance *app);

/* Rotate the SYN cookie keys once SYNCOOKIE_ROTATE_MS has passed since the last rotation
 * (the first call only starts the clock). The main lcore, periodically, while workers run. */
void relay_secrets_tick(struct dp_appliance *app, uint64_t now_ms);

/* Give worker w (its index and app set) its flow table on a NUMA socket; false when out
 * of memory. */
bool relay_worker_up(struct dp_worker *w, int socket);

/* Release w's flows (their kept mbufs freed) and binds. */
void relay_worker_down(struct dp_worker *w);

#endif
