/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's control socket: a UNIX stream socket served by its own thread, never by
 * a worker; what each message asks is carried out by mgmt_command (PING, QUERY, PUSH,
 * BIND, PORT, CLAIM). Only root, the socket's owner and members of the configured group
 * (primary or supplementary) may talk to it; messages are capped in size, a client that
 * stalls mid-message is dropped and one idle for 30 s is closed, an answer a client does
 * not read waits in its own buffer (its next request is read once it has gone; 10 s at
 * most), and when all 16 slots are taken a new client gets the slot of the one idle
 * longest (if idle for 2 s), so no silent or idle client can hold the data plane or the
 * socket.
 */
#ifndef MGMT_SERVER_H
#define MGMT_SERVER_H

#include <stddef.h>

#include "dp.h"

/* Create the socket at path (mode 0600, or 0660 in group when set) and start serving it.
 * 0, or -1 with err; mgmt_server_stop after either (a failed start may have bound it). */
int mgmt_server_start(struct dp_appliance *app, const char *path, const char *group, char *err,
		     size_t errlen);

/* Stop the thread, close every client and remove the socket. Safe when never started. */
void mgmt_server_stop(void);

#endif
