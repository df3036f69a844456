/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_mesh.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cp_conn.h"
#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "mr_log.h"

#define CP_MESH_STOP_MS 1500

static void turn_changed(void *arg, struct turn_client *t)
{
	struct cp_mesh *m = arg;
	struct disc_relay relays[DISC_MAX_RELAYS];
	unsigned int n = 0;

	(void)t;
	m->status_dirty = true;
	if (!m->has_disc)
		return;
	memset(relays, 0, sizeof(relays));
	for (unsigned int i = 0; i < m->n_turn && n < DISC_MAX_RELAYS; i++) {
		const struct turn_client *c = &m->turn[i];
		struct disc_relay *r = &relays[n];

		if (!c->published ||
		    !inet_ntop(c->relayed.family, c->relayed.ip, r->address, sizeof(r->address)))
			continue;
		snprintf(r->network, sizeof(r->network), "%s", c->network_name);
		snprintf(r->server, sizeof(r->server), "%s", c->conf.name);
		r->port = c->relayed.port;
		r->tcp = c->conf.relay_protocol == 6;
		n++;
	}
	cp_discovery_set_relays(&m->disc, relays, n);
}

/* The peer a ConnectionAttempt named, as the BIND request carries it. */
static void bind_peer(struct mr_ctl_bind *b, const struct stun_addr *peer)
{
	bool v6 = peer->family == AF_INET6;

	b->peer_family = v6 ? MR_CTL_PEER_V6 : MR_CTL_PEER_V4;
	memcpy(b->peer, peer->ip, v6 ? 16 : 4);
	b->peer_port = htons(peer->port);
}

/* RFC 6062: the data plane opens the data connection from the address our control
 * connection uses, and sends the ConnectionBind made here with our credentials. It is
 * told the peer too: the real client, for a PROXY header and the choice of backend. */
static void turn_attempt(void *arg, struct turn_client *t, uint32_t id,
			 const struct stun_addr *peer)
{
	struct cp_mesh *m = arg;
	struct mr_ctl_bind b = { .server_port = htons(t->server_port) };
	char source[64], req[MR_CTL_BIND_TEXT_MAX];
	uint16_t port;
	int len = turn_client_connection_bind(t, id, b.msg, sizeof(b.msg), b.tid);
	const char *why = NULL;

	if (!m->bind)
		return; /* nobody to bind it for */
	if (len < 0)
		why = "its ConnectionBind does not fit a BIND request (credentials too long)";
	else if (cp_conn_local(&t->conn, source, sizeof(source), &port) < 0)
		why = "the control connection's own address is unknown";
	else if (inet_pton(AF_INET, t->server, &b.server) != 1 ||
		 inet_pton(AF_INET, source, &b.source) != 1)
		why = "the data plane opens RFC 6062 data connections over IPv4 only";
	if (!why) {
		b.len = (uint16_t)len;
		bind_peer(&b, peer);
		if (mr_ctl_bind_encode(&b, req, sizeof(req)) <= 0)
			why = "its BIND request does not fit";
		else if (m->bind(m->arg, req) != 0)
			why = "the data plane did not take its BIND request";
		else
			return;
	}
	/* Counted, and logged at most once a second: a peer may retry fast. */
	t->stats.attempts_lost++;
	if ((int64_t)mr_clock_ms() >= m->lost_log_ms) {
		m->lost_log_ms = (int64_t)mr_clock_ms() + 1000;
		mr_log(MR_LOG_WARN, "TURN %s: a connection attempt is lost (%llu so far): %s",
		       t->conf.name, (unsigned long long)t->stats.attempts_lost, why);
	}
}

static void disc_changed(void *arg)
{
	struct cp_mesh *m = arg;

	m->status_dirty = true;
	if (m->learned)
		m->learned(m->arg);
}

/* The credentials of TURN server name in secrets (read from conf's file), or NULL with
 * err saying there are none. */
