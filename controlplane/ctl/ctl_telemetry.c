/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_args.h"
#include "ctl_print.h"
#include "json.h"

#define REPLY_MAX (64 * 1024)
#define TELEMETRY_TIMEOUT_MS 10000 /* as long as the control socket gives an answer */

/* Every step waits at most ms, the connect included (a stopped data plane's listen backlog
 * fills): a data plane that does not answer must not hang the command. */
static int set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0 ? 0 : -1;
}

/* A connect that ran out of time says so, not "Resource temporarily unavailable". */
static const char *connect_failure(int e)
{
	return e == EAGAIN ? "it accepts no connection (stopped?)" : strerror(e);
}

int ctl_telemetry_query(const char *path, const char *cmd, char *reply, size_t len,
			int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (set_timeouts(fd, timeout_ms) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "meshrelayctl: cannot reach the data plane at %s: %s\n", path,
			connect_failure(errno));
		close(fd);
		return -1;
	}
	/* The first message is the server's greeting; the second answers our command. */
	n = recv(fd, reply, len - 1, 0);
	if (n > 0)
		n = send(fd, cmd, strlen(cmd), 0) > 0 ? recv(fd, reply, len - 1, 0) : -1;
	e = errno;
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "meshrelayctl: no answer to %s%s\n", cmd,
			n < 0 && (e == EAGAIN || e == EWOULDBLOCK) ? " in time" : "");
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
	char cmd[96], path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *reply = malloc(REPLY_MAX);
	struct json_value *doc = NULL;
	const struct json_value *value;
	int rc;

	if (!reply)
		return 1;
	snprintf(cmd, sizeof(cmd), "/meshrelay/%s%s%s", what, arg ? "," : "", arg ? arg : "");
	snprintf(path, sizeof(path), CTL_TELEMETRY_PATH_FMT, prefix);
	rc = ctl_telemetry_query(path, cmd, reply, REPLY_MAX, TELEMETRY_TIMEOUT_MS) == 0 ?
		CTL_EXIT_OK : CTL_EXIT_UNREACHABLE;
	if (rc == 0)
		doc = json_parse(reply, strlen(reply), NULL, 0);
	value = answer_value(doc);
	/* DPDK answers null for whatever its callback failed: a port NAME the data plane
	 * lacks, or a report it could not make (stopping, a worker that did not answer). */
	if (value && value->type == JSON_NULL && arg) {
		fprintf(stderr, "meshrelayctl: refused: no %s %s\n", what, arg);
		rc = CTL_EXIT_FAILED;
	} else if (value && value->type == JSON_NULL) {
		fprintf(stderr, "meshrelayctl: the data plane gave no %s (stopping, a worker that "
			"did not answer, or a build without it)\n", what);
		rc = CTL_EXIT_UNREACHABLE;
	}
	else if (rc == 0 && (json || ctl_print_telemetry(stdout, value) < 0))
		printf("%s\n", reply);
	json_free(doc);
	free(reply);
	return rc;
}
