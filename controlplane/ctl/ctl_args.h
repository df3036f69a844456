/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line of meshrelayctl. Two ways to reach the data plane: its DPDK telemetry
 * socket (-p PREFIX; read-only counters) or its control socket (-s SOCKET, or -c CONFIG
 * for the file's dataplane.control_socket; the default when neither -p is given).
 */
#ifndef CTL_ARGS_H
#define CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes scripts can rely on. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1,       /* refused by the data plane, or the request failed */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3,  /* no connection, not allowed, or no answer in time */
};

/* The longest -p PREFIX: the telemetry socket /var/run/dpdk/PREFIX/dpdk_telemetry.v2
 * must fit a socket address (108 bytes, NUL included). */
#define CTL_TELEMETRY_PATH_FMT "/var/run/dpdk/%s/dpdk_telemetry.v2"
#define CTL_PREFIX_MAX ((size_t)108 - 1 - (sizeof(CTL_TELEMETRY_PATH_FMT) - 1 - 2))

enum ctl_mode {
	CTL_MODE_SOCKET,
	CTL_MODE_TELEMETRY,
};

enum ctl_cmd {
	CTL_CMD_CHECK,   /* check FILE */
	CTL_CMD_STATUS,  /* status */
	CTL_CMD_SHOW,    /* show OBJECT [NAME] */
	CTL_CMD_PUSH,    /* push FILE */
	CTL_CMD_RELOAD,  /* reload */
	CTL_CMD_TOP,     /* top [ROUNDS] */
	CTL_CMD_PORT,    /* port NAME pause|resume */
};

struct ctl_opts {
	enum ctl_mode mode;
	const char *prefix;   /* telemetry: EAL file prefix */
	const char *socket;   /* control socket path, or NULL when config names it */
	const char *config;   /* -c FILE, or NULL */
	const char *pidfile;  /* meshrelay-cp's pid file, for reload */
	bool json;
	enum ctl_cmd cmd;
	const char *what;     /* the object of show, or the FILE of check and push */
	const char *arg;      /* show port NAME; port NAME's pause or resume */
};

/* Fill o from argv (pointers into argv). 0 to run, 1 when help was asked for (usage
 * printed to stdout), -1 with a reason in err on a usage error (exit code 2). */
int ctl_args_parse(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen);

/* Whether what is an object `show` knows (both ways of reaching the data plane). */
bool ctl_args_known_object(const char *what);

/* The usage text. */
const char *ctl_args_usage(void);

#endif
