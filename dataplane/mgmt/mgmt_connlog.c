/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_connlog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "json.h"
#include "mr_clock.h"
#include "mr_log.h"
#include "mr_privs.h"
#include "mr_text.h"

#define CONNLOG_LINE_MAX 1536u
#define CONNLOG_BATCH 256u
#define CONNLOG_PERIOD_US 20000 /* 50 drains a second: a ring of 8,192 holds 400k/s */

static const char *const end_names[] = {
	[CONNLOG_END_OPEN] = "open", [CONNLOG_END_FIN] = "fin",
	[CONNLOG_END_RST_CLIENT] = "rst_client", [CONNLOG_END_RST_BACKEND] = "rst_backend",
	[CONNLOG_END_IDLE] = "idle", [CONNLOG_END_REFUSED] = "refused",
	[CONNLOG_END_ABORTED] = "aborted",
};
static const char *const route_names[] = {
	[CONNLOG_ROUTE_NONE] = "none", [CONNLOG_ROUTE_LOCAL] = "local",
	[CONNLOG_ROUTE_REMOTE] = "remote",
};

/* ,"key":"text" with text escaped as JSON. */
static bool put_str(char *buf, size_t cap, size_t *at, const char *key, const char *text)
{
	char esc[2 * (SNI_NAME_MAX + 1) + 8];

	if (json_escape(esc, sizeof(esc), text) < 0)
		snprintf(esc, sizeof(esc), "\"\"");
	return mr_text_put(buf, cap, at, ",\"%s\":%s", key, esc);
}

