/* SPDX-License-Identifier: BSD-3-Clause */
/* Whole small text files (configurations) read into memory, bounded. */
#ifndef MR_TEXTFILE_H
#define MR_TEXTFILE_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file of at most max bytes into a malloc'd NUL-terminated buffer.
 * 0 with *text and *len, or -1 with "path: reason" in err. */
int mr_textfile_read(const char *path, uint32_t max, char **text, uint32_t *len, char *err,
		     size_t errlen);

#endif
