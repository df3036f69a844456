/*
 * meshrelayctl: operator CLI. Validates configuration files and reads the data plane's
 * counters, ports and neighbours through DPDK telemetry (/meshrelay/... commands).
 * Exit codes: 0 ok, 1 the request failed or was refused, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mr_config.h"

#define REPLY_MAX (64 * 1024)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: meshrelayctl [-p PREFIX] [--json] COMMAND\n"
		"  check FILE                 validate a configuration file\n"
		"  show counters|drops|ports|neighbours|flows|flow_list\n"
		"  show port NAME\n"
		"  -p, --prefix PREFIX        EAL file prefix of the data plane (default rte)\n"
		"  --json                     print the raw JSON answer\n");
}

static int telemetry_query(const char *prefix, const char *cmd, char *reply, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/var/run/dpdk/%s/dpdk_telemetry.v2", prefix);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "meshrelayctl: cannot reach the data plane at %s: %s\n",
			sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	/* The first message is the server's greeting; the second answers our command. */
	n = recv(fd, reply, len - 1, 0);
	if (n > 0 && send(fd, cmd, strlen(cmd), 0) > 0)
		n = recv(fd, reply, len - 1, 0);
	else
		n = -1;
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "meshrelayctl: no answer to %s\n", cmd);
		return -1;
	}
	reply[n] = '\0';
	return 0;
}

/* Our answers are one level deep: {"cmd": {"k": v, ...}} or {"cmd": [v, ...]}.
 * Print them as "key value" lines or one item per line; quotes dropped. */
static void print_flat(const char *json)
{
	const char *p = strchr(json, ':');
	bool in_string = false;

	if (!p)
		return;
	for (p++; *p; p++) {
		char c = *p;

		if (c == '"') {
			in_string = !in_string;
			continue;
		}
		if (in_string) {
			putchar(c);
			continue;
		}
		if (c == ':')
			putchar(' ');
		else if (c == ',')
			putchar('\n');
		else if (!strchr("{}[] ", c))
			putchar(c);
	}
	putchar('\n');
}

static int cmd_show(const char *prefix, const char *what, const char *arg, bool json)
{
	static const char *const known[] = { "counters", "drops", "ports", "neighbours", "port",
						   "flows", "flow_list" };
	char cmd[96];
	char *reply = malloc(REPLY_MAX);
	int rc = 1;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(what, known[i]) == 0)
			rc = 0;
	if (rc != 0 || !reply) {
		fprintf(stderr, "meshrelayctl: unknown object '%s'\n", what);
		free(reply);
		return 2;
	}
	if ((strcmp(what, "port") == 0) != (arg != NULL) || (arg && strlen(arg) >= MR_NAME_MAX)) {
		fprintf(stderr, "meshrelayctl: 'show port' takes a port name, the others none\n");
		free(reply);
		return 2;
	}
	snprintf(cmd, sizeof(cmd), "/meshrelay/%s%s%s", what, arg ? "," : "", arg ? arg : "");
	rc = telemetry_query(prefix, cmd, reply, REPLY_MAX) == 0 ? 0 : 1;
	if (rc == 0 && strstr(reply, ": null}"))
		rc = 1;
	if (rc == 0) {
		if (json)
			printf("%s\n", reply);
		else
			print_flat(reply);
	}
	free(reply);
	return rc;
}

static int cmd_check(const char *path)
{
	static struct mr_config conf;
	char err[MR_ERR_MAX];

	if (mr_config_load_file(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: valid: %u port(s), %u listener(s)\n", path, conf.n_ports, conf.n_listeners);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "rte";
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': prefix = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strchr(prefix, '/')) {
		fprintf(stderr, "meshrelayctl: bad prefix\n");
		return 2;
	}
	if (argc - optind == 2 && strcmp(argv[optind], "check") == 0)
		return cmd_check(argv[optind + 1]);
	if ((argc - optind == 2 || argc - optind == 3) && strcmp(argv[optind], "show") == 0)
		return cmd_show(prefix, argv[optind + 1], argc - optind == 3 ? argv[optind + 2] : NULL,
				json);
	usage(stderr);
	return 2;
}
