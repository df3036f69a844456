/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_command.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_mailbox.h"
#include "dp_port_pause.h"
#include "health.h"
#include "mgmt_json.h"
#include "mgmt_report.h"
#include "mgmt_restart.h"
#include "mr_clock.h"
#include "mr_log.h"
#include "relay_live.h"
#include "turn_bind.h"

/* One message being carried out. */
struct mgmt_cmd {
	struct dp_appliance *app;
	const struct mr_ctl_hdr *h;
	const char *payload;
	const struct mgmt_reply *r;
};

static int answer(const struct mgmt_cmd *c, uint16_t type, uint32_t generation, const char *text)
{
	size_t max = c->r->max_text ? c->r->max_text : MR_CTL_MAX_PAYLOAD, len = strlen(text);
	char why[160];

	/* Sent, it would cost this thread its send time and every client refuse it: said
	 * instead (a routes report of a million imported names passes 16 MiB). */
	if (len > max) {
		snprintf(why, sizeof(why), "refused: the answer is %zu bytes, more than the %zu a "
			 "client reads: ask telemetry, or for a smaller report", len, max);
		return c->r->send(c->r->ctx, MR_CTL_RESULT, generation, why);
	}
	return c->r->send(c->r->ctx, type, generation, text);
}

uint32_t mgmt_generation(const struct dp_appliance *app)
{
	return relay_live_get(app)->generation;
}

/* The index of the data port named name, or -1 (the ports are the file's, in order). */
static int port_named(const struct dp_appliance *app, const char *name)
{
	int i = mr_config_port_index(app->conf, name);

	return i >= 0 && i < (int)app->n_ports ? i : -1;
}

/* A port name that names none: refused with the names there are (a typo is seen at once). */
static int refuse_port(const struct mgmt_cmd *c, const char *name)
{
	char text[MR_NAME_MAX * (MR_MAX_PORTS + 1) + 64];
	size_t at = (size_t)snprintf(text, sizeof(text), "refused: no port named %.*s; ports:",
				     MR_NAME_MAX, name);

	for (unsigned int i = 0; i < c->app->n_ports && at < sizeof(text); i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, " %s",
				       c->app->ports[i].conf->name);
	return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), text);
}

static int handle_query(const struct mgmt_cmd *c, const char *name, uint16_t reply_type)
{
	enum mgmt_report_kind kind = mgmt_report_kind_of(name);
	struct mgmt_json j;
	const char *text;
	int rc;

	if (kind == MGMT_REPORT_UNKNOWN)
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), "refused: unknown object");
	if (strncmp(name, "port:", 5) == 0 && port_named(c->app, name + 5) < 0)
		return refuse_port(c, name + 5);
	mgmt_json_begin(&j, kind == MGMT_REPORT_LIST);
	if (mgmt_report_write(c->app, name, &j.sink) < 0) {
		mgmt_json_free(&j);
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app),
			     "refused: unknown object or a worker did not answer");
	}
	text = mgmt_json_end(&j);
	/* Out of memory part way: refused, not an empty report taken for the truth. */
	rc = answer(c, text ? reply_type : MR_CTL_RESULT, mgmt_generation(c->app),
		    text ? text : "refused: out of memory for the report");
	mgmt_json_free(&j);
	return rc;
}

/* Whether a client other than c's holds the claim on the configuration. */
static bool managed_by_another(const struct mgmt_cmd *c)
{
	return c->app->managed_by && c->app->managed_by != c->r->client;
}

/* meshrelay-cp claims the configuration: it pushes its file again whenever another is
 * in force, so a push from anyone else would be undone a second later, after saying
 * "applied". While it stays connected, such pushes are refused instead, saying why. */
static int handle_claim(const struct mgmt_cmd *c)
{
	if (managed_by_another(c))
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app),
			      "refused: another control plane manages this data plane");
	if (c->app->managed_by != c->r->client)
		mr_log(MR_LOG_NOTICE, "control socket: the configuration is managed by the "
		       "control plane (client %" PRIu64 ")", c->r->client);
	c->app->managed_by = c->r->client;
	return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), "claimed");
}

void mgmt_command_client_gone(struct dp_appliance *app, uint64_t client)
{
	if (!client || app->managed_by != client)
		return;
	app->managed_by = 0;
	mr_log(MR_LOG_NOTICE, "control socket: the control plane is gone; pushes are taken "
	       "from any client");
}

