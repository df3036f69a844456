#include "ctl_telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


#define REPLY_MAX (64 * 1024)

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

int ctl_telemetry_show(const char *prefix, const char *what, const char *arg, bool json)
{
	char cmd[96];
	char *reply = malloc(REPLY_MAX);
	int rc;

	if (!reply)
		return 1;
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
