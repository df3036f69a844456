/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelay-dp: the data plane process. The main lcore brings the appliance up from the
 * configuration, launches one poll loop per worker lcore, then stays off the fast path:
 * it waits for signals (and drains on SIGTERM) while the control socket and telemetry
 * run on their own threads.
 */
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "announce.h"
#include "dp.h"
#include "dp_appliance.h"
#include "dp_worker.h"
#include "flow.h"
#include "mgmt_connlog.h"
#include "mgmt_server.h"
#include "mgmt_telemetry.h"
#include "mr_clock.h"
#include "mr_log.h"
#include "mr_notify.h"
#include "mr_privs.h"
#include "relay_setup.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGHUP: the connection log's file was rotated. */
static void on_hangup(int sig)
{
	(void)sig;
	mgmt_connlog_reopen();
}

/* The stop and rotate signals go to the main thread alone: blocked before EAL and the
 * control threads start (each inherits it), taken again by the main thread once they
 * run. A signal that landed on the control thread interrupted a reply mid-way; one sent
 * during start-up waits, and is not lost. how: SIG_BLOCK or SIG_UNBLOCK. */
static void main_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(how, &set, NULL);
}

struct dp_args {
	const char *config_path;
	const char *control_socket;  /* overrides dataplane.control_socket */
	bool check_only;
	int n_extra_eal;        /* arguments after "--", appended to the config's EAL list */
	char **extra_eal;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: meshrelay-dp -c FILE [-s SOCKET] [--check] [-- EXTRA-EAL-ARGS...]\n"
		     "  -c, --config FILE  appliance configuration (libconfig)\n"
		     "  -s, --control-socket PATH  control socket, in place of the configured one\n"
		     "                             (--socket too, as meshrelay-cp and meshrelayctl)\n"
		     "      --check        validate the configuration and exit\n"
		     "  EXTRA-EAL-ARGS     appended to dataplane.eal, e.g. --file-prefix NAME\n");
}

static int parse_args(int argc, char **argv, struct dp_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "control-socket", required_argument, NULL, 's' },
		{ "socket", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config_path = optarg; break;
		case 's': a->control_socket = optarg; break;
		case 'k': a->check_only = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (!a->config_path) {
		usage(stderr);
		return -1;
	}
	a->n_extra_eal = argc - optind;
	a->extra_eal = argv + optind;
	return 0;
}

static int eal_start(const struct mr_config *conf, const struct dp_args *a, const char *prog)
{
	char *argv[MR_MAX_EAL_ARGS + 64];
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)prog;
	for (unsigned int i = 0; i < conf->dataplane.n_eal_args; i++)
		argv[argc++] = (char *)(uintptr_t)conf->dataplane.eal_args[i];
	for (int i = 0; i < a->n_extra_eal && argc < (int)RTE_DIM(argv) - 1; i++)
		argv[argc++] = a->extra_eal[i];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

/* Flows that still carry a connection: a closed one kept for late segments needs no
 * drain (the reset at the end has nothing to tell it), nor would the drain ever end
 * sooner than the closing time after the last connection. */
static uint64_t flows_in_use(const struct dp_appliance *app)
{
	uint64_t n = 0;

	for (unsigned int w = 0; w < app->n_workers; w++)
		n += flow_count_open(app->workers[w]->flows);
	return n;
}

/* The main lcore's work every 50 ms (tick counts them), while it runs and while it
 * drains: the cookie keys' rotation, and about once a second the links' states for
 * worker 0 (a link that comes back up during a drain is announced again too). */
static void main_tick(struct dp_appliance *app, unsigned int tick)
{
	usleep(50 * 1000);
	relay_secrets_tick(app, mr_clock_ms());
	if (tick % 20 == 0)
		announce_links_watch(app);
}

/* What the stop after a drain may take at most: the resets, the connection log's wait
 * for room (2 s), the ports closed. */
#define STOP_AFTER_DRAIN_MS 15000u

/* Under a service manager (Type=notify): the drain's state, and time to finish it and
 * stop past TimeoutStopSec, asked again every second while it lasts, so that a drain_ms
 * longer than the unit's stop timeout does not end in a SIGKILL (no resets sent, the
 * host's settings not put back). */
static void notify_draining(const struct dp_appliance *app, uint32_t left_ms)
{
	char text[128];

	snprintf(text, sizeof(text), "EXTEND_TIMEOUT_USEC=%" PRIu64 "\nSTATUS=draining %" PRIu64
		 " connection(s)", ((uint64_t)left_ms + STOP_AFTER_DRAIN_MS) * 1000,
		 flows_in_use(app));
	mr_notify(text);
}

/* Graceful stop: refuse new connections, let established ones finish for up to
 * relay.drain_ms. A second signal stops at once. */
static void drain(struct dp_appliance *app, unsigned int tick)
{
	uint32_t waited = 0, limit = app->conf->relay.drain_ms;

	if (limit == 0 || flows_in_use(app) == 0)
		return;
	app->draining = true;
	stop_requested = 0;
	mr_log(MR_LOG_NOTICE, "draining %" PRIu64 " flow(s) for up to %u ms",
	       flows_in_use(app), limit);
	while (waited < limit && flows_in_use(app) > 0 && !stop_requested) {
		if (waited % 1000 == 0)
			notify_draining(app, limit - waited);
		main_tick(app, ++tick);
		waited += 50;
	}
	mr_log(MR_LOG_NOTICE, "drain over: %" PRIu64 " flow(s) left after %u ms",
	       flows_in_use(app), waited);
}

