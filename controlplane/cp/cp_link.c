/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "mr_log.h"

void cp_link_init(struct cp_link *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	snprintf(l->path, sizeof(l->path), "%s", path);
	cp_backoff_reset(&l->backoff);
}

void cp_link_close(struct cp_link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->dp_generation = 0; /* none is known in force while none is connected */
}

void cp_link_set_path(struct cp_link *l, const char *path)
{
	if (strcmp(l->path, path) == 0)
		return;
	snprintf(l->path, sizeof(l->path), "%s", path);
	/* A data plane reads its socket's path as it starts: the one connected listens where
	 * it did until it restarts. Its link stays (with its claim); the next connection
	 * goes to the new path. */
	if (l->fd >= 0) {
		mr_log(MR_LOG_NOTICE, "control socket is now %s from the data plane's next start; "
		       "the link open stays", path);
		return;
	}
	mr_log(MR_LOG_NOTICE, "control socket is now %s", path);
	cp_backoff_reset(&l->backoff);
	l->next_connect_ms = 0;
}

void cp_link_lost(struct cp_link *l, int64_t now_ms, const char *why)
{
	uint32_t delay = cp_backoff_next(&l->backoff);

	mr_log(MR_LOG_WARN, "lost the data plane at %s: %s; reconnecting in %u ms", l->path, why,
	       delay);
	cp_link_close(l);
	l->next_connect_ms = now_ms + delay;
}

/* One request and its answer. 0 with the reply (caller frees *payload), or -1 after the
 * connection was dropped: a late answer would be taken for the next request's. */
static int request(struct cp_link *l, uint16_t type, uint32_t generation, const char *body,
		   uint32_t len, int timeout_ms, struct mr_ctl_hdr *h, char **payload)
{
	char why[96];

	if (mr_ctl_exchange(l->fd, type, generation, body, len, timeout_ms, h, payload) == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", errno == ECONNRESET ? "connection closed" :
		 errno == EPROTO ? "bad frame" : strerror(errno));
	cp_link_lost(l, mr_clock_ms(), why);
	return -1;
}

int cp_link_push(struct cp_link *l, const struct cp_conf *conf, int64_t now_ms)
{
	struct mr_ctl_hdr h;
	char *reply;
	int64_t t0 = now_ms;

	/* Not ours to push to while another control plane holds it: its refusal would mark
	 * this generation refused, and it would never go once the claim is ours. */
	if (l->fd < 0 || !conf->text || !l->claimed)
		return -1;
	if (request(l, MR_CTL_PUSH, conf->generation, conf->text, conf->len, CP_PUSH_TIMEOUT_MS,
		    &h, &reply) < 0)
		return -1;
	l->dp_generation = h.generation;
	if (h.type != MR_CTL_RESULT || strncmp(reply, "applied", 7) != 0) {
		mr_log(MR_LOG_ERR, "the data plane refused generation %u of %s: %s",
		       conf->generation, conf->conf.source, reply);
		l->refused = conf->generation;
		free(reply);
		return 1;
	}
	mr_log(MR_LOG_NOTICE, "pushed generation %u of %s: %s (round trip %lld ms)",
	       conf->generation, conf->conf.source, reply, (long long)mr_clock_ms() - t0);
	l->pushed = conf->generation;
	l->pushed_as = h.generation;
	l->refused = 0;
	free(reply);
	return 0;
}

int cp_link_bind(struct cp_link *l, const char *text)
{
	struct mr_ctl_hdr h;
	char *reply;
	int rc;

	if (l->fd < 0)
		return -1;
	if (request(l, MR_CTL_BIND, 0, text, (uint32_t)strlen(text), CP_PING_TIMEOUT_MS,
		     &h, &reply) < 0)
		return -1;
	rc = h.type == MR_CTL_RESULT && strcmp(reply, "started") == 0 ? 0 : 1;
	if (rc)
		mr_log(MR_LOG_WARN, "the data plane refused a TURN data connection: %s", reply);
	free(reply);
	return rc;
}

int cp_link_query(struct cp_link *l, const char *name, char **reply)
{
	struct mr_ctl_hdr h;

	if (l->fd < 0)
		return -1;
	if (request(l, MR_CTL_QUERY, 0, name, (uint32_t)strlen(name), CP_PING_TIMEOUT_MS, &h,
		    reply) < 0)
		return -1;
	if (h.type == MR_CTL_REPLY)
		return 0;
	mr_log(MR_LOG_WARN, "the data plane refused the query %s: %s", name, *reply);
	free(*reply);
	*reply = NULL;
	return 1;
}

