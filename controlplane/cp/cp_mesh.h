/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mesh side of meshrelay-cp: one TURN client per configured server (with credentials
 * from the secrets file) and the discovery registration/watch. Relayed addresses flow
 * from the TURN clients into the registration; other gateways flow from discovery to the
 * owner, which turns them into pushed routes.
 */
#ifndef CP_MESH_H
#define CP_MESH_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cp_discovery.h"
#include "cp_secrets.h"
#include "mr_config.h"
#include "turn_client.h"

#define CP_MESH_MAX_FDS (256 + 2)

struct cp_mesh {
	struct turn_client *turn;
	unsigned int n_turn;
	struct cp_discovery disc;
	bool has_disc;
	void (*learned)(void *arg);   /* discovery saw the other gateways change */
	/* A ConnectionAttempt to bind: the BIND request text for the data plane; 0 when it
	 * was handed over, else it is counted lost. */
	int (*bind)(void *arg, const char *request);
	void *arg;
	bool status_dirty;            /* something a status reader would see changed */
	int64_t lost_log_ms;          /* a lost connection attempt is logged again from then */
	/* Which poll slots belong to whom, from the last cp_mesh_pollfds. */
	int slot_owner[CP_MESH_MAX_FDS]; /* turn index, or -1 (discovery requests), -2 (watch) */
};

/* Start TURN clients and discovery for conf; learned and bind go to the owner (arg).
 * 0, or -1 with err (credentials missing or
 * unreadable, TLS set-up): nothing is left running then. */
int cp_mesh_start(struct cp_mesh *m, const struct mr_config *conf, void (*learned)(void *),
		  int (*bind)(void *, const char *), void *arg, char *err, size_t errlen);

/* Whether a and b configure the same TURN servers and discovery (a reload that changes
 * neither keeps allocations and registration as they are). */
bool cp_mesh_same(const struct mr_config *a, const struct mr_config *b);

/* Whether conf's TURN clients could start: its credentials file readable and naming every
 * TURN server, and every TLS server's trust anchors readable. 0, or -1 with err (a reload
 * that needs them is refused rather than stop the clients that run). */
int cp_mesh_start_check(const struct mr_config *conf, char *err, size_t errlen);

/* Whether the credentials file of conf now holds another user or password for a TURN
 * client m runs: 1 changed, 0 the same, -1 unreadable or an entry gone (err says which). */
int cp_mesh_credentials_changed(const struct cp_mesh *m, const struct mr_config *conf,
				char *err, size_t errlen);

/* Do what is due; milliseconds until something is due again. */
int cp_mesh_tick(struct cp_mesh *m, int64_t now_ms);

/* Fill up to max poll slots; returns how many. */
unsigned int cp_mesh_pollfds(struct cp_mesh *m, struct pollfd *p, unsigned int max);

/* Dispatch the n slots filled by cp_mesh_pollfds after poll. */
void cp_mesh_handle(struct cp_mesh *m, const struct pollfd *p, unsigned int n, int64_t now_ms);

/* Release the allocations and withdraw the registration (bounded wait), free all. */
void cp_mesh_stop(struct cp_mesh *m);

/* The state of every TURN client and of discovery, as one JSON object. */
void cp_mesh_status(const struct cp_mesh *m, FILE *out);

#endif
