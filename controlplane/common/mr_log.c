/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* Written at start-up by the main thread only, read by all afterwards. */
static struct {
	const char *ident;
	enum mr_log_level level;
	bool use_syslog;
} log_state = { "meshrelay", MR_LOG_INFO, false };

static const char *const level_names[] = {
	[MR_LOG_ERR] = "err",
	[MR_LOG_WARN] = "warn",
	[MR_LOG_NOTICE] = "notice",
	[MR_LOG_INFO] = "info",
	[MR_LOG_DEBUG] = "debug",
};

static const int level_syslog_prio[] = {
	[MR_LOG_ERR] = LOG_ERR,
	[MR_LOG_WARN] = LOG_WARNING,
	[MR_LOG_NOTICE] = LOG_NOTICE,
	[MR_LOG_INFO] = LOG_INFO,
	[MR_LOG_DEBUG] = LOG_DEBUG,
};

void mr_log_init(const char *ident, enum mr_log_level level, bool use_syslog)
{
	log_state.ident = ident;
	log_state.level = level;
	if (use_syslog && !log_state.use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_state.use_syslog = use_syslog;
}

int mr_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void mr_log(enum mr_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_state.level)
		return;
	va_start(ap, fmt);
	if (log_state.use_syslog) {
		vsyslog(level_syslog_prio[level], fmt, ap);
	} else {
		/* One buffer, one write: lines from several threads do not interleave. */
		char line[1024];
		struct timespec ts;
		struct tm tm;
		int n;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s[%s] ",
			     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
			     log_state.ident, level_names[level]);
		if (n > 0 && (size_t)n < sizeof(line))
			vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		fprintf(stderr, "%s\n", line);
	}
	va_end(ap);
}
