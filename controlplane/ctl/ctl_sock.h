/* SPDX-License-Identifier: BSD-3-Clause */
/* meshrelayctl's requests over the data plane's control socket. */
#ifndef CTL_SOCK_H
#define CTL_SOCK_H

#include "ctl_args.h"

/* Run o's status, show, push, reload, port or top command; returns an enum ctl_exit code
 * (a connection the data plane turns away: CTL_EXIT_UNREACHABLE, whatever the command). */
int ctl_sock_run(const struct ctl_opts *o);

#endif
