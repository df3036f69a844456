/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_discovery.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "cp_discovery_internal.h"
#include "mr_clock.h"
#include "mr_log.h"


int cp_discovery_init(struct cp_discovery *d, const struct mr_discovery_conf *conf,
		      const char *id, const char *network, void (*changed)(void *arg),
		      void *arg)
{
	memset(d, 0, sizeof(*d));
	d->conf = *conf;
	snprintf(d->own.id, sizeof(d->own.id), "%s", id);
	snprintf(d->own.network, sizeof(d->own.network), "%s", network);
	d->changed = changed;
	d->arg = arg;
	etcd_conn_init(&d->req);
	etcd_conn_init(&d->watch);
	cp_backoff_reset(&d->backoff);
	d->page_limit = DISC_PAGE_MAX;
	d->gateways = calloc(DISC_MAX_GATEWAYS, sizeof(*d->gateways));
	d->paged = calloc(DISC_MAX_GATEWAYS, sizeof(*d->paged));
	if (!d->gateways || !d->paged)
		return -1;
	cp_discovery_set_relays(d, NULL, 0);
	return d->value ? 0 : -1;
}

static const char *endpoint(const struct cp_discovery *d)
{
	return d->conf.endpoints[d->endpoint % d->conf.n_endpoints];
}

static void own_key(const struct cp_discovery *d, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/networks/%s/gateways/%s", d->conf.prefix, d->own.network,
		 d->own.id);
}

/* The registration as JSON, from d->own; put again when it changed. */
static void compose_value(struct cp_discovery *d)
{
	char *v = malloc(DISC_VALUE_MAX);

	if (!v)
		return;
	if (disc_write_gateway(v, DISC_VALUE_MAX, &d->own) < 0) {
		/* Cannot happen within DISC_MAX_RELAYS and DISC_SERVICES_BYTES; refused rather
		 * than published cut short, which every other gateway would ignore. */
		mr_log(MR_LOG_ERR, "discovery: registration over %u bytes not published",
		       DISC_VALUE_MAX);
		free(v);
		return;
	}
	if (d->value && strcmp(d->value, v) == 0) {
		free(v);
		return;
	}
	free(d->value);
	d->value = v;
	d->value_seq++;
	d->put_needed = true;
}

bool cp_discovery_set_client_header(struct cp_discovery *d, bool reads)
{
	if (d->own.client_header == reads)
		return false;
	d->own.client_header = reads;
	compose_value(d);
	return true;
}

void cp_discovery_set_relays(struct cp_discovery *d, const struct disc_relay *relays,
			     unsigned int n)
{
	d->own.n_relays = n < DISC_MAX_RELAYS ? n : DISC_MAX_RELAYS;
	if (d->own.n_relays)
		memcpy(d->own.relays, relays, d->own.n_relays * sizeof(*relays));
	compose_value(d);
}

void cp_discovery_set_services(struct cp_discovery *d, const struct mr_config *conf)
{
	size_t at = 0;

	d->own.n_services = 0;
	for (unsigned int i = 0; i < conf->n_routes; i++) {
		const struct mr_route_conf *r = &conf->routes[i];
		char key[DISC_SERVICE_MAX];
		size_t len;

		if (!r->exported || !r->sni)
			continue;
		/* A TLS service by its name, a plain TCP one by its name and port. */
		len = r->plain ? (size_t)snprintf(key, sizeof(key), "%s:%u", r->sni, r->tcp_port)
			       : (size_t)snprintf(key, sizeof(key), "%s", r->sni);
		if (at + len + 1 > sizeof(d->own.services)) {
			mr_log(MR_LOG_WARN, "discovery: exports past %s left out (%u bytes at most)",
			       r->sni, DISC_SERVICES_BYTES);
			break;
		}
		memcpy(d->own.services + at, key, len + 1);
		at += len + 1;
		d->own.n_services++;
	}
	compose_value(d);
}

/* The store is unreachable or misbehaved: keep what is known, try the next endpoint. */
static void go_down(struct cp_discovery *d, int64_t now_ms, const char *why)
{
	uint32_t delay = cp_backoff_spread(cp_backoff_next(&d->backoff));

	mr_log(d->failures++ ? MR_LOG_DEBUG : MR_LOG_WARN, "discovery: %s; keeping %u known "
	       "gateway(s), retrying in %u ms", why, d->n_gateways, delay);
	/* A range answer over what a connection takes (a few huge values among the keys):
	 * the range starts over in smaller pages. Any other failure (an outage) leaves the
	 * pages as they are. */
	if (d->step == DISC_RANGE && strstr(why, "too large") && d->page_limit > 1)
		d->page_limit = d->page_limit / 4 ? d->page_limit / 4 : 1;
	d->page_revision = 0;
	d->page_more = false;
	etcd_conn_close(&d->req);
	etcd_conn_close(&d->watch);
	d->step = DISC_NONE;
	d->synced = false;
	d->answering = false;
	d->endpoint++;
	d->down = true;
	d->retry_ms = now_ms + delay;
}

