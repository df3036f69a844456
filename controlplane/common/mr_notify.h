/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's readiness protocol (systemd's sd_notify, without libsystemd): one
 * datagram of "KEY=VALUE" lines to the socket $NOTIFY_SOCKET names, when it names one. A
 * data plane run as Type=notify says when it is ready, that it stops, and, while it
 * drains, asks for more time than TimeoutStopSec as long as the drain goes on.
 */
#ifndef MR_NOTIFY_H
#define MR_NOTIFY_H

#include <stdbool.h>

/* Send text (e.g. "READY=1\nSTATUS=...") to $NOTIFY_SOCKET: true when sent, false when
 * there is no such socket or it refused (nothing else happens: a process started by
 * hand has none). */
bool mr_notify(const char *text);

#endif
