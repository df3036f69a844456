/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelay-cp: the control-plane daemon. Holds the last good configuration, keeps it in
 * force at the data plane over the control socket, and re-reads the file on SIGHUP (a bad
 * file is refused and the running configuration stays). Runs in the foreground.
 * Exit codes: 0 after SIGTERM/SIGINT, 1 on a bad file or start-up failure, 2 usage.
 */
#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp_args.h"
#include "cp_conf.h"
#include "cp_link.h"
#include "cp_mesh.h"
#include "cp_metrics.h"
#include "cp_readback.h"
#include "mr_http_serve.h"
#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "mr_log.h"
#include "mr_privs.h"
#include "mr_pidfile.h"
#include "mr_textfile.h"

#define CP_STATUS_INTERVAL_MS 1000
#define CP_MAX_LEARNED 65536
#define CP_DISCOVERY_WAIT_MS 10000 /* the most a data plane that runs waits for our first push */
#define CP_METRICS_MAX (256u << 10)

struct cp {
	struct cp_opts opts;
	struct cp_conf conf;
	struct cp_conf accepted;     /* a copy of the last file the data plane applied (its
				      * gateways as learned then), or zeroed: what goes back in
				      * force if it refuses a file taken without asking it */
	struct cp_link link;
	struct cp_mesh mesh;
	int sigfd;
	int metrics_fd;              /* metrics.cp_listen (cp_metrics), or -1 */
	struct mr_http_server metrics; /* its scrapers, served from the loop (metrics_fd >= 0) */
	int64_t status_ms;           /* status file last written */
	bool status_failing;         /* the last write failed (and said so) */
	bool mesh_failed;            /* TURN and discovery failed to start at the last reload:
				      * the next one starts them whatever changed */
	bool read_back;              /* the data plane's learned gateways were asked for (once,
				      * at the first link to a data plane that runs a file) */
	bool on_read_back;           /* what is pushed as learned is that answer, until
				      * discovery answers */
	uint32_t reread_for;         /* the refused generation the file was read again for */
};

/* The data plane's control socket: -s, else what conf says. */
static const char *socket_path(const struct cp *cp, const struct mr_config *conf)
{
	return cp->opts.socket ? cp->opts.socket : conf->dataplane.control_socket;
}

static void apply_log_settings(const struct mr_config *conf)
{
	mr_log_init("meshrelay-cp", (enum mr_log_level)conf->log.level, conf->log.use_syslog);
}

/* The other networks' exported names, as discovery has them, by network name. */
static unsigned int learned_imports(struct cp *cp, struct cp_import *out, unsigned int max)
{
	struct mr_route_conf *routes = calloc(max + 1, sizeof(*routes));
	unsigned int n;

	if (!routes)
		return 0;
	n = cp_discovery_imports(&cp->mesh.disc, &cp->conf.conf, routes, max);
	memset(out, 0, max * sizeof(*out)); /* compared whole: no stray bytes */
	for (unsigned int i = 0; i < n; i++) {
		snprintf(out[i].sni, sizeof(out[i].sni), "%s", routes[i].sni);
		snprintf(out[i].network, sizeof(out[i].network), "%s",
			 cp->conf.conf.networks[routes[i].network].name);
		free(routes[i].sni);
	}
	free(routes);
	return n;
}

/* The data plane applied our configuration: its file is kept as what to go back to. */
static void note_applied(struct cp *cp)
{
	if (cp->link.pushed != cp->conf.generation || cp->conf.generation == 0 ||
	    (cp->accepted.file_text && strcmp(cp->accepted.file_text, cp->conf.file_text) == 0))
		return;
	cp_conf_free(&cp->accepted);
	if (cp_conf_copy(&cp->accepted, &cp->conf) < 0)
		mr_log(MR_LOG_WARN, "out of memory: a file the data plane refuses later could not "
		       "be taken back");
}

/* Discovery saw the other gateways change: what they offer (relayed addresses and the
 * names their networks export) becomes pushed routes. */