static int b64_field(char *out, size_t cap, const char *text)
{
	return b64_encode(text, strlen(text), out, cap);
}

/* {"key":K,"range_end":E} over the gateways tree, as range and watch take it; with `page`
 * the range's next page: from the key after the last one read, at most page_limit keys,
 * at the revision of the first page. */
static void tree_range(const struct cp_discovery *d, char *out, size_t cap, bool page)
{
	char key[DISC_KEY_MAX], end[DISC_KEY_MAX], k64[DISC_PAGE_KEY_MAX * 2], e64[DISC_KEY_MAX * 2];
	size_t len;
	int at;

	snprintf(key, sizeof(key), "%s/networks/", d->conf.prefix);
	snprintf(end, sizeof(end), "%s", key);
	len = strlen(end);
	end[len - 1]++; /* '/' + 1: every key with the prefix sorts below it */
	if (page && d->page_revision)
		b64_encode(d->page_from, d->page_from_len, k64, sizeof(k64));
	else
		b64_field(k64, sizeof(k64), key);
	b64_field(e64, sizeof(e64), end);
	at = snprintf(out, cap, "\"key\":\"%s\",\"range_end\":\"%s\"", k64, e64);
	if (page && at > 0 && (size_t)at < cap)
		snprintf(out + at, cap - (size_t)at, ",\"limit\":\"%u\",\"revision\":\"%lld\"",
			 d->page_limit, (long long)d->page_revision);
}

static int send_step(struct cp_discovery *d, enum disc_step step, int64_t now_ms)
{
	static const char *const paths[] = { "", "/v3/lease/grant", "/v3/kv/put", "/v3/kv/range",
					     "/v3/lease/keepalive" };
	char *body = malloc(DISC_VALUE_MAX * 2 + 2048);
	char key[DISC_KEY_MAX], k64[DISC_KEY_MAX * 2];
	size_t cap = DISC_VALUE_MAX * 2 + 2048;
	int rc = -1;

	if (!body)
		return -1;
	if (step == DISC_GRANT) {
		snprintf(body, cap, "{\"TTL\":%u}", d->conf.lease_ttl_s);
	} else if (step == DISC_PUT) {
		int at;

		own_key(d, key, sizeof(key));
		b64_field(k64, sizeof(k64), key);
		d->put_seq = d->value_seq;
		at = snprintf(body, cap, "{\"key\":\"%s\",\"lease\":\"%lld\",\"value\":\"", k64,
			      (long long)d->lease);
		if (b64_field(body + at, cap - (size_t)at - 3, d->value) < 0)
			goto out;
		strcat(body, "\"}");
	} else if (step == DISC_RANGE) {
		body[0] = '{';
		tree_range(d, body + 1, cap - 2, true);
		strcat(body, "}");
	} else {
		snprintf(body, cap, "{\"ID\":\"%lld\"}", (long long)d->lease);
	}
	d->step = step;
	rc = etcd_conn_request(&d->req, endpoint(d), paths[step], body, false, now_ms,
			       d->conf.timeout_ms);
out:
	free(body);
	return rc;
}

static int start_watch(struct cp_discovery *d, int64_t now_ms)
{
	char body[DISC_KEY_MAX * 5];
	size_t at;

	at = (size_t)snprintf(body, sizeof(body), "{\"create_request\":{");
	tree_range(d, body + at, sizeof(body) - at, false);
	at = strlen(body);
	snprintf(body + at, sizeof(body) - at, ",\"start_revision\":\"%lld\"}}",
		 (long long)d->revision + 1);
	return etcd_conn_request(&d->watch, endpoint(d), "/v3/watch", body, true, now_ms,
				 d->conf.timeout_ms);
}