static const struct cp_secret *secret_of(const struct cp_secrets *secrets,
					 const struct mr_config *conf, const char *name,
					 char *err, size_t errlen)
{
	const struct cp_secret *cred = cp_secrets_find(secrets, name);

	if (!cred)
		snprintf(err, errlen, "%s: no credentials for TURN server '%s'",
			 conf->turn.credentials, name);
	return cred;
}

int cp_mesh_start_check(const struct mr_config *conf, char *err, size_t errlen)
{
	struct cp_secrets secrets = { 0 };
	int rc = 0;

	if (!conf->turn.n_servers)
		return 0;
	if (cp_secrets_load(conf->turn.credentials, &secrets, err, errlen) < 0)
		return -1;
	for (unsigned int i = 0; rc == 0 && i < conf->turn.n_servers; i++) {
		const struct mr_turn_server_conf *s = &conf->turn.servers[i];
		SSL_CTX *tls;

		if (!secret_of(&secrets, conf, s->name, err, errlen)) {
			rc = -1;
		} else if (s->transport == MR_TURN_TLS) {
			/* Its trust anchors read now: a file that cannot be read would stop
			 * this server's TURN client at its start, after the others stopped. */
			tls = cp_conn_tls_context(s->ca_file, err, errlen);
			rc = tls ? 0 : -1;
			SSL_CTX_free(tls);
		}
	}
	cp_secrets_free(&secrets);
	return rc;
}

static int start_turn(struct cp_mesh *m, const struct mr_config *conf, char *err, size_t errlen)
{
	struct cp_secrets secrets = { 0 };
	const struct turn_events ev = { .arg = m, .changed = turn_changed,
					.connection_attempt = turn_attempt };
	int rc = 0;

	if (!conf->turn.n_servers)
		return 0;
	if (cp_secrets_load(conf->turn.credentials, &secrets, err, errlen) < 0)
		return -1;
	m->turn = calloc(conf->turn.n_servers, sizeof(*m->turn));
	if (!m->turn) {
		snprintf(err, errlen, "out of memory for TURN clients");
		rc = -1;
	}
	for (unsigned int i = 0; rc == 0 && i < conf->turn.n_servers; i++) {
		const struct mr_turn_server_conf *s = &conf->turn.servers[i];
		const struct cp_secret *cred = secret_of(&secrets, conf, s->name, err, errlen);

		if (!cred) {
			rc = -1;
			break;
		}
		rc = turn_client_init(&m->turn[i], s, cred->user, cred->password, &conf->turn,
				      &ev, err, errlen);
		snprintf(m->turn[i].network_name, sizeof(m->turn[i].network_name), "%s",
			 conf->networks[s->network].name);
		m->n_turn = i + 1;
	}
	cp_secrets_free(&secrets);
	return rc;
}

int cp_mesh_start(struct cp_mesh *m, const struct mr_config *conf, void (*learned)(void *),
		  int (*bind)(void *, const char *), void *arg, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->learned = learned;
	m->bind = bind;
	m->arg = arg;
	if (conf->discovery.n_endpoints) {
		if (cp_discovery_init(&m->disc, &conf->discovery, conf->gateway.id,
				      conf->networks[conf->gateway.network].name, disc_changed,
				      m) < 0) {
			snprintf(err, errlen, "out of memory for discovery");
			cp_discovery_stop(&m->disc);
			return -1;
		}
		m->has_disc = true;
		cp_discovery_set_services(&m->disc, conf);
	}
	if (start_turn(m, conf, err, errlen) < 0) {
		cp_mesh_stop(m);
		return -1;
	}
	m->status_dirty = true;
	return 0;
}

/* The name of network index i of c ("" for none): what the registration's key, the relays'
 * networks and the peers' records say, where the settings hold only an index. */
static const char *network_name(const struct mr_config *c, int i)
{
	return i >= 0 && (unsigned int)i < c->n_networks ? c->networks[i].name : "";
}

/* Networks are compared by name, never by index: a network added to the list before
 * them moves every index after it and changes nothing TURN or discovery do (starting them
 * over would release every allocation, cutting its data connections, and revoke the
 * registration). A network renamed in place keeps its index and is a change. */