/* Validate the whole pushed file, build the new tables, swap them in: all or nothing. */
static int handle_push(const struct mgmt_cmd *c)
{
	struct mr_config *conf;
	uint64_t started_us = mr_clock_us();
	struct relay_live *live;
	char err[MR_ERR_MAX], names[256], msg[MR_ERR_MAX + 64 + sizeof(names)];
	unsigned int later;
	int rc;

	if (managed_by_another(c))
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app),
			      "refused: meshrelay-cp manages this data plane and would put its own "
			      "file back; change that file and run meshrelayctl reload");
	conf = calloc(1, sizeof(*conf));
	if (!conf)
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), "refused: out of memory");
	if (mr_config_load_string(c->payload, "pushed", conf, err, sizeof(err)) < 0 ||
	    relay_live_build(c->app, conf, c->h->generation, &live, err, sizeof(err)) < 0) {
		mr_config_free(conf);
		free(conf);
		mr_log(MR_LOG_WARN, "push of generation %u refused: %s", c->h->generation, err);
		snprintf(msg, sizeof(msg), "refused: %s", err);
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), msg);
	}
	free(conf);
	if (c->app->health && health_bind_live(c->app->health, live, c->app) < 0) {
		relay_live_free(live);
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), "refused: out of memory");
	}
	/* Read as the data plane starts only: named, not taken in silence. */
	later = mgmt_restart_changes(c->app->conf, &live->conf, names, sizeof(names));
	relay_live_swap(c->app, live);
	if (c->app->health) {
		health_sweep_unused(c->app->health); /* members only the old configuration had */
		health_bind_rest(c->app->health, live);
	}
	snprintf(msg, sizeof(msg), "applied generation %u in %ld us%s%s", c->h->generation,
		 (long)(mr_clock_us() - started_us),
		 later ? "; not in force before a restart: " : "", later ? names : "");
	mr_log(later ? MR_LOG_WARN : MR_LOG_INFO, "%s (%u routes, %u listeners)", msg,
	       route_table_route_count(live->routes), live->conf.n_listeners);
	rc = answer(c, MR_CTL_RESULT, live->generation, msg);
	return rc;
}

/* RFC 6062: open a data connection to a TURN server on a worker, bind it, relay it. The
 * request waits for the worker to take it, not for the bind: its outcome is counted. */
static int handle_bind(const struct mgmt_cmd *c)
{
	static unsigned int next_worker;
	struct turn_bind_req *req = calloc(1, sizeof(*req));
	char err[128], msg[160];
	struct dp_worker *w;

	if (!req)
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), "refused: out of memory");
	if (mr_ctl_bind_decode(c->payload, &req->bind, err, sizeof(err)) < 0) {
		free(req);
		snprintf(msg, sizeof(msg), "refused: %s", err);
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), msg);
	}
	w = c->app->workers[next_worker++ % c->app->n_workers];
	if (dp_mailbox_call(w, turn_bind_start, req, 1000) < 0) {
		free(req); /* withdrawn: the bind never starts */
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app),
			      "refused: the worker did not answer");
	}
	snprintf(msg, sizeof(msg), "%s", req->result == 0 ? "started" :
		 "refused: no flow, source port or bind slot for it");
	free(req);
	return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), msg);
}

/* "NAME pause" or "NAME resume": a data port's workers stop or go back to polling and
 * sending on it (dp_port_pause.h). The answer comes once every worker has applied it. */
static int handle_port(const struct mgmt_cmd *c)
{
	const struct dp_appliance *app = c->app;
	char name[MR_NAME_MAX], action[8], msg[160];
	bool paused;
	int port;

	if (sscanf(c->payload, "%31s %7s", name, action) != 2 ||
	    (strcmp(action, "pause") != 0 && strcmp(action, "resume") != 0))
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app),
			     "refused: give a port name and pause or resume");
	paused = strcmp(action, "pause") == 0;
	port = port_named(app, name);
	if (port < 0)
		return refuse_port(c, name);
	if (dp_port_pause(app, (uint16_t)port, paused, 1000) < 0)
		snprintf(msg, sizeof(msg), "refused: a worker did not answer; port %s is paused on "
			 "%u of %u workers", name, dp_port_paused_workers(app, (uint16_t)port),
			 app->n_workers);
	else
		snprintf(msg, sizeof(msg), "port %s %s", name, paused ? "paused" : "resumed");
	mr_log(MR_LOG_NOTICE, "control socket: %s", msg);
	return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), msg);
}

int mgmt_command_run(struct dp_appliance *app, const struct mr_ctl_hdr *h, const char *payload,
		     const struct mgmt_reply *r)
{
	const struct mgmt_cmd cmd = { app, h, payload, r }, *c = &cmd;

	switch (c->h->type) {
	case MR_CTL_PING:
		return handle_query(c, "status", MR_CTL_PONG);
	case MR_CTL_QUERY:
		return handle_query(c, c->payload, MR_CTL_REPLY);
	case MR_CTL_PUSH:
		return handle_push(c);
	case MR_CTL_BIND:
		return handle_bind(c);
	case MR_CTL_PORT:
		return handle_port(c);
	case MR_CTL_CLAIM:
		return handle_claim(c);
	default:
		return answer(c, MR_CTL_RESULT, mgmt_generation(c->app), "refused: unknown request");
	}
}
