/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_textfile.h"

pid_t mr_pidfile_read(const char *path)
{
	char text[32];
	char *end;
	ssize_t n;
	long v;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC); /* a link is no pid file */

	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || v <= 0 || v > 0x3fffffff)
		return -1;
	return (pid_t)v;
}

int mr_pidfile_write(const char *path, char *err, size_t errlen)
{
	pid_t old = mr_pidfile_read(path);
	char text[32];
	int fd, len;

	/* A file left by a crashed run is replaced; a running instance is not disturbed. */
	if (old > 0 && old != getpid() && (kill(old, 0) == 0 || errno == EPERM)) {
		snprintf(err, errlen, "%s: process %d is running: another meshrelay-cp?", path,
			 (int)old);
		return -1;
	}
	fd = mr_textfile_create(path, err, errlen);
	if (fd < 0)
		return -1;
	len = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	if (write(fd, text, (size_t)len) != len) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void mr_pidfile_remove(const char *path)
{
	if (mr_pidfile_read(path) == getpid())
		unlink(path);
}
