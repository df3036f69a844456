/* SPDX-License-Identifier: BSD-3-Clause */
/* Command line of meshrelay-cp: -c FILE [-s SOCKET] [--pidfile FILE] [--status FILE]. */
#ifndef CP_ARGS_H
#define CP_ARGS_H

#include <stddef.h>

struct cp_opts {
	const char *config;   /* the libconfig file pushed to the data plane */
	const char *socket;   /* overrides the file's dataplane.control_socket; or NULL */
	const char *pidfile;  /* MR_CP_PIDFILE unless given; "" writes none */
	const char *status;   /* JSON state of TURN and discovery, or NULL */
};

/* The longest --status path (its file is written beside it, the name and ".tmp"). */
#define CP_STATUS_PATH_MAX 255

/* Fill o from argv (pointers into argv). 0 to run, 1 when help was asked for (usage
 * printed to stdout), -1 with a reason in err on a usage error. */
int cp_args_parse(int argc, char **argv, struct cp_opts *o, char *err, size_t errlen);

/* The usage text, for messages. */
const char *cp_args_usage(void);

#endif
