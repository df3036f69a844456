/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "hex.h"

#define MR_LOG_LINE_MAX 1024 /* a message, and a line, longer than this are cut */

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

/* c as it is written in a line: itself, or an escape (\n, \r, \t, \xNN) for control
 * bytes and DEL, and \\ for a backslash, so that a peer's text "\n" never reads as an
 * escaped newline. Its length in esc (not NUL-terminated). */
static size_t escape_byte(unsigned char c, char esc[4])
{
	if (c == '\\') {
		esc[0] = esc[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c != 0x7f) {
		esc[0] = (char)c;
		return 1;
	}
	esc[0] = '\\';
	esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 'x';
	if (esc[1] != 'x')
		return 2;
	hex_encode(&c, 1, esc + 2);
	return 4;
}

/* text into out (cap bytes, NUL-terminated) with its control bytes escaped: peers' words
 * (a TURN server's reason phrase, an etcd error body) reach messages, and a newline among
 * them would forge a line of its own. Cut before an escape that does not fit. */
static void escape_controls(char *out, size_t cap, const char *text)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		char esc[4];
		size_t n = escape_byte(*p, esc);

		if (o + n >= cap)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
}

/* One buffer, one write: lines from several threads do not interleave. */
static void write_line(enum mr_log_level level, const char *text)
{
	char line[MR_LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s[%s] ",
		     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     log_state.ident, level_names[level]);
	if (n > 0 && (size_t)n < sizeof(line))
		escape_controls(line + n, sizeof(line) - (size_t)n, text);
	fprintf(stderr, "%s\n", line);
}

void mr_log(enum mr_log_level level, const char *fmt, ...)
{
	char text[MR_LOG_LINE_MAX];
	va_list ap;

	if (level > log_state.level)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (log_state.use_syslog) {
		char safe[MR_LOG_LINE_MAX];

		escape_controls(safe, sizeof(safe), text);
		syslog(level_syslog_prio[level], "%s", safe);
	} else {
		write_line(level, text);
	}
}
