/*
 * meshrelay-cp: the control-plane daemon. Holds the last good configuration, keeps it in
 * force at the data plane over the control socket, and re-reads the file on SIGHUP (a bad
 * file is refused and the running configuration stays). Runs in the foreground.
 * Exit codes: 0 after SIGTERM/SIGINT, 1 on a bad file or start-up failure, 2 usage.
 */
#include <errno.h>
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
#include "mr_log.h"
#include "pidfile.h"

struct cp {
	struct cp_opts opts;
	struct cp_conf conf;
	struct cp_link link;
	int sigfd;
};

static const char *socket_path(const struct cp *cp)
{
	return cp->opts.socket ? cp->opts.socket : cp->conf.conf.dataplane.control_socket;
}

static void apply_log_settings(const struct mr_config *conf)
{
	mr_log_init("meshrelay-cp", (enum mr_log_level)conf->log.level, conf->log.use_syslog);
}

/* SIGHUP: re-read the file; only a good one replaces what runs. */
static void reload(struct cp *cp)
{
	char err[MR_ERR_MAX];

	if (cp_conf_load(&cp->conf, cp->opts.config, err, sizeof(err)) < 0) {
		mr_log(MR_LOG_ERR, "reload refused, generation %u stays in force: %s",
		       cp->conf.generation, err);
		return;
	}
	apply_log_settings(&cp->conf.conf);
	mr_log(MR_LOG_NOTICE, "reloaded %s as generation %u", cp->opts.config,
	       cp->conf.generation);
	cp_link_set_path(&cp->link, socket_path(cp));
	cp_link_push(&cp->link, &cp->conf, cp_now_ms());
}

/* Drain pending signals; false once asked to stop. */
static bool handle_signals(struct cp *cp)
{
	struct signalfd_siginfo si;
	bool run = true;

	while (read(cp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(cp);
		} else {
			mr_log(MR_LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
			run = false;
		}
	}
	return run;
}

static int run(struct cp *cp)
{
	bool running = true;

	cp_link_init(&cp->link, socket_path(cp));
	while (running) {
		int wait_ms = cp_link_tick(&cp->link, &cp->conf, cp_now_ms());
		struct pollfd pfd[2] = { { .fd = cp->sigfd, .events = POLLIN },
					 { .fd = cp->link.fd, .events = POLLIN } };
		int n = poll(pfd, cp->link.fd >= 0 ? 2 : 1, wait_ms);

		if (n < 0 && errno != EINTR) {
			mr_log(MR_LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		/* Nothing is ever sent unasked: readable between requests means closed. */
		if (n > 0 && cp->link.fd >= 0 && pfd[1].revents)
			cp_link_lost(&cp->link, cp_now_ms(), "the data plane closed the connection");
		if (n > 0 && pfd[0].revents)
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
	if (cp_conf_load(&cp.conf, cp.opts.config, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	apply_log_settings(&cp.conf.conf);
	if (setup_signals(&cp) < 0) {
		mr_log(MR_LOG_ERR, "signals: %s", strerror(errno));
		return 1;
	}
	if (strcmp(cp.opts.pidfile, CP_DEFAULT_PIDFILE) == 0)
		mkdir("/run/meshrelay", 0755); /* the default's directory; failures show below */
	if (cp.opts.pidfile[0] && pidfile_write(cp.opts.pidfile, err, sizeof(err)) < 0) {
		mr_log(MR_LOG_ERR, "pid file: %s", err);
		return 1;
	}
	mr_log(MR_LOG_NOTICE, "started with %s as generation %u, data plane at %s",
	       cp.opts.config, cp.conf.generation, socket_path(&cp));
	rc = run(&cp);
	cp_link_close(&cp.link);
	if (cp.opts.pidfile[0])
		pidfile_remove(cp.opts.pidfile);
	cp_conf_free(&cp.conf);
	close(cp.sigfd);
	mr_log(MR_LOG_NOTICE, "stopped");
	return rc;
}