static void learned(void *arg)
{
	struct cp *cp = arg;
	struct mr_remote_gateway_conf *gws = calloc(CP_MAX_LEARNED, sizeof(*gws));
	struct cp_import *imports = calloc(CP_MAX_LEARNED, sizeof(*imports));
	char err[MR_ERR_MAX];
	unsigned int n, n_imports, taken;
	int rc;

	if (!gws || !imports) {
		mr_log(MR_LOG_ERR, "out of memory for learned gateways");
		free(gws);
		free(imports);
		return;
	}
	n = cp_discovery_routes(&cp->mesh.disc, &cp->conf.conf, gws, CP_MAX_LEARNED);
	n_imports = learned_imports(cp, imports, CP_MAX_LEARNED);
	rc = cp_conf_set_learned_fitting(&cp->conf, gws, n, imports, n_imports, &taken, err,
					 sizeof(err));
	free(gws);
	free(imports);
	if (rc < 0) {
		mr_log(MR_LOG_ERR, "learned gateways refused: %s", err);
	} else if (rc > 0) {
		if (taken < n_imports)
			mr_log(MR_LOG_WARN, "discovery: %u of %u imported names taken, the rest "
			       "left out: %s", taken, n_imports, err);
		mr_log(MR_LOG_NOTICE, "%u remote gateway route(s) and %u imported name(s) learned: "
		       "generation %u", n, taken, cp->conf.generation);
		cp_link_push(&cp->link, &cp->conf, mr_clock_ms());
	}
}

/* A peer reached our relayed address: the data plane takes the data connection. */
/* Lost (counted and logged by the mesh, at most once a second) without a data plane
 * that took it. */
static int bind(void *arg, const char *request)
{
	struct cp *cp = arg;

	return cp_link_bind(&cp->link, request) == 0 ? 0 : -1;
}

static int start_mesh(struct cp *cp)
{
	char err[MR_ERR_MAX];

	if (cp_mesh_start(&cp->mesh, &cp->conf.conf, learned, bind, cp, err, sizeof(err)) < 0) {
		mr_log(MR_LOG_ERR, "TURN/discovery: %s", err);
		return -1;
	}
	return 0;
}

/* Whether TURN and discovery must start over after a reload from old: their settings
 * changed, or the credentials file now says another user or password (rotated secrets
 * must not wait for a restart), or they failed to start last time. An unreadable
 * credentials file keeps what runs. */
static bool mesh_needs_restart(struct cp *cp, const struct mr_config *old)
{
	char err[MR_ERR_MAX];
	int creds;

	if (cp->mesh_failed) {
		mr_log(MR_LOG_NOTICE, "TURN and discovery did not start at the last reload: "
		       "starting them again");
		return true;
	}
	if (!cp_mesh_same(old, &cp->conf.conf)) {
		mr_log(MR_LOG_NOTICE, "TURN or discovery settings changed: starting them over");
		return true;
	}
	creds = cp_mesh_credentials_changed(&cp->mesh, &cp->conf.conf, err, sizeof(err));
	if (creds < 0)
		mr_log(MR_LOG_ERR, "TURN credentials not re-read, the clients keep theirs: %s", err);
	if (creds > 0)
		mr_log(MR_LOG_NOTICE, "TURN credentials changed: starting TURN and discovery over");
	return creds > 0;
}

/* What a new file changes that only a restart of meshrelay-cp takes: said, not dropped in
 * silence (the endpoint opened at start stays where it was). */
static void warn_restart_only(const struct mr_metrics_conf *was,
			      const struct mr_metrics_conf *now)
{
	if (was->cp_enabled != now->cp_enabled || was->cp_port != now->cp_port ||
	    strcmp(was->cp_address, now->cp_address) != 0)
		mr_log(MR_LOG_WARN, "metrics.cp_listen changed: not in force before meshrelay-cp "
		       "restarts (its endpoint stays %s)",
		       was->cp_enabled ? "where it was" : "off");
}

