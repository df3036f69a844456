/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRETS_MAX_BYTES (1u << 20)

/* A secret readable by others is already leaked: refuse it rather than use it. */
static int check_file(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s: mode %03o lets others read or write it; chmod 600",
			 path, (unsigned int)(st.st_mode & 0777));
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, neither this user nor root", path,
			 (unsigned int)st.st_uid);
		return -1;
	}
	return 0;
}

static int add_line(struct cp_secrets *s, char *line, const char *path, unsigned int lineno,
		    char *err, size_t errlen)
{
	char *save = NULL;
	char *server = strtok_r(line, " \t\r", &save);
	char *user = server ? strtok_r(NULL, " \t\r", &save) : NULL;
	char *password = user ? strtok_r(NULL, " \t\r", &save) : NULL;
	struct cp_secret *e;

	if (!server || server[0] == '#')
		return 0;
	if (!password || strtok_r(NULL, " \t\r", &save)) {
		snprintf(err, errlen, "%s:%u: expected SERVER USER PASSWORD", path, lineno);
		return -1;
	}
	if (strlen(server) >= sizeof(e->server) || strlen(user) >= sizeof(e->user) ||
	    strlen(password) >= sizeof(e->password)) {
		snprintf(err, errlen, "%s:%u: a field is too long", path, lineno);
		return -1;
	}
	if (cp_secrets_find(s, server)) {
		snprintf(err, errlen, "%s:%u: server '%s' appears twice", path, lineno, server);
		return -1;
	}
	e = &s->v[s->n++]; /* parse() made room for every line */
	snprintf(e->server, sizeof(e->server), "%s", server);
	snprintf(e->user, sizeof(e->user), "%s", user);
	snprintf(e->password, sizeof(e->password), "%s", password);
	return 0;
}

/* The entries are held in one array sized for every line at once: an array grown and
 * moved would leave the passwords read so far in the freed block. */
static int parse(struct cp_secrets *s, char *text, const char *path, char *err, size_t errlen)
{
	unsigned int lineno = 0, lines = 1;
	char *save = NULL;

	for (const char *nl = strchr(text, '\n'); nl; nl = strchr(nl + 1, '\n'))
		lines++;
	s->v = calloc(lines, sizeof(*s->v));
	if (!s->v) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}

	/* strtok_r on "\n" would skip empty lines and miscount: split by hand. */
	for (char *line = text; line; line = save) {
		char *nl = strchr(line, '\n');

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (add_line(s, line, path, lineno, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Read from the descriptor that was checked, not the path again: no swap in between. */
static int read_all(int fd, const char *path, char **text, uint32_t *len, char *err,
		    size_t errlen)
{
	char *buf = malloc(SECRETS_MAX_BYTES + 1);
	size_t have = 0;
	ssize_t n;

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while ((n = read(fd, buf + have, SECRETS_MAX_BYTES + 1 - have)) > 0 &&
	       have + (size_t)n <= SECRETS_MAX_BYTES)
		have += (size_t)n;
	if (n != 0) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "larger than 1 MiB");
		explicit_bzero(buf, SECRETS_MAX_BYTES + 1);
		free(buf);
		return -1;
	}
	buf[have] = '\0';
	*text = buf;
	*len = (uint32_t)have;
	return 0;
}

int cp_secrets_load(const char *path, struct cp_secrets *out, char *err, size_t errlen)
{
	/* Non-blocking: a FIFO planted there is refused below, not waited on. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	char *text = NULL;
	uint32_t len = 0;
	int rc;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = check_file(fd, path, err, errlen);
	if (rc == 0)
		rc = read_all(fd, path, &text, &len, err, errlen);
	close(fd);
	if (rc == 0)
		rc = parse(out, text, path, err, errlen);
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	if (rc < 0)
		cp_secrets_free(out);
	return rc;
}

const struct cp_secret *cp_secrets_find(const struct cp_secrets *s, const char *server)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (strcmp(s->v[i].server, server) == 0)
			return &s->v[i];
	return NULL;
}

void cp_secrets_free(struct cp_secrets *s)
{
	if (s->v)
		explicit_bzero(s->v, s->n * sizeof(*s->v));
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
