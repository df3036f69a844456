/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_args.h"

#include <stdio.h>
#include <string.h>

#include "mr_args.h"
#include "mr_config.h"
#include "mr_pidfile.h"

const char *cp_args_usage(void)
{
	return "usage: meshrelay-cp -c FILE [-s SOCKET] [--pidfile FILE] [--status FILE]\n"
	       "  -c, --config FILE   configuration pushed to the data plane (SIGHUP re-reads it)\n"
	       "  -s, --socket PATH   control socket (default: the file's dataplane.control_socket)\n"
	       "  --pidfile FILE      pid file (default " MR_CP_PIDFILE "; \"\" for none)\n"
	       "  --status FILE       keep TURN and discovery state there as JSON\n";
}

int cp_args_parse(int argc, char **argv, struct cp_opts *o, char *err, size_t errlen)
{
	const struct mr_arg_opt opts[] = {
		{ "config", 'c', &o->config, NULL },
		{ "socket", 's', &o->socket, NULL },
		{ "pidfile", 0, &o->pidfile, NULL },
		{ "status", 0, &o->status, NULL },
		{ NULL, 0, NULL, NULL },
	};
	int first, rc;

	memset(o, 0, sizeof(*o));
	o->pidfile = MR_CP_PIDFILE;
	rc = mr_args_parse(argc, argv, opts, cp_args_usage(), &first, err, errlen);
	if (rc != 0)
		return rc;
	if (first < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[first]);
		return -1;
	}
	if (!o->config) {
		snprintf(err, errlen, "-c FILE is required");
		return -1;
	}
	if (o->socket && (o->socket[0] != '/' || strlen(o->socket) >= MR_PATH_MAX)) {
		snprintf(err, errlen, "-s needs an absolute socket path shorter than %d bytes", MR_PATH_MAX);
		return -1;
	}
	if (o->status && (!*o->status || strlen(o->status) > CP_STATUS_PATH_MAX)) {
		snprintf(err, errlen, "--status needs a file name of 1 to %d bytes",
			 CP_STATUS_PATH_MAX);
		return -1;
	}
	return 0;
}