/* The main thread only waits now, then stops the ports: taking the tap interfaces down and
 * restoring the kernel side's settings needs CAP_NET_ADMIN (and raw sockets close with
 * CAP_NET_RAW); nothing else stays. Workers and the control thread drop all themselves. */
static void drop_privileges(void)
{
	char err[128];

	if (mr_privs_limit(MR_CAP(CAP_NET_ADMIN) | MR_CAP(CAP_NET_RAW), err, sizeof(err)) < 0)
		mr_log(MR_LOG_WARN, "could not drop capabilities: %s", err);
}

static int run(struct dp_appliance *app)
{
	unsigned int lcore, tick = 0;

	announce_links_watch(app); /* worker 0 starts from the links as they are */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		for (unsigned int w = 0; w < app->n_workers; w++)
			if (app->workers[w]->lcore_id == lcore)
				rte_eal_remote_launch(dp_worker_main, app->workers[w], lcore);
	}
	drop_privileges();
	mr_log(MR_LOG_NOTICE, "meshrelay-dp ready: %u port(s), %u worker(s)", app->n_ports,
	       app->n_workers);
	mr_notify("READY=1\nSTATUS=relaying");
	while (!stop_requested)
		main_tick(app, ++tick);
	mr_notify("STOPPING=1");
	drain(app, tick);
	mr_log(MR_LOG_NOTICE, "stopping");
	app->quit = true;
	rte_eal_mp_wait_lcore();
	return 0;
}

int main(int argc, char **argv)
{
	static struct mr_config conf;
	static struct dp_appliance app;
	char err[MR_ERR_MAX];
	struct dp_args args;
	int rc;

	mr_log_init("meshrelay-dp", MR_LOG_INFO, false);
	if (parse_args(argc, argv, &args) < 0)
		return 2;
	if (mr_config_load_file(args.config_path, &conf, err, sizeof(err)) < 0) {
		mr_log(MR_LOG_ERR, "configuration refused: %s", err);
		return 1;
	}
	/* Looked up now (and by --check), not first where the socket opens after the ports:
	 * a file naming a group this host lacks would pass its check, then fail every start.
	 * Only here: the file is checked elsewhere too (pushes, meshrelayctl check), where
	 * the host's groups are not the point. */
	if (conf.dataplane.control_group[0] && !getgrnam(conf.dataplane.control_group)) {
		mr_log(MR_LOG_ERR, "configuration refused: %s: control_group '%s': no such group "
		       "on this host (groupadd it first)", args.config_path,
		       conf.dataplane.control_group);
		return 1;
	}
	if (args.check_only) {
		printf("%s: configuration is valid\n", args.config_path);
		return 0;
	}
	mr_log_init("meshrelay-dp", conf.log.level, conf.log.use_syslog);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hangup);
	/* A reader that goes away (the connection log's pipe, a telemetry client) must cost
	 * a failed write, counted where it is made, not the appliance: before EAL starts its
	 * threads, so that every one inherits it. */
	signal(SIGPIPE, SIG_IGN);
	main_signals(SIG_BLOCK);
	if (eal_start(&conf, &args, argv[0]) < 0) {
		mr_log(MR_LOG_ERR, "EAL initialisation failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	/* dpdk-pdump and dpdk-dumpcap attach as secondary processes (hugepage memory only). */
	if (rte_pdump_init() < 0)
		mr_log(MR_LOG_WARN, "packet capture (pdump) not available: %s", rte_strerror(rte_errno));
	app.conf = &conf;
	app.started_ms = mr_clock_ms();
	app.n_workers = rte_lcore_count() - 1;
	if (app.n_workers == 0 || app.n_workers > DP_MAX_WORKERS) {
		mr_log(MR_LOG_ERR, "need 1 to %d worker lcores besides the main one (EAL -l 0-1)",
		       DP_MAX_WORKERS);
		rte_eal_cleanup();
		return 1;
	}
	rc = dp_appliance_up(&app, err, sizeof(err));
	if (rc == 0 && mgmt_telemetry_init(&app) < 0)
		mr_log(MR_LOG_WARN, "telemetry commands not registered");
	if (rc == 0)
		rc = mgmt_server_start(&app, args.control_socket ? args.control_socket
							       : conf.dataplane.control_socket,
				      conf.dataplane.control_group, err, sizeof(err));
	if (rc == 0 && conf.log.connections[0])
		rc = mgmt_connlog_start(&app, err, sizeof(err));
	main_signals(SIG_UNBLOCK); /* every other thread is running now */
	if (rc == 0)
		rc = run(&app);
	else
		mr_log(MR_LOG_ERR, "start-up failed: %s", err);
	mgmt_connlog_stop(); /* the workers have stopped: their last records */
	mgmt_server_stop();
	mgmt_telemetry_close(&app);
	dp_appliance_down(&app);
	rte_pdump_uninit();
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
