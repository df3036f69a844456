/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_sock.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_print.h"
#include "ctl_top.h"
#include "json.h"
#include "mr_clock.h"
#include "mr_config.h"
#include "mr_ctl_proto.h"
#include "mr_pidfile.h"
#include "mr_textfile.h"

#define ASK_TIMEOUT_MS 10000
#define PUSH_TIMEOUT_MS 60000      /* a large route table and the RCU grace period */
/* meshrelay-cp reads and checks the file, then pushes it (30 s at most: a large route
 * table and the RCU grace period), then says: waited for that long and a little. */
#define RELOAD_WAIT_MS 35000
#define RELOAD_POLL_MS 50

struct session {
	int fd;
	char path[MR_PATH_MAX];
	bool json;
	uint32_t gen;   /* the generation in force when the session opened */
	char *status;   /* the status it answered then (owned) */
};

/* The socket path: -s as given, or the control_socket of the -c file. A file that does
 * not load whole (being edited: exactly when one looks at what runs) still gives its
 * socket, with a warning. */
static int resolve_path(const struct ctl_opts *o, struct session *s)
{
	static struct mr_config conf;
	char err[MR_ERR_MAX], why[MR_ERR_MAX];

	if (o->socket) {
		snprintf(s->path, sizeof(s->path), "%s", o->socket);
		return 0;
	}
	if (mr_config_load_file(o->config, &conf, err, sizeof(err)) == 0) {
		snprintf(s->path, sizeof(s->path), "%s", conf.dataplane.control_socket);
		mr_config_free(&conf);
		return 0;
	}
	if (mr_config_control_socket(o->config, s->path, sizeof(s->path), why, sizeof(why)) < 0) {
		fprintf(stderr, "meshrelayctl: %s\n", err);
		return -1;
	}
	fprintf(stderr, "meshrelayctl: warning: %s; its control socket taken alone: %s\n", err,
		s->path);
	return 0;
}

/* One request; the answer in *h and *reply (freed by the caller). An enum ctl_exit code;
 * a RESULT to a query or ping (a refusal) is reported here; a push's or a port request's
 * is the caller's to read. */
static int ask(struct session *s, uint16_t type, uint32_t gen, const char *body, uint32_t len,
	       int timeout_ms, struct mr_ctl_hdr *h, char **reply)
{
	if (mr_ctl_exchange(s->fd, type, gen, body, len, timeout_ms, h, reply) < 0) {
		int e = errno;

		if (e == EPROTO) {
			fprintf(stderr, "meshrelayctl: malformed answer from %s\n", s->path);
			return CTL_EXIT_FAILED;
		}
		fprintf(stderr, "meshrelayctl: no answer from the data plane at %s: %s\n", s->path,
			e == ECONNRESET || e == EPIPE ?
				"it closed the connection (is this user allowed?)" : strerror(e));
		return CTL_EXIT_UNREACHABLE;
	}
	if (type != MR_CTL_PUSH && type != MR_CTL_PORT && h->type == MR_CTL_RESULT) {
		fprintf(stderr, "meshrelayctl: the data plane answered: %s\n", *reply);
		free(*reply);
		*reply = NULL;
		/* A PING is always answered with the status, unless the connection itself was
		 * refused (every slot busy, a user not admitted): not reached, as documented,
		 * so that a script may try again. */
		return type == MR_CTL_PING ? CTL_EXIT_UNREACHABLE : CTL_EXIT_FAILED;
	}
	return CTL_EXIT_OK;
}

/* PING: the status object into s->status, and the generation in force from it (the
 * header's as a fallback) into s->gen. */
static int ping(struct session *s)
{
	struct mr_ctl_hdr h;
	int rc = ask(s, MR_CTL_PING, 0, NULL, 0, ASK_TIMEOUT_MS, &h, &s->status);

	if (rc == CTL_EXIT_OK)
		s->gen = mr_ctl_pong_generation(&h, s->status);
	return rc;
}

/* Connected and admitted: a PING is answered unless the data plane turned the connection
 * away at once (every slot busy, a user not admitted), which every command reports as not
 * reached (exit 3), so that a script may try again, not as a refused request. */
static int open_session(const struct ctl_opts *o, struct session *s)
{
	int e;

	s->json = o->json;
	if (resolve_path(o, s) < 0)
		return CTL_EXIT_FAILED;
	s->fd = mr_ctl_connect(s->path, ASK_TIMEOUT_MS);
	if (s->fd >= 0) {
		int rc = ping(s);

		if (rc != CTL_EXIT_OK) {
			close(s->fd);
			s->fd = -1;
		}
		return rc;
	}
	e = errno;
	fprintf(stderr, "meshrelayctl: cannot reach the data plane at %s: %s%s\n", s->path,
		strerror(e),
		e == EACCES || e == EPERM ?
			" (the control socket admits root, its owner and dataplane.control_group)" :
		e == ENOENT || e == ECONNREFUSED ? " (is meshrelay-dp running?)" : "");
	return CTL_EXIT_UNREACHABLE;
}