/* PING; the data plane's generation from the PONG's status object. 0 or -1 (dropped). */
static int ping(struct cp_link *l)
{
	struct mr_ctl_hdr h;
	char *reply;
	uint32_t gen;

	if (request(l, MR_CTL_PING, 0, NULL, 0, CP_PING_TIMEOUT_MS, &h, &reply) < 0)
		return -1;
	if (h.type != MR_CTL_PONG) {
		mr_log(MR_LOG_ERR, "the data plane answered a ping with: %s", reply);
		free(reply);
		cp_link_lost(l, mr_clock_ms(), "ping refused");
		return -1;
	}
	gen = mr_ctl_pong_generation(&h, reply);
	l->dp_client_header = mr_ctl_pong_says(reply, "client_header");
	free(reply);
	if (gen != l->dp_generation)
		mr_log(MR_LOG_INFO, "the data plane has generation %u in force", gen);
	l->dp_generation = gen;
	return 0;
}

/* Claim the data plane's configuration (MR_CTL_CLAIM): while we stay connected it takes no
 * one else's push, which we would otherwise undo at our next ping, after its sender was
 * told "applied". A data plane that does not know the request takes pushes from anyone. */
static void claim(struct cp_link *l)
{
	static const char held[] = "refused: another control plane";
	struct mr_ctl_hdr h;
	char *reply;

	if (request(l, MR_CTL_CLAIM, 0, NULL, 0, CP_PING_TIMEOUT_MS, &h, &reply) < 0)
		return;
	l->claimed = h.type == MR_CTL_RESULT && (strcmp(reply, "claimed") == 0 ||
						 strcmp(reply, "refused: unknown request") == 0);
	if (!l->claimed && strncmp(reply, held, sizeof(held) - 1) == 0) {
		/* Asked again at each ping, until the other one is gone. */
		mr_log(MR_LOG_ERR, "the data plane at %s did not leave its configuration to us: %s",
		       l->path, reply);
	} else if (!l->claimed) { /* we are refused as a client: as a refused ping */
		mr_log(MR_LOG_ERR, "the data plane answered a claim with: %s", reply);
		cp_link_lost(l, mr_clock_ms(), "claim refused");
	}
	free(reply);
}

static void try_connect(struct cp_link *l, int64_t now_ms)
{
	l->fd = mr_ctl_connect(l->path, CP_PING_TIMEOUT_MS);
	if (l->fd < 0) {
		uint32_t delay = cp_backoff_next(&l->backoff);

		/* Loud once, then quiet: a data plane that is down for an hour is one line. */
		mr_log(l->failures++ ? MR_LOG_DEBUG : MR_LOG_WARN,
		       "cannot reach the data plane at %s: %s; retrying in %u ms", l->path,
		       strerror(errno), delay);
		l->next_connect_ms = now_ms + delay;
		return;
	}
	mr_log(MR_LOG_NOTICE, "connected to the data plane at %s", l->path);
	l->claimed = false; /* claimed by the first ping's tick, before any push */
	l->failures = 0;
	l->refused = 0; /* a restarted data plane may take what the last one refused */
	l->pushed = l->pushed_as = 0;
	l->next_ping_ms = now_ms;
}

void cp_link_hold_first_push(struct cp_link *l, int64_t until_ms)
{
	/* Let go: what it held goes with the next tick, not a ping interval later (a reload
	 * meanwhile would find nothing of ours applied to go back to). */
	if (until_ms == 0 && l->hold_until_ms != 0)
		l->next_ping_ms = 0;
	l->hold_until_ms = until_ms;
}

int cp_link_tick(struct cp_link *l, const struct cp_conf *conf, int64_t now_ms)
{
	int64_t due;

	if (l->fd < 0 && now_ms >= l->next_connect_ms)
		try_connect(l, now_ms);
	if (l->fd >= 0 && now_ms >= l->next_ping_ms) {
		l->next_ping_ms = now_ms + CP_PING_INTERVAL_MS;
		if (!l->claimed)
			claim(l);
		/* Ours is in force when the data plane still runs the number it gave our push. */
		if (l->fd >= 0 && ping(l) == 0 && conf->generation != l->refused &&
		    !(l->pushed == conf->generation && l->pushed_as == l->dp_generation) &&
		    !(now_ms < l->hold_until_ms && l->dp_generation != 0))
			cp_link_push(l, conf, mr_clock_ms());
		/* Only a ping answered, and the push it called for answered too, prove the link
		 * good: a data plane that hangs up on every push must not be reconnected to
		 * and pushed the whole configuration every first back-off step. */
		if (l->fd >= 0)
			cp_backoff_reset(&l->backoff);
	}
	due = l->fd >= 0 ? l->next_ping_ms : l->next_connect_ms;
	now_ms = mr_clock_ms();
	return due <= now_ms ? 0 : (int)(due - now_ms);
}