/* Make next (its memory now ours) the configuration in force: the log settings, TURN and
 * discovery follow it. */
static void adopt(struct cp *cp, struct cp_conf *next)
{
	struct cp_conf prev = cp->conf;

	warn_restart_only(&prev.conf.metrics, &next->conf.metrics);
	cp->conf = *next;
	note_applied(cp); /* before what discovery adds to it is pushed (and maybe refused) */
	apply_log_settings(&cp->conf.conf);
	if (mesh_needs_restart(cp, &prev.conf)) {
		cp_mesh_stop(&cp->mesh);
		/* On failure the rest keeps running; the log says why, and the next SIGHUP
		 * tries again (with nothing running, no credentials could be seen to change). */
		cp->mesh_failed = start_mesh(cp) < 0;
	} else if (cp->mesh.has_disc) {
		cp_discovery_set_services(&cp->mesh.disc, &cp->conf.conf); /* exports may change */
		/* And what the file routes itself no longer imported. Not before discovery has
		 * answered: what it holds then is nothing, and the learned set the file carried
		 * over (the last one's, or the data plane's read back in an outage) would be
		 * pushed away until the store came back. Its first answer recomputes it. */
		if (cp->mesh.disc.synced)
			learned(cp);
	}
	cp_conf_free(&prev);
}

/* The capability to read the files read at start (the configuration, credentials, CA
 * files) raised while on, for a reload's reads only. */
static void files_readable(bool on)
{
	if (mr_privs_effective_set(on ? MR_CAP(CAP_DAC_READ_SEARCH) : 0) < 0 && on)
		mr_log(MR_LOG_WARN, "could not raise the capability to read: %s", strerror(errno));
}

/* What a reload came to: the note beside the pid file says it to `meshrelayctl reload`. */
enum reload_outcome {
	RELOAD_APPLIED,  /* pushed, and in force at the data plane */
	RELOAD_TAKEN,    /* in force here; no data plane could be asked (pushed once it can) */
	RELOAD_REFUSED,  /* the file in force stays (why says why) */
};

/* SIGHUP: re-read the file (reload's work, with its files readable). A good one goes to
 * the data plane before it replaces what runs: one the data plane refuses (a port
 * renamed, the VIP range moved: only a restart changes those) is dropped whole, so
 * learned gateways keep being pushed on the file in force and TURN and discovery keep
 * their settings. Without a data plane to ask, a good file is taken. TURN and discovery
 * start over only when their own settings or credentials changed. */
static enum reload_outcome reload_files(struct cp *cp, char *why, size_t whylen)
{
	struct cp_conf next;
	int pushed;

	if (cp_conf_copy(&next, &cp->conf) < 0) {
		snprintf(why, whylen, "out of memory");
		mr_log(MR_LOG_ERR, "reload: out of memory");
		return RELOAD_REFUSED;
	}
	/* TURN starts over from every server's credentials and trust anchors, or not at all:
	 * a server added before its credentials line (or with a CA file that cannot be read)
	 * would otherwise stop every relay that runs. */
	if (cp_conf_load(&next, cp->opts.config, why, whylen) < 0 ||
	    cp_mesh_start_check(&next.conf, why, whylen) < 0) {
		mr_log(MR_LOG_ERR, "reload refused, generation %u stays in force: %s",
		       cp->conf.generation, why);
		cp_conf_free(&next);
		return RELOAD_REFUSED;
	}
	/* To where the new file says the data plane listens (unless -s says). */
	cp_link_set_path(&cp->link, socket_path(cp, &next.conf));
	pushed = cp_link_push(&cp->link, &next, mr_clock_ms());
	if (pushed == 1) {
		snprintf(why, whylen, "the data plane refused it (see meshrelay-cp's log)");
		mr_log(MR_LOG_ERR, "reload of %s refused by the data plane: generation %u stays "
		       "in force", cp->opts.config, cp->conf.generation);
		/* Its control socket with it: the link goes back to where the file in force
		 * says the data plane listens, for its next connection. */
		cp_link_set_path(&cp->link, socket_path(cp, &cp->conf.conf));
		cp->conf.issued = next.issued; /* the refused number is never given again */
		cp_conf_free(&next);
		return RELOAD_REFUSED;
	}
	mr_log(MR_LOG_NOTICE, "reloaded %s as generation %u", cp->opts.config, next.generation);
	adopt(cp, &next);
	return pushed == 0 ? RELOAD_APPLIED : RELOAD_TAKEN;
}

