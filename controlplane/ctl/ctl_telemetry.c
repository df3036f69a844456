/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_print.h"
#include "json.h"

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

/* {"/meshrelay/OBJECT": null}: the data plane has no such object (a port NAME it lacks). */
static bool answer_is_null(const char *reply)
{
	struct json_value *doc = json_parse(reply, strlen(reply), NULL, 0);
	const struct json_value *v = json_len(doc) == 1 ? json_at(doc, 0) : NULL;
	bool null = v && v->type == JSON_NULL;

	json_free(doc);
	return null;
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
	if (rc == 0 && answer_is_null(reply))
		rc = 1;
	if (rc == 0) {
		if (json)
			printf("%s\n", reply);
		else
			ctl_print_telemetry(stdout, reply);
	}
	free(reply);
	return rc;
}
