/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_args.h"
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

/* VALUE of the answer {"/meshrelay/OBJECT": VALUE}, or NULL when it is not one. */
static const struct json_value *answer_value(const struct json_value *doc)
{
	return doc && doc->type == JSON_OBJECT && json_len(doc) == 1 ? json_at(doc, 0) : NULL;
}

int ctl_telemetry_show(const char *prefix, const char *what, const char *arg, bool json)
{
	char cmd[96];
	char *reply = malloc(REPLY_MAX);
	struct json_value *doc = NULL;
	const struct json_value *value;
	int rc;

	if (!reply)
		return 1;
	snprintf(cmd, sizeof(cmd), "/meshrelay/%s%s%s", what, arg ? "," : "", arg ? arg : "");
	rc = telemetry_query(prefix, cmd, reply, REPLY_MAX) == 0 ? CTL_EXIT_OK
								  : CTL_EXIT_UNREACHABLE;
	if (rc == 0)
		doc = json_parse(reply, strlen(reply), NULL, 0);
	value = answer_value(doc);
	if (value && value->type == JSON_NULL) { /* no such object: a port NAME it lacks */
		fprintf(stderr, "meshrelayctl: refused: no %s%s%s\n", what, arg ? " " : "",
			arg ? arg : "");
		rc = CTL_EXIT_FAILED;
	}
	else if (rc == 0 && (json || ctl_print_telemetry(stdout, value) < 0))
		printf("%s\n", reply);
	json_free(doc);
	free(reply);
	return rc;
}
