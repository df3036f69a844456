/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mgmt_command.h"
#include "mgmt_metrics.h"
#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "mr_log.h"
#include "mr_privs.h"

#define MGMT_MAX_CLIENTS 16
#define MGMT_STALL_MS 5000      /* a message must arrive whole within this */
/* An answer not taken whole within this: its client goes. The others are served
 * meanwhile (its rest waits in its own buffer), so this bounds only its own slot. */
#define MGMT_SEND_TIMEOUT_MS 10000
#define MGMT_PROBE_MS 2000       /* a listener that accepts nothing so long is frozen, not gone */
/* A client with no message in progress for this long is closed: meshrelay-cp pings every
 * second and meshrelayctl asks as soon as it connects, so only a forgotten or hostile
 * client idles this long, and 16 of them would lock meshrelay-cp out. */
#define MGMT_IDLE_MS 30000
/* With every slot taken, a new authorised client gets the slot of the client idle longest,
 * if that one has been idle this long: above meshrelay-cp's ping interval (1 s) and a
 * request's round trip, so a client at work is never the one closed, and a crowd of new
 * connections (none idle yet) cannot push each other or meshrelay-cp out. */
#define MGMT_EVICT_IDLE_MS 2000
#define MGMT_BUSY_LOG_MS 10000  /* clients turned away are logged at most this often */

struct mgmt_client {
	int fd;
	uid_t uid;             /* of the peer, for the log */
	uint8_t hdr[MR_CTL_HDR_LEN];
	uint32_t hdr_got;
	struct mr_ctl_hdr h;
	char *payload;
	uint32_t payload_got;
	uint64_t started_ms;   /* first byte of the message in progress, 0 when idle */
	uint64_t idle_ms;      /* since when idle: accepted, or the last message answered */
	uint64_t id;           /* this connection's number (mgmt_reply.client), from 1 */
	uint8_t *out;          /* what of its answer the socket did not take yet (malloc'd) */
	size_t out_len, out_sent;
	uint64_t out_since_ms; /* when out began to wait, 0 when empty */
};

/* Owned by the control thread once started (metrics_fd by the metrics thread); the main
 * lcore only starts and stops them. */
static struct {
	struct dp_appliance *app;
	int listen_fd;
	int metrics_fd;               /* the Prometheus endpoint (mgmt_metrics), or -1 */
	gid_t group;           /* (gid_t)-1: none */
	char path[MR_PATH_MAX];
	dev_t bound_dev;       /* the socket file this run bound (bound_ino 0: none): the */
	ino_t bound_ino;       /* only file at path it removes as it stops */
	pthread_t thread;
	pthread_t metrics_thread;     /* serves metrics_fd (metrics_running) */
	volatile bool stop;
	bool running;
	bool metrics_running;
	struct mgmt_client clients[MGMT_MAX_CLIENTS];
	uint64_t reaped;       /* idle clients closed after MGMT_IDLE_MS */
	uint64_t evicted;      /* idle clients closed to make room for a new one */
	uint64_t turned_away;  /* new clients closed: every slot busy */
	uint64_t busy_logged_ms;
	uint64_t last_id;      /* the number given to the last client accepted */
} srv = { .listen_fd = -1, .metrics_fd = -1,
	    /* No client yet, even before a start: a stop closes none (fd 0 is not ours). */
	    .clients = { [0 ... MGMT_MAX_CLIENTS - 1] = { .fd = -1 } } };

/* Send what c has waiting as far as its socket takes it, never waiting: 0, or -1 when the
 * peer failed. */