static void on_answer(void *arg, struct json_value *doc)
{
	struct cp_discovery *d = arg;
	int64_t v = 0;

	d->answering = true; /* until a failure, an unusable answer's too (go_down) */
	switch (d->step) {
	case DISC_GRANT:
		if (!json_int64(json_get(doc, "ID"), &d->lease) || d->lease == 0) {
			/* Not etcd's answer (a proxy's "{}", an error in a 200): asked again
			 * after the back-off, not at once in a loop. */
			d->lease = 0;
			d->answer_unusable = "lease grant: the answer holds no lease ID";
			break;
		}
		d->ttl_s = json_int64(json_get(doc, "TTL"), &v) && v > 0 ? (uint32_t)v
									: d->conf.lease_ttl_s;
		d->lease_confirmed_ms = d->handled_ms;
		d->put_needed = true;
		mr_log(MR_LOG_INFO, "discovery: lease %llx, %u s", (unsigned long long)d->lease,
		       d->ttl_s);
		break;
	case DISC_PUT:
		if (!json_int64(json_path(doc, "header.revision"), &v) || v <= 0) {
			d->answer_unusable = "put: the answer holds no revision"; /* not stored */
			break;
		}
		if (!d->registered)
			mr_log(MR_LOG_NOTICE, "discovery: registered %s/networks/%s/gateways/%s at %s",
			       d->conf.prefix, d->own.network, d->own.id, endpoint(d));
		d->registered = true;
		d->put_needed = d->put_seq != d->value_seq; /* changed while the put was out */
		break;
	case DISC_RANGE:
		cp_discovery_range_page(d, doc);
		break;
	case DISC_KEEPALIVE:
		if (!json_int64(json_path(doc, "result.TTL"), &v) || v <= 0) {
			mr_log(MR_LOG_WARN, "discovery: lease %llx expired; registering again",
			       (unsigned long long)d->lease);
			d->lease = 0;
			d->registered = false;
		}
		d->lease_confirmed_ms = d->handled_ms;
		break;
	default:
		break;
	}
	d->step = DISC_NONE;
}

static void on_watch(void *arg, struct json_value *doc)
{
	struct cp_discovery *d = arg;
	const struct json_value *events = json_path(doc, "result.events");
	int64_t compact = 0;
	bool canceled = false;

	d->answering = true;
	json_bool(json_path(doc, "result.canceled"), &canceled);
	json_int64(json_path(doc, "result.compact_revision"), &compact);
	if (canceled || compact > 0) {
		/* History we needed is gone: read the whole tree again (the watch connection
		 * is closed once its input is no longer being parsed). */
		d->watch_reset = true;
		d->synced = false;
		return;
	}
	for (size_t i = 0; i < json_len(events); i++) {
		const struct json_value *ev = json_at(events, i);
		const char *type = json_str(json_get(ev, "type"));

		cp_discovery_apply_kv(d, &(struct gw_set){ d->gateways, &d->n_gateways },
				      json_get(ev, "kv"), type && strcmp(type, "DELETE") == 0);
	}
	json_int64(json_path(doc, "result.header.revision"), &d->revision);
	/* The store answers again once it has read the tree and confirmed the watch that
	 * follows (etcd's first answer on it): a keepalive or range that succeeds while the
	 * watch fails each time (a proxy refusing it) would else start the back-off over at
	 * every round, asking for the whole tree every 100 ms. */
	if (d->failures && json_path(doc, "result.header")) {
		mr_log(MR_LOG_NOTICE, "discovery: %s answers again", endpoint(d));
		d->failures = 0;
		cp_backoff_reset(&d->backoff);
	}
	if (json_len(events) && d->changed)
		d->changed(d->arg);
}

/* The next request on the request connection, if one is due. */
static void next_step(struct cp_discovery *d, int64_t now_ms)
{
	enum disc_step step = DISC_NONE;

	if (d->down || d->req.busy)
		return;
	if (d->lease == 0)
		step = DISC_GRANT;
	else if (now_ms >= d->keepalive_ms)
		/* Before a put: after an outage longer than the lease, a put under it is refused
		 * (lease not found) at every retry, while the keepalive's answer says it is gone
		 * and a new one is granted. */
		step = DISC_KEEPALIVE;
	else if ((d->put_needed && now_ms >= d->put_after_ms) || !d->registered)
		step = DISC_PUT;
	else if (!d->synced)
		step = DISC_RANGE;
	if (step == DISC_NONE)
		return;
	if (step == DISC_KEEPALIVE || step == DISC_GRANT)
		d->keepalive_ms = now_ms + (int64_t)(d->ttl_s ? d->ttl_s : d->conf.lease_ttl_s) * 1000 / 3;
	if (send_step(d, step, now_ms) < 0)
		go_down(d, now_ms, d->req.error);
}