bool cp_mesh_same(const struct mr_config *a, const struct mr_config *b)
{
	if (strcmp(network_name(a, a->gateway.network), network_name(b, b->gateway.network)) != 0 ||
	    strcmp(a->gateway.id, b->gateway.id) != 0)
		return false;
	if (a->turn.n_servers != b->turn.n_servers || a->turn.lifetime_s != b->turn.lifetime_s ||
	    a->turn.refresh_s != b->turn.refresh_s ||
	    strcmp(a->turn.credentials, b->turn.credentials) != 0 ||
	    memcmp(&a->discovery, &b->discovery, sizeof(a->discovery)) != 0)
		return false;
	for (unsigned int i = 0; i < a->turn.n_servers; i++) {
		struct mr_turn_server_conf x = a->turn.servers[i], y = b->turn.servers[i];

		if (strcmp(network_name(a, x.network), network_name(b, y.network)) != 0)
			return false;
		x.at = y.at = (struct mr_where){ 0 }; /* moving a block in the file changes nothing */
		x.network = y.network = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0)
			return false;
	}
	return true;
}

int cp_mesh_credentials_changed(const struct cp_mesh *m, const struct mr_config *conf,
				char *err, size_t errlen)
{
	struct cp_secrets secrets = { 0 };
	int changed = 0;

	if (!m->n_turn)
		return 0;
	if (cp_secrets_load(conf->turn.credentials, &secrets, err, errlen) < 0)
		return -1;
	for (unsigned int i = 0; i < m->n_turn && changed >= 0; i++) {
		const struct turn_client *t = &m->turn[i];
		const struct cp_secret *cred = secret_of(&secrets, conf, t->conf.name, err, errlen);

		if (!cred)
			changed = -1;
		else if (strcmp(cred->user, t->user) != 0 ||
			 strcmp(cred->password, t->password) != 0)
			changed = 1;
	}
	cp_secrets_free(&secrets);
	return changed;
}

int cp_mesh_tick(struct cp_mesh *m, int64_t now_ms)
{
	int due = 60000;

	for (unsigned int i = 0; i < m->n_turn; i++) {
		int d = turn_client_tick(&m->turn[i], now_ms);

		due = d < due ? d : due;
	}
	if (m->has_disc) {
		int d = cp_discovery_tick(&m->disc, now_ms);

		due = d < due ? d : due;
	}
	return due;
}

static void add_slot(struct cp_mesh *m, struct pollfd *p, unsigned int *n, unsigned int max,
		     int fd, short events, int owner)
{
	if (fd < 0 || !events || *n >= max || *n >= CP_MESH_MAX_FDS)
		return;
	p[*n].fd = fd;
	p[*n].events = events;
	p[*n].revents = 0;
	m->slot_owner[(*n)++] = owner;
}

unsigned int cp_mesh_pollfds(struct cp_mesh *m, struct pollfd *p, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->n_turn; i++)
		add_slot(m, p, &n, max, m->turn[i].conn.fd, turn_client_events(&m->turn[i]), (int)i);
	if (m->has_disc) {
		add_slot(m, p, &n, max, cp_discovery_fd(&m->disc, 0),
			 cp_discovery_events(&m->disc, 0), -1);
		add_slot(m, p, &n, max, cp_discovery_fd(&m->disc, 1),
			 cp_discovery_events(&m->disc, 1), -2);
	}
	return n;
}

void cp_mesh_handle(struct cp_mesh *m, const struct pollfd *p, unsigned int n, int64_t now_ms)
{
	for (unsigned int i = 0; i < n; i++) {
		int owner = m->slot_owner[i];

		if (!p[i].revents)
			continue;
		/* A slot is stale when an earlier handler closed and reopened its connection. */
		if (owner >= 0 && m->turn[owner].conn.fd == p[i].fd)
			turn_client_handle(&m->turn[owner], p[i].revents, now_ms);
		else if (owner < 0 && cp_discovery_fd(&m->disc, owner == -2) == p[i].fd)
			cp_discovery_handle(&m->disc, owner == -2, p[i].revents, now_ms);
	}
}

