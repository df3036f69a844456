/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelayctl: operator CLI. Validates configuration files; talks to the data plane over
 * its control socket (status, show, push, reload) or reads its counters through DPDK
 * telemetry (-p PREFIX, show only).
 * Exit codes: 0 ok, 1 refused or failed, 2 usage error, 3 data plane unreachable.
 */
#include <stdio.h>

#include "ctl_args.h"
#include "ctl_sock.h"
#include "ctl_telemetry.h"
#include "mr_config.h"

static int cmd_check(const char *path)
{
	static struct mr_config conf;
	char err[MR_ERR_MAX];

	if (mr_config_load_file(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return CTL_EXIT_FAILED;
	}
	printf("%s: valid: %u port(s), %u listener(s)\n", path, conf.n_ports, conf.n_listeners);
	return CTL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctl_opts o;
	char err[256];
	int rc = ctl_args_parse(argc, argv, &o, err, sizeof(err));

	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "meshrelayctl: %s\n%s", err, ctl_args_usage());
		return rc < 0 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (o.cmd == CTL_CMD_CHECK)
		return cmd_check(o.what);
	if (o.mode == CTL_MODE_TELEMETRY)
		return ctl_telemetry_show(o.prefix, o.what, o.arg, o.json);
	return ctl_sock_run(&o);
}
