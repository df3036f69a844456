/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging shared by every meshrelay process: levels, stderr or syslog. */
#ifndef MR_LOG_H
#define MR_LOG_H

#include <stdbool.h>

enum mr_log_level {
	MR_LOG_ERR = 0,
	MR_LOG_WARN,
	MR_LOG_NOTICE,
	MR_LOG_INFO,
	MR_LOG_DEBUG,
};

/* Set the program name, the most verbose level printed, and the sink. Safe to call again. */
void mr_log_init(const char *ident, enum mr_log_level level, bool use_syslog);

/* Parse "err|warn|notice|info|debug"; returns the level or -1 when unknown. */
int mr_log_level_parse(const char *name);

/* Print one line at a level; lines above the configured level are skipped cheaply. Control
 * bytes in the message (newlines included) are written escaped, as \n, \r, \t or \xNN. */
void mr_log(enum mr_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