/* Release every allocation: Refresh(0) to each, answers awaited for a bounded time. */
static void stop_turn(struct cp_mesh *m)
{
	uint64_t deadline = mr_clock_ms() + CP_MESH_STOP_MS;
	bool all;

	for (unsigned int i = 0; i < m->n_turn; i++)
		turn_client_stop(&m->turn[i], mr_clock_ms());
	do {
		struct pollfd p[CP_MESH_MAX_FDS];
		unsigned int n = 0;

		all = true;
		for (unsigned int i = 0; i < m->n_turn; i++) {
			all &= turn_client_stopped(&m->turn[i]);
			turn_client_tick(&m->turn[i], mr_clock_ms());
		}
		for (unsigned int i = 0; i < m->n_turn; i++)
			add_slot(m, p, &n, CP_MESH_MAX_FDS, m->turn[i].conn.fd,
				 turn_client_events(&m->turn[i]), (int)i);
		if (all || n == 0 || poll(p, n, 50) < 0)
			break;
		for (unsigned int i = 0; i < n; i++)
			if (p[i].revents)
				turn_client_handle(&m->turn[m->slot_owner[i]], p[i].revents,
						   mr_clock_ms());
	} while (mr_clock_ms() < deadline);
	for (unsigned int i = 0; i < m->n_turn; i++)
		turn_client_free(&m->turn[i]);
	free(m->turn);
	m->turn = NULL;
	m->n_turn = 0;
}

void cp_mesh_stop(struct cp_mesh *m)
{
	stop_turn(m);
	if (m->has_disc)
		cp_discovery_stop(&m->disc);
	m->has_disc = false;
}

static void status_turn(const struct turn_client *t, FILE *out, bool first)
{
	char relayed[64] = "";

	if (t->state == TURN_ALLOCATED)
		turn_addr_str(&t->relayed, relayed, sizeof(relayed));
	fprintf(out, "%s\n  {\"name\":\"%s\",\"network\":\"%s\",\"state\":\"%s\",\"relayed\":\"%s\","
		"\"published\":%s,"
		"\"allocations\":%llu,\"refreshes\":%llu,\"permissions\":%llu,"
		"\"connection_attempts\":%llu,\"attempts_refused\":%llu,"
		"\"failures\":%llu,\"auth_failures\":%llu,"
		"\"stale_nonces\":%llu,\"refusals\":%llu,\"attempts_lost\":%llu,\"redirects\":%llu,"
		"\"last_allocate_ms\":%lld,\"last_recovery_ms\":%lld}",
		first ? "" : ",", t->conf.name, t->network_name, turn_state_name(t->state), relayed,
		t->published ? "true" : "false",
		(unsigned long long)t->stats.allocations, (unsigned long long)t->stats.refreshes,
		(unsigned long long)t->stats.permissions,
		(unsigned long long)t->stats.connection_attempts,
		(unsigned long long)t->stats.attempts_refused,
		(unsigned long long)t->stats.failures, (unsigned long long)t->stats.auth_failures,
		(unsigned long long)t->stats.stale_nonces, (unsigned long long)t->stats.refusals,
		(unsigned long long)t->stats.attempts_lost, (unsigned long long)t->stats.redirects,
		(long long)t->stats.last_allocate_ms, (long long)t->stats.last_recovery_ms);
}

void cp_mesh_status(const struct cp_mesh *m, FILE *out)
{
	fprintf(out, "{\"turn\":[");
	for (unsigned int i = 0; i < m->n_turn; i++)
		status_turn(&m->turn[i], out, i == 0);
	fprintf(out, "],\n\"discovery\":");
	if (!m->has_disc) {
		fprintf(out, "null}\n");
		return;
	}
	fprintf(out, "{\"registered\":%s,\"synced\":%s,\"down\":%s,\"lease\":\"%lld\","
		"\"revision\":%lld,\"gateways\":%u}}\n", m->disc.registered ? "true" : "false",
		m->disc.synced ? "true" : "false", m->disc.down ? "true" : "false",
		(long long)m->disc.lease,
		(long long)m->disc.revision, m->disc.n_gateways);
}