/* reload_files with the capability to read its files raised around it; what it came to in
 * the note beside the pid file, "reload ID applied|taken|refused GENERATION [WHY]" (ID:
 * the value the signal carried, 0 for a plain kill; the generation: the one in force). */
static void reload(struct cp *cp, int id)
{
	static const char *const words[] = { "applied", "taken", "refused" };
	char why[MR_ERR_MAX] = "", note[MR_PIDFILE_NOTE_MAX];
	enum reload_outcome r;

	files_readable(true);
	r = reload_files(cp, why, sizeof(why));
	files_readable(false);
	for (char *c = why; *c; c++) /* one line */
		if (*c == '\n')
			*c = ' ';
	snprintf(note, sizeof(note), "reload %d %s %u%s%.*s", id, words[r], cp->conf.generation,
		 r == RELOAD_REFUSED ? " " : "", (int)sizeof(note) - 64,
		 r == RELOAD_REFUSED ? why : ""); /* why cut to fit */
	if (cp->opts.pidfile[0] && mr_pidfile_note(note) < 0)
		mr_log(MR_LOG_WARN, "pid file: the reload's note not written: %s", strerror(errno));
}

/*
 * A file taken while the data plane could not be asked, and refused by it once it could
 * (it runs on, with the settings only its restart changes): the file it last applied goes
 * back in force, as when it refuses a reload at once. Otherwise every later push, of what
 * discovery learns too, would be built on the refused file and refused with it.
 */
static void revert_refused(struct cp *cp)
{
	struct cp_conf next;

	if (!cp->accepted.file_text || cp->link.refused != cp->conf.generation ||
	    strcmp(cp->accepted.file_text, cp->conf.file_text) == 0)
		return;
	if (cp_conf_copy(&next, &cp->accepted) < 0) {
		mr_log(MR_LOG_ERR, "out of memory: the refused file stays held");
		cp_conf_free(&cp->accepted); /* asked once, not at every loop */
		return;
	}
	next.issued = cp->conf.issued; /* numbers given out since are never given again */
	cp_link_set_path(&cp->link, socket_path(cp, &next.conf));
	mr_log(MR_LOG_ERR, "generation %u of %s, taken while the data plane could not be asked, "
	       "is refused by it: generation %u, the file it last applied, is in force again",
	       cp->conf.generation, cp->opts.config, next.generation);
	files_readable(true); /* TURN may start over: its credentials and CA files */
	adopt(cp, &next);
	files_readable(false);
}

/*
 * The data plane refuses the file in force while the file on disk is another: a data plane
 * restarted from the edited file (a port changed, which only its start takes) would refuse
 * what we hold for good, and everything learned pushed on top of it. The file is read
 * again, as on SIGHUP, once for each generation refused.
 */
static void reread_refused(struct cp *cp)
{
	char err[MR_ERR_MAX], *text;
	uint32_t len;
	bool changed;
	int rc;

	if (cp->link.refused == 0 || cp->link.refused != cp->conf.generation ||
	    cp->reread_for == cp->conf.generation)
		return;
	cp->reread_for = cp->conf.generation;
	files_readable(true);
	rc = mr_textfile_read(cp->opts.config, MR_CTL_MAX_PAYLOAD, &text, &len, err, sizeof(err));
	files_readable(false);
	if (rc < 0)
		return;
	changed = !cp->conf.file_text || strcmp(text, cp->conf.file_text) != 0;
	free(text);
	if (!changed)
		return;
	mr_log(MR_LOG_NOTICE, "the data plane refuses generation %u, and %s has changed since "
	       "it was read: reading it again", cp->conf.generation, cp->opts.config);
	reload(cp, 0);
}

