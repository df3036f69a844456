/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_args.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_args.h"
#include "mr_config.h"
#include "mr_pidfile.h"

const char *ctl_args_usage(void)
{
	return "usage: meshrelayctl [-s SOCKET | -c CONFIG | -p PREFIX] [--json] COMMAND\n"
	       "  check FILE                 validate a configuration file\n"
	       "  status                     the data plane's generation, uptime, sizes\n"
	       "  show counters|drops|ports|neighbours|flows|flow_list|routes|pools|services|\n"
	       "       listeners|lcores|steering|learned\n"
	       "  show port NAME\n"
	       "  show status                the same as status\n"
	       "  push FILE                  validate FILE, then apply it live\n"
	       "  reload                     SIGHUP meshrelay-cp, wait for its word on the file\n"
	       "  top [ROUNDS]               rates every second: connections, refusals, ports,\n"
	       "                             the busiest pools and members (ROUNDS times)\n"
	       "  port NAME pause|resume     stop (or resume) polling and sending on a data\n"
	       "                             port: pause a memif port before its peer leaves\n"
	       "  -s, --socket PATH          control socket (default " MR_CONTROL_SOCKET ")\n"
	       "  -c, --config FILE          use the file's dataplane.control_socket\n"
	       "  -p, --prefix PREFIX        read DPDK telemetry of the EAL file prefix instead\n"
	       "                             (show only, read-only)\n"
	       "  --pidfile FILE             meshrelay-cp's pid file (default " MR_CP_PIDFILE ")\n"
	       "  --json                     print the answer as JSON (not for top)\n"
	       "exit codes: 0 ok, 1 refused or failed, 2 usage, 3 data plane unreachable\n";
}

bool ctl_args_known_object(const char *what)
{
	static const char *const known[] = { "counters", "drops", "ports", "neighbours", "port",
					     "flows", "flow_list", "routes", "pools", "services", "listeners",
					     "lcores", "steering", "learned", "status" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(what, known[i]) == 0)
			return true;
	return false;
}

/* The command and its operands; argv holds only those (options removed). */
static int parse_command(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen)
{
	static const struct { const char *name; enum ctl_cmd cmd; int min, max; } cmds[] = {
		{ "check", CTL_CMD_CHECK, 1, 1 }, { "status", CTL_CMD_STATUS, 0, 0 },
		{ "show", CTL_CMD_SHOW, 1, 2 },   { "push", CTL_CMD_PUSH, 1, 1 },
		{ "reload", CTL_CMD_RELOAD, 0, 0 }, { "top", CTL_CMD_TOP, 0, 1 },
		{ "port", CTL_CMD_PORT, 2, 2 },
	};

	for (size_t i = 0; argc > 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name) != 0)
			continue;
		if (argc - 1 < cmds[i].min || argc - 1 > cmds[i].max) {
			snprintf(err, errlen, "wrong number of operands for '%s'", argv[0]);
			return -1;
		}
		o->cmd = cmds[i].cmd;
		o->what = argc > 1 ? argv[1] : NULL;
		o->arg = argc > 2 ? argv[2] : NULL;
		return 0;
	}
	if (argc > 0)
		snprintf(err, errlen, "unknown command '%s'", argv[0]);
	else
		snprintf(err, errlen, "no command");
	return -1;
}

/* A port's name as the configuration allows it (a-z, 0-9, '-', '_', shorter than
 * MR_NAME_MAX): anything else names no port, and a space would be read as a second word
 * by the data plane (a "NAME ACTION" line). */
static bool port_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len < MR_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == len;
}

/* top's rounds: 1 to CTL_TOP_MAX_ROUNDS, in decimal (none: until stopped). */
#define CTL_TOP_MAX_ROUNDS 1000000u
static bool rounds_ok(const char *text)
{
	size_t len = strlen(text);
	unsigned long rounds = strtoul(text, NULL, 10);

	return len && len <= 7 && strspn(text, "0123456789") == len && rounds >= 1 &&
	       rounds <= CTL_TOP_MAX_ROUNDS;
}

/* What only makes sense in one mode, and show's objects. */
static int check_mode(const struct ctl_opts *o, char *err, size_t errlen)
{
	if (o->cmd == CTL_CMD_TOP && o->what && !rounds_ok(o->what)) {
		snprintf(err, errlen, "'top' takes a number of rounds, 1 to %u", CTL_TOP_MAX_ROUNDS);
		return -1;
	}
	if (o->cmd == CTL_CMD_PORT && ((strcmp(o->arg, "pause") != 0 &&
					strcmp(o->arg, "resume") != 0) || !port_name_ok(o->what))) {
		snprintf(err, errlen, "'port' takes a port name, then pause or resume");
		return -1;
	}
	if (o->json && o->cmd == CTL_CMD_TOP) {
		snprintf(err, errlen, "'top' draws a screen: --json does not apply to it");
		return -1;
	}
	if (o->mode == CTL_MODE_TELEMETRY && o->cmd != CTL_CMD_SHOW && o->cmd != CTL_CMD_CHECK) {
		snprintf(err, errlen, "telemetry (-p) is read-only: only 'show' and 'check'");
		return -1;
	}
	if (o->cmd == CTL_CMD_SHOW) {
		if (!ctl_args_known_object(o->what)) {
			snprintf(err, errlen, "unknown object '%s'", o->what);
			return -1;
		}
		if ((strcmp(o->what, "port") == 0) != (o->arg != NULL) ||
		    (o->arg && !port_name_ok(o->arg))) {
			snprintf(err, errlen, "'show port' takes a port name, the others none");
			return -1;
		}
	}
	return 0;
}

int ctl_args_parse(int argc, char **argv, struct ctl_opts *o, char *err, size_t errlen)
{
	const struct mr_arg_opt opts[] = {
		{ "prefix", 'p', &o->prefix, NULL },
		{ "socket", 's', &o->socket, NULL },
		{ "config", 'c', &o->config, NULL },
		{ "pidfile", 0, &o->pidfile, NULL },
		{ "json", 0, NULL, &o->json },
		{ NULL, 0, NULL, NULL },
	};
	int first, rc;

	memset(o, 0, sizeof(*o));
	o->pidfile = MR_CP_PIDFILE;
	rc = mr_args_parse(argc, argv, opts, ctl_args_usage(), &first, err, errlen);
	if (rc != 0)
		return rc;
	if (!!o->prefix + !!o->socket + !!o->config > 1) {
		snprintf(err, errlen, "give at most one of -s, -c and -p");
		return -1;
	}
	if (o->prefix && (!o->prefix[0] || strchr(o->prefix, '/'))) {
		snprintf(err, errlen, "bad prefix");
		return -1;
	}
	/* A path cut to fit a socket address would reach whatever socket its first bytes
	 * name; an empty one, Linux's abstract namespace. */
	if (o->prefix && strlen(o->prefix) > CTL_PREFIX_MAX) {
		snprintf(err, errlen, "prefix longer than %zu bytes", CTL_PREFIX_MAX);
		return -1;
	}
	if (o->socket && (!o->socket[0] || strlen(o->socket) >= MR_PATH_MAX)) {
		snprintf(err, errlen, "socket path empty or longer than %d bytes", MR_PATH_MAX - 1);
		return -1;
	}
	o->mode = o->prefix ? CTL_MODE_TELEMETRY : CTL_MODE_SOCKET;
	if (o->mode == CTL_MODE_SOCKET && !o->socket && !o->config)
		o->socket = MR_CONTROL_SOCKET;
	if (parse_command(argc - first, argv + first, o, err, errlen) < 0)
		return -1;
	return check_mode(o, err, errlen);
}
