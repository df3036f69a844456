#include "cp_args.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "status", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->pidfile = MR_CP_PIDFILE;
	optind = 0; /* full getopt reset: parsing may run more than once (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 's': o->socket = optarg; break;
		case 'P': o->pidfile = optarg; break;
		case 'S': o->status = optarg; break;
		case 'h': fputs(cp_args_usage(), stdout); return 1;
		case ':':
			snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
			return -1;
		default:
			snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
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
	return 0;
}
