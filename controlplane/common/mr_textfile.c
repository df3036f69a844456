/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Grow buf so that at least two bytes are free, never beyond limit; -1 when it cannot. */
static int grow(char **buf, size_t *cap, size_t got, size_t limit)
{
	size_t want = *cap ? *cap * 2 : 8192;
	char *p;

	if (*cap - got >= 2)
		return 0;
	if (want > limit)
		want = limit;
	if (want <= *cap || !(p = realloc(*buf, want)))
		return -1;
	*buf = p;
	*cap = want;
	return 0;
}

int mr_textfile_read(const char *path, uint32_t max, char **text, uint32_t *len, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t got = 0, cap = 0, n = 1;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Room for max + 1 bytes and the NUL: reading one byte past max proves too large. */
	while (n > 0 && got <= max && grow(&buf, &cap, got, (size_t)max + 2) == 0) {
		n = fread(buf + got, 1, cap - got - 1, f);
		got += n;
	}
	if (n > 0 || ferror(f)) {
		if (ferror(f) || got <= max)
			snprintf(err, errlen, "%s: %s", path, ferror(f) ? "read error" : "out of memory");
		else
			snprintf(err, errlen, "%s: larger than %u bytes", path, max);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[got] = '\0';
	*text = buf;
	*len = (uint32_t)got;
	return 0;
}

/* Running as root, an open with O_CREAT alone would follow a link planted at the path
 * (by a user who may write to its directory, or through a stale link) and truncate or
 * write whatever file it names. Unlinking removes the link itself, never its target; if
 * another one appears before the open, O_EXCL makes the open fail instead. */
int mr_textfile_create(const char *path, char *err, size_t errlen)
{
	int fd;

	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, errno == EEXIST ?
			 "appeared again while it was replaced: refused" : strerror(errno));
	return fd;
}