static int client_flush(struct mgmt_client *c)
{
	while (c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_sent += (size_t)n;
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_sent = 0;
	c->out_since_ms = 0;
	return 0;
}

/* Answer c: what its socket takes goes now, the rest waits in c's buffer and goes as it
 * reads (POLLOUT), so that a client that reads slowly or not at all holds only its own
 * slot, never this thread (before, it held every other client's answers, meshrelay-cp's
 * too, up to two seconds per answer). 0, or -1 when c must go. */
static int reply(struct mgmt_client *c, uint16_t type, uint32_t generation, const char *text)
{
	struct mr_ctl_hdr h = { MR_CTL_VERSION, type, generation, (uint32_t)strlen(text) };
	size_t len = MR_CTL_HDR_LEN + h.length;
	uint8_t *grown = realloc(c->out, c->out_len + len);

	if (!grown)
		return -1;
	c->out = grown;
	mr_ctl_hdr_encode(&h, c->out + c->out_len);
	memcpy(c->out + c->out_len + MR_CTL_HDR_LEN, text, h.length);
	c->out_len += len;
	if (!c->out_since_ms)
		c->out_since_ms = mr_clock_ms();
	return client_flush(c);
}

/* mgmt_reply's send for a client (ctx). */
static int reply_send(void *ctx, uint16_t type, uint32_t generation, const char *text)
{
	return reply(ctx, type, generation, text);
}

static void client_close(struct mgmt_client *c)
{
	mgmt_command_client_gone(srv.app, c->id);
	close(c->fd);
	free(c->payload);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void client_reset_message(struct mgmt_client *c)
{
	free(c->payload);
	c->payload = NULL;
	c->hdr_got = c->payload_got = 0;
	c->started_ms = 0;
	c->idle_ms = mr_clock_ms();
}

/* Read what is there; returns -1 when the client must go. */
static int client_read(struct mgmt_client *c)
{
	ssize_t n;

	if (!c->started_ms)
		c->started_ms = mr_clock_ms();
	if (c->hdr_got < MR_CTL_HDR_LEN) {
		enum mr_ctl_decode d;

		n = recv(c->fd, c->hdr + c->hdr_got, MR_CTL_HDR_LEN - c->hdr_got, 0);
		if (n <= 0)
			return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
		c->hdr_got += (uint32_t)n;
		if (c->hdr_got < MR_CTL_HDR_LEN)
			return 0;
		d = mr_ctl_hdr_decode(c->hdr, MR_CTL_HDR_LEN, MR_CTL_MAX_PAYLOAD, &c->h);
		if (d != MR_CTL_OK) {
			char msg[96];

			snprintf(msg, sizeof(msg), "refused: %s", mr_ctl_decode_str(d));
			reply(c, MR_CTL_RESULT, mgmt_generation(srv.app), msg);
			return -1;
		}
		c->payload = malloc(c->h.length + 1);
		if (!c->payload)
			return -1;
	}
	if (c->payload_got < c->h.length) {
		n = recv(c->fd, c->payload + c->payload_got, c->h.length - c->payload_got, 0);
		if (n <= 0)
			return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
		c->payload_got += (uint32_t)n;
	}
	if (c->payload_got < c->h.length)
		return 0;
	c->payload[c->h.length] = '\0';
	if (mgmt_command_run(srv.app, &c->h, c->payload,
			     &(struct mgmt_reply){ reply_send, c, c->id, 0 }) < 0)
		return -1;
	client_reset_message(c);
	return 0;
}

/* Whether gid is one of the peer's supplementary groups, as the kernel recorded them
 * when it connected (SO_PEERGROUPS): the same snapshot as SO_PEERCRED, so nothing can
 * change between what was checked and what connected. Not /proc/PID/status: by the time it
 * is read the pid may be gone and reused by another process, and it shows the groups of
 * that moment. Not getgrouplist: the group database says who should be a member, not what
 * the process holds (someone added after logging in does not have the group yet), and it
 * may ask NSS (LDAP) from this thread. */
static bool peer_in_group(int fd, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;
	int rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);

	if (rc < 0 && errno == ERANGE && (groups = malloc(len)) != NULL) /* len: what it needs */
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	for (size_t i = 0; rc == 0 && i < len / sizeof(gid_t); i++)
		found |= groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

static bool peer_allowed(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return false;
	return cred->uid == 0 || cred->uid == geteuid() ||
	       (srv.group != (gid_t)-1 && (cred->gid == srv.group || peer_in_group(fd, srv.group)));
}

/* Answer a new client with text (a few bytes: its empty socket takes them), then close it. */
static void refuse(int fd, const char *text)
{
	struct mgmt_client c = { .fd = fd };

	reply(&c, MR_CTL_RESULT, mgmt_generation(srv.app), text);
	free(c.out);
	close(fd);
}

static struct mgmt_client *free_slot(void)
{
	for (int i = 0; i < MGMT_MAX_CLIENTS; i++)
		if (srv.clients[i].fd < 0)
			return &srv.clients[i];
	return NULL;
}

/* The slot of the client idle longest, closed, when it has been idle MGMT_EVICT_IDLE_MS;
 * NULL when none has. */
static struct mgmt_client *evict_idle(uint64_t now)
{
	struct mgmt_client *idlest = NULL;

	for (int i = 0; i < MGMT_MAX_CLIENTS; i++) {
		struct mgmt_client *c = &srv.clients[i];

		/* Never the control plane's connection: its claim would go with it; nor one
		 * whose answer is still being read (it is at work, not idle). */
		if (c->fd >= 0 && !c->started_ms && !c->out_len && c->id != srv.app->managed_by &&
		    (!idlest || c->idle_ms < idlest->idle_ms))
			idlest = c;
	}
	if (!idlest || now - idlest->idle_ms < MGMT_EVICT_IDLE_MS)
		return NULL;
	srv.evicted++;
	mr_log(MR_LOG_NOTICE, "control socket: client of uid %u idle for %llu ms closed to make "
	       "room for a new one (%llu so far)", (unsigned int)idlest->uid,
	       (unsigned long long)(now - idlest->idle_ms), (unsigned long long)srv.evicted);
	client_close(idlest);
	return idlest;
}

/* Every slot busy, none idle long enough: the new client is told so and closed. */
static void turn_away(int fd, uint64_t now)
{
	srv.turned_away++;
	if (srv.turned_away == 1 || now - srv.busy_logged_ms >= MGMT_BUSY_LOG_MS) {
		srv.busy_logged_ms = now;
		mr_log(MR_LOG_WARN, "control socket: all %d client slots busy: a new client turned "
		       "away (%llu so far)", MGMT_MAX_CLIENTS, (unsigned long long)srv.turned_away);
	}
	refuse(fd, "refused: every control socket slot is busy");
}

/* Authorised clients only; a full house makes room by closing the client idle longest. */
static void accept_client(void)
{
	int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	uint64_t now = mr_clock_ms();
	struct mgmt_client *slot;
	struct ucred cred;

	if (fd < 0)
		return;
	if (!peer_allowed(fd, &cred)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "refused: uid %u may not use the control socket",
			 (unsigned int)cred.uid);
		mr_log(MR_LOG_WARN, "control socket: %s", msg + 9);
		refuse(fd, msg);
		return;
	}
	slot = free_slot();
	if (!slot)
		slot = evict_idle(now);
	if (!slot) {
		turn_away(fd, now);
		return;
	}
	slot->fd = fd;
	slot->uid = cred.uid;
	slot->idle_ms = now;
	slot->id = ++srv.last_id;
}

/* Whether c must go: its answer not taken in MGMT_SEND_TIMEOUT_MS, stalled mid-message,
 * or idle for MGMT_IDLE_MS (counted, logged). */
static bool client_expired(const struct mgmt_client *c, uint64_t now)
{
	if (c->out_len)
		return now - c->out_since_ms > MGMT_SEND_TIMEOUT_MS;
	if (c->started_ms)
		return now - c->started_ms > MGMT_STALL_MS;
	if (now - c->idle_ms <= MGMT_IDLE_MS)
		return false;
	srv.reaped++;
	mr_log(MR_LOG_NOTICE, "control socket: client of uid %u idle for %d s closed (%llu so far)",
	       (unsigned int)c->uid, MGMT_IDLE_MS / 1000, (unsigned long long)srv.reaped);
	return true;
}

/* This thread spent `spent` ms on client c (an answer to a slow reader, a worker asked
 * through its mailbox): the others could not be served meanwhile, so it does not count
 * against their stall or idle time. Else a few clients that ask and never read would
 * get the control plane's push closed as stalled, or its connection as idle. */
static void credit_others(const struct mgmt_client *c, uint64_t spent)
{
	for (int i = 0; spent && i < MGMT_MAX_CLIENTS; i++) {
		struct mgmt_client *o = &srv.clients[i];

		if (o == c || o->fd < 0)
			continue;
		o->idle_ms += spent;
		if (o->started_ms)
			o->started_ms += spent;
		if (o->out_since_ms)
			o->out_since_ms += spent;
	}
}

static void *mgmt_thread(void *arg)
{
	char err[128];

	(void)arg;
	/* Clients are checked by their credentials, not by what this thread may do. */
	if (mr_privs_limit(0, err, sizeof(err)) < 0)
		mr_log(MR_LOG_WARN, "control thread keeps its capabilities: %s", err);
	while (!srv.stop) {
		struct pollfd pfd[MGMT_MAX_CLIENTS + 2];
		int map[MGMT_MAX_CLIENTS + 2];
		int n = 0;

		pfd[n] = (struct pollfd){ .fd = srv.listen_fd, .events = POLLIN };
		map[n++] = -1;
		for (int i = 0; i < MGMT_MAX_CLIENTS; i++) {
			struct mgmt_client *c = &srv.clients[i];

			if (c->fd < 0)
				continue;
			if (client_expired(c, mr_clock_ms())) {
				client_close(c);
				continue;
			}
			/* Its next request is read once its answer has gone: a client that
			 * asks and never reads piles up nothing here. */
			pfd[n] = (struct pollfd){ .fd = c->fd, .events = c->out_len ? POLLOUT : POLLIN };
			map[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, 200) <= 0)
			continue;
		/* Clients first: a new one may take the slot of one polled here. */
		for (int k = 1; k < n; k++) {
			struct mgmt_client *c = &srv.clients[map[k]];
			uint64_t began = mr_clock_ms();

			if (!(pfd[k].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
				continue;
			if ((c->out_len ? client_flush(c) : client_read(c)) < 0)
				client_close(c);
			credit_others(c, mr_clock_ms() - began);
		}
		if (pfd[0].revents & POLLIN)
			accept_client();
	}
	return NULL;
}

/* The Prometheus endpoint on a thread of its own, never the control socket's (which
 * pushes go through: four silent connections at a time held it long enough to fail a
 * large push). Scrapers are served side by side, so a slow or silent one holds only its
 * own slot. A scrape reads the live configuration as telemetry does, under
 * relay_live_read_begin. */
static void *metrics_thread(void *arg)
{
	struct mr_http_server http;
	char err[128];

	(void)arg;
	if (mr_privs_limit(0, err, sizeof(err)) < 0)
		mr_log(MR_LOG_WARN, "metrics thread keeps its capabilities: %s", err);
	mgmt_metrics_server_init(&http, srv.app, srv.metrics_fd);
	while (!srv.stop) {
		struct pollfd pfd[MR_HTTP_POLLFDS];
		int wait_ms = mr_http_server_tick(&http, mr_clock_ms());
		unsigned int n = mr_http_server_pollfds(&http, pfd);

		/* 200 ms at most: how long a stop waits for this thread. */
		if (poll(pfd, n, wait_ms < 0 || wait_ms > 200 ? 200 : wait_ms) > 0)
			mr_http_server_handle(&http, pfd, n, mr_clock_ms());
	}
	mr_http_server_close(&http);
	return NULL;
}

static int make_parent_dir(const char *path)
{
	char dir[MR_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* A socket file nobody answers on is left from a previous run; one that answers is not,
 * nor one whose listener is there but accepts nothing (a frozen data plane), nor any file
 * that is no socket (a setting that names the configuration file, say: connecting to it
 * is refused as to a dead socket, and it was removed). */
static int claim_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int probe;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: a file that is not a socket is there "
			 "(left as it is)", path);
		return -1;
	}
	probe = mr_ctl_connect(path, MGMT_PROBE_MS);

	if (probe >= 0 || errno == ETIMEDOUT) {
		if (probe >= 0)
			close(probe);
		snprintf(err, errlen, "control socket %s is served by another process", path);
		return -1;
	}
	unlink(path);
	return make_parent_dir(path);
}

static int bind_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old_mask;
	struct stat st;
	int rc;

	srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv.listen_fd < 0 || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	/* Born with its final mode (owner-only, or 0660 with a group), so that there is no
	 * window where others could connect and nothing to chmod later; the group is set
	 * with lchown: chown and chmod follow a link, and one swapped in for the socket
	 * after the bind would hand the control group whatever file it names. */
	old_mask = umask(srv.group != (gid_t)-1 ? 0117 : 0177);
	rc = bind(srv.listen_fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (rc < 0 || listen(srv.listen_fd, 16) < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) { /* ours: what the stop may remove */
		srv.bound_dev = st.st_dev;
		srv.bound_ino = st.st_ino;
	}
	if (srv.group != (gid_t)-1 && lchown(path, (uid_t)-1, srv.group) < 0) {
		snprintf(err, errlen, "control socket %s: group access: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int mgmt_server_start(struct dp_appliance *app, const char *path, const char *group, char *err,
		     size_t errlen)
{
	srv.app = app;
	srv.stop = false;
	srv.group = (gid_t)-1;
	srv.listen_fd = srv.metrics_fd = -1;
	srv.bound_ino = 0;
	snprintf(srv.path, sizeof(srv.path), "%s", path);
	for (int i = 0; i < MGMT_MAX_CLIENTS; i++)
		srv.clients[i].fd = -1;
	if (group && group[0]) {
		struct group *g = getgrnam(group);

		if (!g) {
			snprintf(err, errlen, "control_group '%s': no such group", group);
			return -1;
		}
		srv.group = g->gr_gid;
	}
	if (claim_path(path, err, errlen) < 0 || bind_socket(path, err, errlen) < 0)
		return -1;
	srv.metrics_fd = -1;
	if (app->conf->metrics.enabled) {
		srv.metrics_fd = mgmt_metrics_listen(&app->conf->metrics, err, errlen);
		if (srv.metrics_fd < 0)
			return -1;
		mr_log(MR_LOG_INFO, "metrics on %s port %u", app->conf->metrics.address,
		       app->conf->metrics.port);
	}
	if (pthread_create(&srv.thread, NULL, mgmt_thread, NULL) != 0) {
		snprintf(err, errlen, "control thread: %s", strerror(errno));
		return -1;
	}
	pthread_setname_np(srv.thread, "mr-control");
	srv.running = true;
	if (srv.metrics_fd >= 0) {
		if (pthread_create(&srv.metrics_thread, NULL, metrics_thread, NULL) != 0) {
			snprintf(err, errlen, "metrics thread: %s", strerror(errno));
			return -1;
		}
		pthread_setname_np(srv.metrics_thread, "mr-metrics");
		srv.metrics_running = true;
	}
	mr_log(MR_LOG_INFO, "control socket %s (%s)", path,
	       srv.group == (gid_t)-1 ? "owner only" : group);
	return 0;
}

void mgmt_server_stop(void)
{
	srv.stop = true;
	if (srv.running) {
		pthread_join(srv.thread, NULL);
		srv.running = false;
	}
	if (srv.metrics_running) {
		pthread_join(srv.metrics_thread, NULL);
		srv.metrics_running = false;
	}
	for (int i = 0; i < MGMT_MAX_CLIENTS; i++)
		if (srv.clients[i].fd >= 0)
			client_close(&srv.clients[i]);
	if (srv.metrics_fd >= 0) {
		close(srv.metrics_fd);
		srv.metrics_fd = -1;
	}
	if (srv.listen_fd >= 0) {
		struct stat st;

		close(srv.listen_fd);
		srv.listen_fd = -1;
		/* Only the socket this run bound: a bind that lost a race to another data
		 * plane, or a file put there since, is not ours to remove. */
		if (srv.bound_ino && lstat(srv.path, &st) == 0 && st.st_dev == srv.bound_dev &&
		    st.st_ino == srv.bound_ino)
			unlink(srv.path);
		srv.bound_ino = 0;
	}
}