static void print_answer(const struct session *s, const char *json)
{
	if (s->json)
		printf("%s\n", json);
	else
		ctl_print_human(stdout, json);
}

static int cmd_status(struct session *s)
{
	print_answer(s, s->status);
	return CTL_EXIT_OK;
}

static int cmd_show(struct session *s, const char *what, const char *arg)
{
	char object[MR_NAME_MAX + 8];
	struct mr_ctl_hdr h;
	char *reply;
	int rc;

	snprintf(object, sizeof(object), "%s%s%s", what, arg ? ":" : "", arg ? arg : "");
	rc = ask(s, MR_CTL_QUERY, 0, object, (uint32_t)strlen(object), ASK_TIMEOUT_MS, &h, &reply);
	if (rc == CTL_EXIT_OK) {
		print_answer(s, reply);
		free(reply);
	}
	return rc;
}

/* Read FILE and validate it here, so that a broken file is named with its line before the
 * data plane is even asked. */
static int load_push_file(const char *path, char **text, uint32_t *len)
{
	static struct mr_config conf;
	char err[MR_ERR_MAX];

	if (mr_textfile_read(path, MR_CTL_MAX_PAYLOAD, text, len, err, sizeof(err)) < 0 ||
	    mr_config_load_string(*text, path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "meshrelayctl: refused: %s\n", err);
		free(*text);
		*text = NULL;
		return CTL_EXIT_FAILED;
	}
	mr_config_free(&conf);
	return CTL_EXIT_OK;
}

/* A RESULT's text as JSON: {"result": TEXT, "applied": BOOL, then more (its members, or
 * ""). A result that is not UTF-8 cannot be a JSON string: null says so. */
static void print_result_json(const char *result, bool applied, const char *more)
{
	size_t cap = 6 * strlen(result) + 3; /* every byte as \u00XX, and the quotes */
	char *lit = malloc(cap);

	printf("{\"result\": %s, \"applied\": %s%s}\n",
	       lit && json_escape(lit, cap, result) >= 0 ? lit : "null",
	       applied ? "true" : "false", more);
	free(lit);
}

static void print_push(const struct session *s, const char *result, uint32_t gen, bool applied,
		       long long rtt_us)
{
	char more[64];

	snprintf(more, sizeof(more), ", \"generation\": %u, \"round_trip_us\": %lld", gen,
		 rtt_us);
	if (s->json)
		print_result_json(result, applied, more);
	else if (applied)
		printf("%s (round trip %lld us)\n", result, rtt_us);
	else
		fprintf(stderr, "meshrelayctl: %s\n", result);
}

/* The pushed text takes the number after the one in force, so its arrival shows in status
 * (meshrelay-cp, if it runs, puts its own file and number back at its next ping). */
