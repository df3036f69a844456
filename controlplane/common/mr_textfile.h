/* SPDX-License-Identifier: BSD-3-Clause */
/* Whole small text files (configurations) read into memory, bounded; files a privileged
 * process writes at a configured path (the status file) created afresh. */
#ifndef MR_TEXTFILE_H
#define MR_TEXTFILE_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file of at most max bytes into a malloc'd NUL-terminated buffer.
 * 0 with *text and *len, or -1 with "path: reason" in err. */
int mr_textfile_read(const char *path, uint32_t max, char **text, uint32_t *len, char *err,
		     size_t errlen);

/* Create path anew for writing, mode 0644: whatever is there (a stale file, or a symbolic
 * or hard link someone planted) is unlinked first, and the new file is made with O_EXCL
 * and O_NOFOLLOW, so nothing is ever written through a link. fd, or -1 with "path:
 * reason" in err. */
int mr_textfile_create(const char *path, char *err, size_t errlen);

#endif