/* The status file, replaced whole so a reader never sees half of it: written to a file
 * made anew beside it (never through a link planted there), renamed over it (a rename
 * replaces a link at the path, never its target). */
static void write_status(struct cp *cp, int64_t now_ms)
{
	char tmp[CP_STATUS_PATH_MAX + 8], err[CP_STATUS_PATH_MAX + 128];
	int fd;
	FILE *f;

	if (!cp->opts.status || (!cp->mesh.status_dirty && now_ms < cp->status_ms +
				 CP_STATUS_INTERVAL_MS))
		return;
	cp->mesh.status_dirty = false;
	cp->status_ms = now_ms;
	snprintf(tmp, sizeof(tmp), "%s.tmp", cp->opts.status);
	fd = mr_textfile_create(tmp, err, sizeof(err));
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (!cp->status_failing) /* once, not every second */
			mr_log(MR_LOG_WARN, "status file not written: %s",
			       fd < 0 ? err : strerror(errno));
		cp->status_failing = true;
		if (fd >= 0)
			close(fd);
		return;
	}
	cp_mesh_status(&cp->mesh, f);
	if (fclose(f) != 0 || rename(tmp, cp->opts.status) != 0) {
		if (!cp->status_failing)
			mr_log(MR_LOG_WARN, "status file %s not replaced: %s", cp->opts.status,
			       strerror(errno));
		cp->status_failing = true;
		unlink(tmp);
		return;
	}
	cp->status_failing = false;
}