static int cmd_push(struct session *s, const char *text, uint32_t len)
{
	struct mr_ctl_hdr h;
	char *reply;
	uint64_t t0 = mr_clock_us();
	bool applied;
	int rc = ask(s, MR_CTL_PUSH, s->gen + 1, text, len, PUSH_TIMEOUT_MS, &h, &reply);
	if (rc != CTL_EXIT_OK)
		return rc;
	applied = h.type == MR_CTL_RESULT && strncmp(reply, "applied", 7) == 0;
	print_push(s, reply, h.generation, applied, (long long)(mr_clock_us() - t0));
	free(reply);
	return applied ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

/* Pause or resume a data port; the answer comes once every worker has applied it. */
static int cmd_port(struct session *s, const char *name, const char *action)
{
	char body[MR_NAME_MAX + 8];
	struct mr_ctl_hdr h;
	char *reply;
	bool done;
	int rc;

	snprintf(body, sizeof(body), "%s %s", name, action);
	rc = ask(s, MR_CTL_PORT, 0, body, (uint32_t)strlen(body), ASK_TIMEOUT_MS, &h, &reply);
	if (rc != CTL_EXIT_OK)
		return rc;
	done = h.type == MR_CTL_RESULT && strncmp(reply, "port ", 5) == 0;
	if (s->json)
		print_result_json(reply, done, "");
	else
		fprintf(done ? stdout : stderr, "%s%s\n", done ? "" : "meshrelayctl: ", reply);
	free(reply);
	return done ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

/* A reload's id, for its note: none other of ours that moment, never 0 (a plain kill's). */
static int reload_id(void)
{
	return (int)((((uint32_t)getpid() << 16) ^ (uint32_t)mr_clock_us()) & 0x7fffffffu) | 1;
}

/* meshrelay-cp's note for reload id, "applied|taken|refused GENERATION [WHY]", into out;
 * false until it has written one. */
static bool reload_note(const char *pidfile, int id, char *out, size_t cap)
{
	char note[MR_PIDFILE_NOTE_MAX], head[32];
	int at = snprintf(head, sizeof(head), "reload %d ", id);

	if (mr_pidfile_read_note(pidfile, note, sizeof(note)) < 0 ||
	    strncmp(note, head, (size_t)at) != 0)
		return false;
	snprintf(out, cap, "%s", note + at);
	return true;
}

static void print_reload(const struct session *s, const char *outcome, uint32_t gen,
			 const char *why)
{
	if (s->json)
		printf("{\"reloaded\": %s, \"outcome\": \"%s\", \"generation\": %u, "
		       "\"previous\": %u}\n", strcmp(outcome, "refused") ? "true" : "false", outcome,
		       gen, s->gen);
	else if (strcmp(outcome, "applied") == 0)
		printf("reloaded: the data plane now has generation %u (was %u)\n", gen, s->gen);
	else if (strcmp(outcome, "taken") == 0)
		printf("reloaded: meshrelay-cp took the file as generation %u; it could not reach "
		       "the data plane, which still has %u\n", gen, s->gen);
	if (strcmp(outcome, "refused") == 0)
		fprintf(stderr, "meshrelayctl: reload refused, generation %u stays in force: %s\n",
			gen, why);
}

/* SIGHUP, queued with an id, to the meshrelay-cp that holds the pid file (never a process
 * that merely has the pid a stale file names); then its note for that id: what became of
 * the file. Another push moving the generation meanwhile (what discovery learned) says
 * nothing of the reload. */
static int cmd_reload(struct session *s, const char *pidfile)
{
	char note[MR_PIDFILE_NOTE_MAX], *gen_at, *why;
	int id = reload_id();
	uint64_t deadline;
	unsigned long gen;
	pid_t pid;

	if (mr_pidfile_signal(pidfile, SIGHUP, id, &pid) < 0) {
		fprintf(stderr, "meshrelayctl: cannot signal meshrelay-cp (pid file %s): %s\n",
			pidfile, errno == ESRCH ? "no process holds it" : strerror(errno));
		return CTL_EXIT_FAILED;
	}
	deadline = mr_clock_ms() + RELOAD_WAIT_MS;
	while (!reload_note(pidfile, id, note, sizeof(note))) {
		if (mr_clock_ms() >= deadline) {
			fprintf(stderr, "meshrelayctl: meshrelay-cp (pid %d) did not say within %d s "
				"what became of the file (see its log; two reloads asked at once "
				"are one signal, and the other's note may have come)\n", (int)pid,
				RELOAD_WAIT_MS / 1000);
			return CTL_EXIT_FAILED;
		}
		usleep(RELOAD_POLL_MS * 1000);
	}
	gen_at = strchr(note, ' ');
	gen = gen_at ? strtoul(gen_at + 1, &why, 10) : 0;
	if (!gen_at || why == gen_at + 1 || gen > UINT32_MAX || (*why && *why != ' ')) {
		fprintf(stderr, "meshrelayctl: meshrelay-cp's note is not one: %s\n", note);
		return CTL_EXIT_FAILED;
	}
	*gen_at = '\0'; /* the outcome's word alone */
	print_reload(s, note, (uint32_t)gen, *why ? why + 1 : why);
	return strcmp(note, "applied") == 0 ? CTL_EXIT_OK :
	       strcmp(note, "taken") == 0 ? CTL_EXIT_UNREACHABLE : CTL_EXIT_FAILED;
}

/* top's query: one report, its JSON. */
static int top_query(void *ctx, const char *object, char **reply)
{
	struct mr_ctl_hdr h;

	return ask(ctx, MR_CTL_QUERY, 0, object, (uint32_t)strlen(object), ASK_TIMEOUT_MS, &h,
		   reply);
}

int ctl_sock_run(const struct ctl_opts *o)
{
	struct session s = { .fd = -1 };
	char *text = NULL;
	uint32_t len = 0;
	int rc;

	if (o->cmd == CTL_CMD_PUSH && load_push_file(o->what, &text, &len) != CTL_EXIT_OK)
		return CTL_EXIT_FAILED;
	if (o->cmd == CTL_CMD_RELOAD && mr_pidfile_holder(o->pidfile) < 0) {
		fprintf(stderr, "meshrelayctl: no meshrelay-cp holds %s (is it running?)\n",
			o->pidfile);
		return CTL_EXIT_FAILED;
	}
	rc = open_session(o, &s);
	if (rc == CTL_EXIT_OK) {
		switch (o->cmd) {
		case CTL_CMD_STATUS: rc = cmd_status(&s); break;
		case CTL_CMD_SHOW: rc = cmd_show(&s, o->what, o->arg); break;
		case CTL_CMD_PUSH: rc = cmd_push(&s, text, len); break;
		case CTL_CMD_RELOAD: rc = cmd_reload(&s, o->pidfile); break;
		case CTL_CMD_PORT: rc = cmd_port(&s, o->what, o->arg); break;
		case CTL_CMD_TOP:
			rc = ctl_top_run(top_query, &s, o->what ? (unsigned int)atoi(o->what) : 0,
					 isatty(STDOUT_FILENO));
			break;
		default: rc = CTL_EXIT_USAGE; break;
		}
		close(s.fd);
	}
	free(s.status);
	free(text);
	return rc;
}