int cp_discovery_tick(struct cp_discovery *d, int64_t now_ms)
{
	int64_t due;

	if (d->down && now_ms >= d->retry_ms)
		d->down = false;
	/* A lease nothing kept alive for its TTL is gone from the store, and our registration
	 * with it: said so (the others forgot this gateway), and granted anew when the store
	 * answers again. */
	if (d->lease && now_ms - d->lease_confirmed_ms >= (int64_t)d->ttl_s * 1000) {
		mr_log(MR_LOG_WARN, "discovery: lease %llx not kept alive for its %u s: gone",
		       (unsigned long long)d->lease, d->ttl_s);
		d->lease = 0;
		d->registered = false;
	}
	if (!d->down && (etcd_conn_check_deadline(&d->req, now_ms) < 0 ||
			 etcd_conn_check_deadline(&d->watch, now_ms) < 0))
		go_down(d, now_ms, d->req.error[0] ? d->req.error : d->watch.error);
	next_step(d, now_ms);
	due = d->down ? d->retry_ms : d->keepalive_ms;
	if (!d->down && d->put_needed && d->put_after_ms > now_ms && d->put_after_ms < due)
		due = d->put_after_ms; /* a put held back (cp_discovery_kv.c's own_key_seen) */
	/* Deadlines are looked at four times a second; a keepalive due while another request
	 * is out waits for its answer, not in a loop of zero timeouts. */
	if (!d->down && (d->req.busy || d->watch.busy) && (due <= now_ms || due > now_ms + 250))
		due = now_ms + 250;
	return due <= now_ms ? 0 : (int)(due - now_ms);
}

int cp_discovery_fd(const struct cp_discovery *d, int which)
{
	return which ? d->watch.conn.fd : d->req.conn.fd;
}

short cp_discovery_events(const struct cp_discovery *d, int which)
{
	return etcd_conn_events(which ? &d->watch : &d->req);
}

void cp_discovery_handle(struct cp_discovery *d, int which, short revents, int64_t now_ms)
{
	struct etcd_conn *e = which ? &d->watch : &d->req;
	enum disc_step was = d->step;

	d->handled_ms = now_ms;
	if (etcd_conn_handle(e, revents, now_ms, which ? on_watch : on_answer, d) < 0) {
		if (!which && was == DISC_PUT && strstr(e->error, "lease not found")) {
			/* Our lease went while the store stayed up (revoked, or expired while
			 * we stalled): a new one at once, not a back-off and the same refusal
			 * until the next keepalive. */
			mr_log(MR_LOG_WARN, "discovery: lease %llx not found; registering again",
			       (unsigned long long)d->lease);
			d->lease = 0;
			d->registered = false;
			d->step = DISC_NONE;
			next_step(d, now_ms);
			return;
		}
		go_down(d, now_ms, e->error);
		return;
	}
	if (d->watch_reset) {
		etcd_conn_close(&d->watch);
		d->watch_reset = false;
	}
	if (d->answer_unusable) {
		const char *why = d->answer_unusable;

		d->answer_unusable = NULL;
		go_down(d, now_ms, why);
		return;
	}
	if (d->range_unreadable) {
		d->range_unreadable = false;
		go_down(d, now_ms, "range: more keys than can be asked for (a foreign key over "
			"16 KiB under the prefix); starting over");
		return;
	}
	if (!which && was == DISC_RANGE && d->step == DISC_NONE && !d->page_more) {
		if (start_watch(d, now_ms) < 0) {
			go_down(d, now_ms, d->watch.error);
			return;
		}
		d->synced = true;
	}
	next_step(d, now_ms);
}

/* Revoke the lease so the others forget us now, not a TTL later. Bounded wait. */
static void revoke(struct cp_discovery *d)
{
	char body[64];
	uint64_t deadline;

	if (!d->lease || d->down)
		return;
	etcd_conn_close(&d->req);
	snprintf(body, sizeof(body), "{\"ID\":\"%lld\"}", (long long)d->lease);
	d->step = DISC_NONE;
	deadline = mr_clock_ms() + d->conf.timeout_ms;
	if (etcd_conn_request(&d->req, endpoint(d), "/v3/lease/revoke", body, false, mr_clock_ms(),
			      d->conf.timeout_ms) < 0)
		return;
	while (d->req.busy && mr_clock_ms() < deadline) {
		struct pollfd p = { .fd = d->req.conn.fd, .events = etcd_conn_events(&d->req) };

		if (poll(&p, 1, 100) < 0 ||
		    etcd_conn_handle(&d->req, p.revents, mr_clock_ms(), on_answer, d) < 0)
			return;
	}
	if (!d->req.busy)
		mr_log(MR_LOG_NOTICE, "discovery: registration withdrawn");
}

void cp_discovery_stop(struct cp_discovery *d)
{
	revoke(d);
	etcd_conn_free(&d->req);
	etcd_conn_free(&d->watch);
	free(d->gateways);
	free(d->paged);
	free(d->value);
	d->gateways = NULL;
	d->paged = NULL;
	d->value = NULL;
}