static void addr_text(const uint8_t *a, bool v6, char *out, size_t cap)
{
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

/* "2026-12-03T00:41:02.123Z" for wall-clock milliseconds ms. */
static void time_text(int64_t ms, char *out, size_t cap)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static const char *tls_text(uint16_t v)
{
	switch (v) {
	case 0x0304: return "1.3";
	case 0x0303: return "1.2";
	case 0x0302: return "1.1";
	case 0x0301: return "1.0";
	default: return v ? "other" : "";
	}
}

/* The connection's identity: when, who, through which listener. */
static bool put_head(const struct connlog_rec *r, const struct mgmt_connlog_names *n, char *buf,
		     size_t cap, size_t *at)
{
	char when[64], client[INET6_ADDRSTRLEN];
	const char *port = r->port_index < n->conf->n_ports ? n->conf->ports[r->port_index].name
							    : "?";

	time_text((int64_t)r->start_ms + n->wall_minus_worker_ms, when, sizeof(when));
	addr_text(r->client, r->client_v6, client, sizeof(client));
	return mr_text_put(buf, cap, at,
			   "{\"start\":\"%s\",\"duration_ms\":%" PRIu64 ",\"client\":\"%s\","
			   "\"client_port\":%u,\"listener\":\"%s:%u\",\"via_turn\":%s,\"worker\":%u",
			   when, r->end_ms - r->start_ms, client, r->client_port, port,
			   r->listener_port, r->via_turn ? "true" : "false", r->worker);
}

/* What the client asked for and where it went. */
static bool put_route(const struct connlog_rec *r, char *buf, size_t cap, size_t *at)
{
	char member[INET6_ADDRSTRLEN + 10] = "";

	if (r->member_port) {
		char a[INET6_ADDRSTRLEN];

		addr_text(r->member, r->member_v6, a, sizeof(a));
		snprintf(member, sizeof(member), r->member_v6 ? "[%s]:%u" : "%s:%u", a,
			 r->member_port);
	}
	return put_str(buf, cap, at, r->plain ? "service" : "sni", r->sni) &&
	       put_str(buf, cap, at, "alpn", r->alpn) &&
	       mr_text_put(buf, cap, at, ",\"tls\":\"%s\",\"ech\":%s,\"route\":\"%s\"",
			   tls_text(r->tls_version), r->ech ? "true" : "false",
			   route_names[r->route < 3 ? r->route : 0]) &&
	       put_str(buf, cap, at, r->route == CONNLOG_ROUTE_REMOTE ? "network" : "pool",
		       r->target) &&
	       mr_text_put(buf, cap, at, ",\"%s\":\"%s\"",
			   r->route == CONNLOG_ROUTE_REMOTE ? "gateway" : "member", member);
}

size_t mgmt_connlog_format(const struct connlog_rec *r, const struct mgmt_connlog_names *n,
			   char *buf, size_t cap)
{
	size_t at = 0;
	const char *reason = r->drop_reason < DP_DROP_COUNT ? dp_drop_names[r->drop_reason] : "?";
	char connect[16] = "null";
	bool ok;

	if (r->connect_ms != UINT32_MAX)
		snprintf(connect, sizeof(connect), "%u", r->connect_ms);
	ok = put_head(r, n, buf, cap, &at) && put_route(r, buf, cap, &at) &&
	     mr_text_put(buf, cap, &at, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
			 ",\"packets_in\":%u,\"packets_out\":%u,\"connect_ms\":%s,"
			 "\"redispatches\":%u,\"end\":\"%s\",\"fin_client\":%s,"
			 "\"fin_backend\":%s,\"reason\":\"%s\",\"suppressed\":%u}\n",
			 r->bytes_c2b, r->bytes_b2c, r->pkts_c2b, r->pkts_b2c, connect,
			 r->redispatches, end_names[r->end <= CONNLOG_END_ABORTED ? r->end : 0],
			 r->fin_client ? "true" : "false", r->fin_backend ? "true" : "false",
			 r->drop_reason ? reason : "", r->suppressed);
	return ok ? at : 0;
}

static struct {
	const struct dp_appliance *app;
	pthread_t thread;
	bool running;
	volatile bool quit;
	volatile sig_atomic_t reopen;
	int fd;                  /* -1 while a named pipe has no reader */
	bool syslog;             /* records go to a syslog socket, one message each */
	bool fifo;               /* a named pipe: written a line at a time, never waited on */
	uint64_t written, lost;
	int failing_errno;       /* the last reopen's failure, 0 when it opened */
	uint64_t retry_ms;       /* ... and when to try again (mr_clock_ms) */
	char buf[CONNLOG_BATCH * CONNLOG_LINE_MAX];
} lg = { .fd = -1 };

/* The syslog socket of "syslog" or "syslog:/PATH", or NULL for a file. */
static const char *syslog_path(const char *target)
{
	if (strcmp(target, "syslog") == 0)
		return "/dev/log";
	return strncmp(target, "syslog:", 7) == 0 ? target + 7 : NULL;
}

/* The file, opened for appending, or the syslog socket, connected; *fifo set when the
 * file is a named pipe. Never blocks: a pipe without a reader fails with ENXIO, and only
 * such a pipe (a socket's name, as /dev/stdout under a service manager's journal, fails
 * with ENXIO too: EPROTOTYPE then, for the caller to name it). */
static int open_file(const char *target, bool *fifo)
{
	const char *sock = syslog_path(target);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	*fifo = false;
	if (!sock) {
		fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0640);
		if (fd < 0 && errno == ENXIO && !(stat(target, &st) == 0 && S_ISFIFO(st.st_mode)))
			errno = EPROTOTYPE;
		*fifo = fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
		return fd;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Each line of buf[0..len) as one RFC 5424 message (facility local0, severity info,
 * MSGID "connection", the JSON object as MSG); the records sent. */
static unsigned int send_syslog(const char *buf, size_t len)
{
	char host[64] = "-", msg[CONNLOG_LINE_MAX + 256], when[64];
	struct timespec ts;
	struct tm tm;
	unsigned int sent = 0;

	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	for (const char *line = buf, *end; line < buf + len; line = end + 1) {
		int n;

		end = memchr(line, '\n', (size_t)(buf + len - line));
		if (!end)
			break;
		n = snprintf(msg, sizeof(msg), "<134>1 %s.%03ldZ %s meshrelay-dp %d connection - %.*s",
			     when, ts.tv_nsec / 1000000, host, (int)getpid(), (int)(end - line), line);
		/* Never waits: a daemon that stopped reading (its queue full) loses records,
		 * not the thread, which shutdown waits for. */
		if (n > 0 && send(lg.fd, msg, (size_t)RTE_MIN(n, (int)sizeof(msg) - 1),
				  MSG_DONTWAIT) >= 0)
			sent++;
		else if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT)
			/* The syslog daemon restarted (its socket made anew): connect again on
			 * the next pass, not only at SIGHUP. */
			lg.reopen = 1;
	}
	return sent;
}

/* realtime ms less the workers' clock (TSC ms), for the records' start times. */
static int64_t clock_offset(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	       (int64_t)(rte_get_tsc_cycles() / lg.app->tsc_per_ms);
}

/* Each line of buf[0..len) to the pipe in one write (a line is under PIPE_BUF, so it goes
 * whole or not at all): a reader that is slow loses lines, never the thread's time, and
 * a reader that left makes the pipe be opened again for the next one. The lines sent. */
static unsigned int write_pipe(const char *buf, size_t len)
{
	unsigned int sent = 0;

	for (const char *line = buf, *end; line < buf + len; line = end + 1) {
		ssize_t n;

		end = memchr(line, '\n', (size_t)(buf + len - line));
		if (!end)
			break;
		do {
			n = write(lg.fd, line, (size_t)(end + 1 - line));
		} while (n < 0 && errno == EINTR);
		if (n == end + 1 - line)
			sent++;
		else if (n < 0 && errno != EAGAIN)
			lg.reopen = 1;
	}
	return sent;
}

/* The whole lines in buf[0..len). */
static unsigned int lines_in(const char *buf, size_t len)
{
	unsigned int n = 0;

	for (const char *at = buf; (at = memchr(at, '\n', (size_t)(buf + len - at))) != NULL; at++)
		n++;
	return n;
}

static void write_all(size_t len, unsigned int records)
{
	size_t done = 0;
	off_t start;

	if (lg.fd < 0) { /* a pipe nobody reads yet */
		__atomic_fetch_add(&lg.lost, records, __ATOMIC_RELAXED);
		lg.reopen = 1;
		return;
	}
	if (lg.syslog || lg.fifo) {
		unsigned int sent = lg.syslog ? send_syslog(lg.buf, len) : write_pipe(lg.buf, len);

		__atomic_fetch_add(&lg.written, sent, __ATOMIC_RELAXED);
		__atomic_fetch_add(&lg.lost, records - sent, __ATOMIC_RELAXED);
		return;
	}

	start = lseek(lg.fd, 0, SEEK_END);
	while (done < len) {
		ssize_t n = write(lg.fd, lg.buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* A full disk, part way: the whole lines that went stay, the part of one
			 * is cut off again, so that the next line starts a line of its own (a
			 * shipper reading lines would else take two records for one bad one). */
			const char *end = memrchr(lg.buf, '\n', done);
			size_t whole = end ? (size_t)(end + 1 - lg.buf) : 0;
			unsigned int kept = lines_in(lg.buf, whole);

			if (whole < done && start >= 0 && ftruncate(lg.fd, start + (off_t)whole) < 0)
				mr_log(MR_LOG_WARN, "connection log: a line cut short stays: %s",
				       strerror(errno));
			__atomic_fetch_add(&lg.written, kept, __ATOMIC_RELAXED);
			__atomic_fetch_add(&lg.lost, records - kept, __ATOMIC_RELAXED);
			return;
		}
		done += (size_t)n;
	}
	__atomic_fetch_add(&lg.written, records, __ATOMIC_RELAXED);
}

/* One pass over every worker's ring, a batch of each at most (a worker logging faster than
 * the thread writes would else keep it on its ring: the others' would fill, and a SIGHUP
 * to reopen the file would wait); the records it found. */
static unsigned int drain_once(void)
{
	struct mgmt_connlog_names names = { lg.app->conf, clock_offset() };
	struct connlog_rec recs[CONNLOG_BATCH];
	unsigned int total = 0;

	for (unsigned int i = 0; i < lg.app->n_workers; i++) {
		struct rte_ring *ring = connlog_ring(lg.app->workers[i]);
		unsigned int n;

		if (ring && (n = rte_ring_sc_dequeue_burst_elem(ring, recs, sizeof(recs[0]),
								CONNLOG_BATCH, NULL)) > 0) {
			size_t len = 0;

			for (unsigned int k = 0; k < n; k++)
				len += mgmt_connlog_format(&recs[k], &names, lg.buf + len,
							   sizeof(lg.buf) - len);
			write_all(len, n);
			total += n;
		}
	}
	return total;
}

/* Opens the target again (SIGHUP after a rotation, a pipe's new reader, syslog started
 * anew). One that fails keeps the records going to what is open and is tried again each
 * second, with a warning once: a new file the thread may not open (it has no capability
 * left, so only its own files) would else leave the records in the rotated file, which
 * is compressed and deleted, while they count as written. A pipe without a reader, with
 * nothing open, is tried each pass: the records after its reader came reach it. */
static void reopen_target(void)
{
	const char *target = lg.app->conf->log.connections;
	uint64_t now = mr_clock_ms();
	bool fifo;
	int fd;

	if (lg.failing_errno && now < lg.retry_ms)
		return;
	lg.reopen = 0; /* before the open: a SIGHUP meanwhile asks again */
	fd = open_file(target, &fifo);
	if (fd < 0 && errno == ENXIO) {
		if (lg.fd < 0)
			lg.reopen = 1;
		return;
	}
	if (fd < 0) {
		if (!lg.failing_errno)
			mr_log(MR_LOG_WARN, "connection log %s: cannot open it again: %s; records "
			       "go on to what was open, tried again each second", target,
			       strerror(errno));
		lg.failing_errno = errno;
		lg.retry_ms = now + 1000;
		lg.reopen = 1;
		return;
	}
	if (lg.failing_errno)
		mr_log(MR_LOG_INFO, "connection log %s: open again", target);
	lg.failing_errno = 0;
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = fd;
	lg.fifo = fifo;
}

static void *connlog_thread(void *arg)
{
	char err[128];

	(void)arg;
	/* It formats what clients sent (their names): with no capability at all. Reopening
	 * the file stays possible as the file's owner. */
	if (mr_privs_limit(0, err, sizeof(err)) < 0)
		mr_log(MR_LOG_WARN, "connection log thread keeps its capabilities: %s", err);
	while (!lg.quit) {
		if (lg.reopen)
			reopen_target();
		if (drain_once() == 0)
			usleep(CONNLOG_PERIOD_US);
	}
	return NULL;
}

int mgmt_connlog_start(const struct dp_appliance *app, char *err, size_t errlen)
{
	/* A start after a stop begins afresh (its counts go on). */
	lg.quit = false;
	lg.reopen = 0;
	lg.failing_errno = 0;
	lg.app = app;
	lg.syslog = syslog_path(app->conf->log.connections) != NULL;
	lg.fd = open_file(app->conf->log.connections, &lg.fifo);
	if (lg.fd < 0 && errno == ENXIO) {
		/* A named pipe whose reader has not come yet: records are counted lost until
		 * it has (the data plane does not wait for a log shipper). */
		mr_log(MR_LOG_WARN, "connection log %s: no reader yet", app->conf->log.connections);
		lg.fifo = true;
		lg.reopen = 1; /* opened again each pass until one comes */
	} else if (lg.fd < 0) {
		snprintf(err, errlen, "connection log %s: %s", app->conf->log.connections,
			 errno == EPROTOTYPE ? "a socket, which is not written as a file: name a "
					       "file or a named pipe, or syslog[:PATH] for a "
					       "datagram log socket"
					     : strerror(errno));
		return -1;
	}
	if (pthread_create(&lg.thread, NULL, connlog_thread, NULL) != 0) {
		snprintf(err, errlen, "connection log: no thread");
		if (lg.fd >= 0)
			close(lg.fd);
		lg.fd = -1;
		return -1;
	}
	pthread_setname_np(lg.thread, "mr-connlog");
	lg.running = true;
	mr_log(MR_LOG_INFO, "connection log: %s (%u records a worker may have waiting)",
	       app->conf->log.connections, app->conf->log.connections_ring);
	return 0;
}

void mgmt_connlog_reopen(void)
{
	lg.reopen = 1;
}

void mgmt_connlog_stop(void)
{
	if (!lg.running)
		return;
	lg.quit = true;
	pthread_join(lg.thread, NULL);
	lg.running = false;
	while (drain_once() > 0)
		; /* what the workers handed over last, a batch per ring a pass */
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
}

uint64_t mgmt_connlog_written(void)
{
	return __atomic_load_n(&lg.written, __ATOMIC_RELAXED);
}

uint64_t mgmt_connlog_lost(void)
{
	return __atomic_load_n(&lg.lost, __ATOMIC_RELAXED);
}