/* Drain pending signals; false once asked to stop. */
static bool handle_signals(struct cp *cp)
{
	struct signalfd_siginfo si;
	bool run = true;

	while (read(cp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			/* meshrelayctl's reload queues it with an id to find its note by. */
			reload(cp, si.ssi_code == SI_QUEUE ? si.ssi_int : 0);
		} else {
			mr_log(MR_LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
			run = false;
		}
	}
	return run;
}

static size_t render_metrics(void *ctx, char *buf, size_t cap)
{
	struct cp *cp = ctx;
	struct cp_metrics_view v = { &cp->conf, &cp->link, &cp->mesh };

	return cp_metrics_render(&v, buf, cap);
}

/* Started beside a data plane that runs a previous meshrelay-cp's file, while discovery
 * has not answered: what that one learned (the data plane's "learned" report) is taken as
 * ours, so that the push after CP_DISCOVERY_WAIT_MS keeps the other networks' routes
 * rather than dropping them for as long as discovery stays down. Asked once. */
static void read_back_learned(struct cp *cp)
{
	struct mr_remote_gateway_conf *gws = NULL;
	struct cp_import *imports = NULL;
	unsigned int n = 0, n_imports = 0;
	char *reply = NULL, err[MR_ERR_MAX];
	const char *why = NULL;

	if (!cp->mesh.has_disc || cp->read_back || cp->mesh.disc.synced || cp->link.fd < 0 ||
	    cp->link.dp_generation == 0)
		return;
	cp->read_back = true;
	if (cp_link_query(&cp->link, "learned", &reply) != 0)
		return;
	gws = calloc(CP_MAX_LEARNED, sizeof(*gws));
	imports = calloc(CP_MAX_LEARNED, sizeof(*imports));
	if (!gws || !imports)
		why = "out of memory";
	else if (cp_readback_parse(reply, strlen(reply), &cp->conf.conf, gws, CP_MAX_LEARNED, &n,
				   imports, CP_MAX_LEARNED, &n_imports, &why) == 0 &&
		 cp_conf_set_learned(&cp->conf, gws, n, imports, n_imports, err, sizeof(err)) < 0)
		why = err;
	if (why) {
		mr_log(MR_LOG_WARN, "the data plane's learned gateways not taken: %s", why);
	} else {
		cp->on_read_back = true;
		mr_log(MR_LOG_NOTICE, "discovery has not answered yet: %u remote gateway route(s) "
		       "and %u imported name(s) kept from the data plane", n, n_imports);
	}
	free(gws);
	free(imports);
	free(reply);
}

/* The link's tick, its first push let go once discovery has answered; what the data
 * plane applied is kept, and a file taken without it that it refused is taken back. */
static int link_tick(struct cp *cp)
{
	int wait_ms;

	if (cp->link.hold_until_ms && (!cp->mesh.has_disc || cp->mesh.disc.synced))
		cp_link_hold_first_push(&cp->link, 0);
	wait_ms = cp_link_tick(&cp->link, &cp->conf, mr_clock_ms());
	/* What the data plane says it reads: advertised, and pushed with the gateways. */
	if (cp->mesh.has_disc && cp->link.fd >= 0 &&
	    cp_discovery_set_client_header(&cp->mesh.disc, cp->link.dp_client_header) &&
	    cp->mesh.disc.synced)
		learned(cp);
	read_back_learned(cp);
	if (cp->on_read_back && cp->mesh.disc.synced) {
		/* Discovery's own view replaces it, even when it saw nothing change. */
		cp->on_read_back = false;
		learned(cp);
	}
	note_applied(cp);
	revert_refused(cp);
	reread_refused(cp);
	return wait_ms;
}

static int run(struct cp *cp)
{
	bool running = true;

	cp_link_init(&cp->link, socket_path(cp, &cp->conf.conf));
	/* Started anew beside a data plane that runs: the gateways it learned from us before
	 * stay in force until discovery has answered (or CP_DISCOVERY_WAIT_MS passed), not
	 * pushed away by our file alone. */
	if (cp->mesh.has_disc)
		cp_link_hold_first_push(&cp->link, mr_clock_ms() + CP_DISCOVERY_WAIT_MS);
	while (running) {
		int wait_ms = link_tick(cp);
		int mesh_ms = cp_mesh_tick(&cp->mesh, mr_clock_ms());
		int http_ms = cp->metrics_fd >= 0 ? mr_http_server_tick(&cp->metrics, mr_clock_ms()) : -1;
		struct pollfd pfd[2 + MR_HTTP_POLLFDS + CP_MESH_MAX_FDS] = {
			{ .fd = cp->sigfd, .events = POLLIN }, { .fd = cp->link.fd, .events = POLLIN } };
		unsigned int n_http = cp->metrics_fd >= 0 ? mr_http_server_pollfds(&cp->metrics, pfd + 2)
							  : 0;
		unsigned int n_mesh = cp_mesh_pollfds(&cp->mesh, pfd + 2 + n_http, CP_MESH_MAX_FDS);
		int n;

		write_status(cp, mr_clock_ms());
		wait_ms = mesh_ms < wait_ms ? mesh_ms : wait_ms;
		if (http_ms >= 0 && http_ms < wait_ms)
			wait_ms = http_ms;
		if (wait_ms > CP_STATUS_INTERVAL_MS && cp->opts.status)
			wait_ms = CP_STATUS_INTERVAL_MS;
		pfd[1].fd = cp->link.fd; /* -1 while disconnected: poll skips it */
		n = poll(pfd, 2 + n_http + n_mesh, wait_ms);
		if (n < 0 && errno != EINTR) {
			mr_log(MR_LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		if (n <= 0)
			continue;
		/* Nothing is ever sent unasked: readable between requests means closed. */
		if (cp->link.fd >= 0 && pfd[1].revents)
			cp_link_lost(&cp->link, mr_clock_ms(), "the data plane closed the connection");
		cp_mesh_handle(&cp->mesh, pfd + 2 + n_http, n_mesh, mr_clock_ms());
		/* A scraper that is slow or silent holds its own slot, never this loop: TURN,
		 * discovery and the link go on meanwhile. */
		if (n_http)
			mr_http_server_handle(&cp->metrics, pfd + 2, n_http, mr_clock_ms());
		if (pfd[0].revents)
			running = handle_signals(cp);
	}
	return 0;
}

static int setup_signals(struct cp *cp)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	cp->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return cp->sigfd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct cp cp;
	char err[MR_ERR_MAX];
	int rc;

	mr_log_init("meshrelay-cp", MR_LOG_INFO, false);
	rc = cp_args_parse(argc, argv, &cp.opts, err, sizeof(err));
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "meshrelay-cp: %s\n%s", err, cp_args_usage());
		return rc < 0 ? 2 : 0;
	}
	/* Taken into the loop's signalfd before anything else: a reload asked for while the
	 * file is read (a service manager's, just after the start) waits for the loop, where
	 * it is a reload, not the default end of the process. */
	if (setup_signals(&cp) < 0) {
		fprintf(stderr, "meshrelay-cp: signals: %s\n", strerror(errno));
		return 1;
	}
	if (cp_conf_load(&cp.conf, cp.opts.config, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	apply_log_settings(&cp.conf.conf);
	if (strcmp(cp.opts.pidfile, MR_CP_PIDFILE) == 0)
		mkdir("/run/meshrelay", 0755); /* the default's directory; failures show below */
	if (cp.opts.pidfile[0] && mr_pidfile_write(cp.opts.pidfile, err, sizeof(err)) < 0) {
		mr_log(MR_LOG_ERR, "pid file: %s", err);
		return 1;
	}
	/* Its own metrics endpoint: opened once (metrics.cp_listen changes with a restart). */
	cp.metrics_fd = -1;
	if (cp.conf.conf.metrics.cp_enabled) {
		cp.metrics_fd = mr_http_listen("metrics.cp_listen", cp.conf.conf.metrics.cp_address,
					       cp.conf.conf.metrics.cp_port, err, sizeof(err));
		if (cp.metrics_fd < 0)
			mr_log(MR_LOG_ERR, "%s", err);
		else
			mr_http_server_init(&cp.metrics, cp.metrics_fd, MR_METRICS_CONTENT_TYPE,
					    render_metrics, &cp, CP_METRICS_MAX);
	}
	if ((cp.conf.conf.metrics.cp_enabled && cp.metrics_fd < 0) || start_mesh(&cp) < 0) {
		if (cp.opts.pidfile[0])
			mr_pidfile_remove(cp.opts.pidfile);
		return 1;
	}
	/* Everything privileged is done (pid file, sockets are plain files of ours): what is
	 * left talks to TURN servers and etcd, and reads its files again on a reload. It keeps
	 * reading, permitted only, raised around those reads (files_readable): what it read
	 * at start stays readable whoever owns it, and nothing else can read more. */
	if (mr_privs_limit(MR_CAP(CAP_DAC_READ_SEARCH), err, sizeof(err)) < 0 ||
	    mr_privs_effective_set(0) < 0)
		mr_log(MR_LOG_WARN, "could not drop capabilities: %s", err);
	mr_log(MR_LOG_NOTICE, "started with %s as generation %u, data plane at %s",
	       cp.opts.config, cp.conf.generation, socket_path(&cp, &cp.conf.conf));
	rc = run(&cp);
	cp_mesh_stop(&cp.mesh);
	cp_link_close(&cp.link);
	if (cp.opts.pidfile[0])
		mr_pidfile_remove(cp.opts.pidfile);
	cp_conf_free(&cp.conf);
	cp_conf_free(&cp.accepted);
	close(cp.sigfd);
	if (cp.metrics_fd >= 0) {
		mr_http_server_close(&cp.metrics);
		close(cp.metrics_fd);
	}
	mr_log(MR_LOG_NOTICE, "stopped");
	return rc;
}
