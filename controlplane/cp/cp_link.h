/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelay-cp's connection to the data plane: connect with back-off, claim the data
 * plane's configuration (no one else's push is taken while we are connected), push the
 * last good configuration, ping every second, and push again whenever the data plane has
 * another configuration in force than ours (it restarted, or a push came before our claim).
 */
#ifndef CP_LINK_H
#define CP_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_backoff.h"
#include "cp_conf.h"
#include "mr_config.h"

#define CP_PING_INTERVAL_MS 1000
#define CP_PING_TIMEOUT_MS 3000
#define CP_PUSH_TIMEOUT_MS 30000 /* a large route table and the RCU grace period */

struct cp_link {
	int fd;                      /* -1 while disconnected */
	char path[MR_PATH_MAX];
	struct cp_backoff backoff;
	int64_t next_connect_ms;     /* while disconnected */
	int64_t next_ping_ms;        /* while connected */
	unsigned int failures;       /* connection attempts failed in a row */
	uint32_t dp_generation;      /* in force at the data plane, from its last answer */
	bool dp_client_header;       /* it reads gateways' client headers (its last status) */
	uint32_t pushed;             /* our generation last applied ... */
	uint32_t pushed_as;          /* ... and the number the data plane gave it */
	uint32_t refused;            /* our generation refused on this connection, or 0 */
	bool claimed;                /* the data plane left its configuration to us (or does
				      * not know claims): else asked again at every ping */
	int64_t hold_until_ms;       /* cp_link_hold_first_push's, 0: none */
};

/* A disconnected link to the socket at path; the first attempt is due at once. */
void cp_link_init(struct cp_link *l, const char *path);

/* Point the link at another socket path (a reload changed it): the next connection goes
 * there; one open now stays (its data plane listens where it started). */
void cp_link_set_path(struct cp_link *l, const char *path);

/* Do whatever is due at now_ms (connect, ping, push conf). Returns the milliseconds until
 * something is due again, for the caller's poll. */
int cp_link_tick(struct cp_link *l, const struct cp_conf *conf, int64_t now_ms);

/* A data plane that already runs a configuration (a previous meshrelay-cp's, with the
 * gateways it learned) gets none of ours from the ticks before until_ms (0: from now):
 * what it runs stays in force while our discovery has not answered yet. A data plane
 * that runs none gets ours at once. until_ms 0 lets go at the next tick. */
void cp_link_hold_first_push(struct cp_link *l, int64_t until_ms);

/* Push conf now if connected (a reload). 0 applied, 1 refused, -1 not connected/failed. */
int cp_link_push(struct cp_link *l, const struct cp_conf *conf, int64_t now_ms);

/* Ask the data plane to open an RFC 6062 data connection ("server=IP:PORT source=IP
 * tid=HEX bind=HEX"). 0 started, 1 refused (logged), -1 not connected or failed. */
int cp_link_bind(struct cp_link *l, const char *text);

/* Ask the data plane for its report called name (MR_CTL_QUERY). 0 with the answer in
 * *reply (the caller frees it), 1 refused (logged), -1 not connected or failed. */
int cp_link_query(struct cp_link *l, const char *name, char **reply);

/* The connection failed (the peer closed, refused us, or broke the protocol): drop it and
 * schedule a reconnect, sooner after a link that worked than after repeated failures. */
void cp_link_lost(struct cp_link *l, int64_t now_ms, const char *why);

/* Close the connection, if any; no generation is known in force after it. */
void cp_link_close(struct cp_link *l);

#endif
