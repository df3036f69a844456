/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * meshrelay-cp's client of one TURN server (RFC 8656, RFC 6062 TCP allocations): keeps an
 * allocation alive over a TCP or TLS control connection. Long-term credentials (401 ->
 * realm/nonce -> MESSAGE-INTEGRITY, SHA-256 where the server offers it, 438 stale nonce),
 * Refresh at half the lifetime and as the nonce is due to go stale (turn_nonce.h),
 * CreatePermission for the configured peers, Connect, and ConnectionAttempt indications
 * passed up (only those the server can have sent: on the control connection of a TCP
 * allocation it holds, from a permitted peer; the others are counted and ignored). Any failure closes the connection and starts over after a
 * back-off: a restarted server gets a new allocation by itself.
 * One transaction at a time: over a stream nothing is retransmitted (RFC 8489 6.2.2).
 */
#ifndef TURN_CLIENT_H
#define TURN_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "cp_backoff.h"
#include "cp_conn.h"
#include "mr_config.h"
#include "stun_msg.h"
#include "turn_addr.h"
#include "turn_nonce.h"
#include "turn_permission.h"

#define TURN_TX_TIMEOUT_MS 39500        /* an unanswered request drops the connection
					 * (RFC 8489 6.2.2: Ti over a stream) */
#define TURN_SETUP_TIMEOUT_MS 10000     /* the TCP or TLS connection not set up: given up */
#define TURN_AUTH_BACKOFF_FIRST_MS 1000 /* wrong credentials: retry, but slowly */
#define TURN_AUTH_BACKOFF_MAX_MS 60000
#define TURN_MAX_CONNECTS 8

enum turn_state {
	TURN_WAITING,      /* not connected; next attempt at retry_ms */
	TURN_CONNECTING,   /* TCP/TLS connection being set up */
	TURN_ALLOCATING,   /* Allocate in flight */
	TURN_ALLOCATED,
	TURN_RELEASING,    /* Refresh(0) sent on shutdown */
	TURN_STOPPED,
};

struct turn_client;

/* What the client tells its owner; any may be NULL. */
struct turn_events {
	void *arg;
	/* An allocation was made or lost (t->state says which). */
	void (*changed)(void *arg, struct turn_client *t);
	/* RFC 6062: a peer connected to the relayed address; bind it with connection id. */
	void (*connection_attempt)(void *arg, struct turn_client *t, uint32_t id,
				   const struct stun_addr *peer);
	/* Answer to turn_client_connect: id valid when error_code is 0. */
	void (*connected)(void *arg, struct turn_client *t, const struct stun_addr *peer,
			  uint32_t id, int error_code);
};

struct turn_stats {
	uint64_t allocations, refreshes, permissions, connects, connection_attempts;
	uint64_t attempts_refused;  /* ConnectionAttempts not sent for our allocation */
	uint64_t auth_failures, failures, stale_nonces;
	uint64_t refusals;          /* Refreshes and CreatePermissions refused (asked again) */
	uint64_t attempts_lost;     /* ConnectionAttempts taken that no BIND could follow */
	uint64_t redirects;         /* 300 Try Alternate followed */
	int64_t last_allocate_ms;   /* connect to allocation, the last time */
	int64_t last_recovery_ms;   /* allocation lost to allocated again, the last time */
};

struct turn_tx {
	bool active;
	uint16_t method;
	uint8_t tid[STUN_TID_LEN];
	int64_t deadline_ms;
	uint32_t lifetime;           /* Refresh */
	struct stun_addr peer;       /* Connect */
	bool sent_with_auth;         /* a 401 to this means the credentials are wrong */
	unsigned int stale;          /* 438 answers so far */
};

struct turn_client {
	struct mr_turn_server_conf conf;
	char network_name[MR_NAME_MAX]; /* of conf.network, for what is published */
	char user[128];
	char password[128];
	uint32_t lifetime_s;         /* asked for */
	uint32_t refresh_s;          /* refresh at least this often; 0: half the lifetime */
	SSL_CTX *tls;                /* owned; NULL for plain TCP */
	char server[48];             /* where the connection goes: conf's address, or the
				      * ALTERNATE-SERVER a 300 to an Allocate named */
	uint16_t server_port;
	bool redirected;             /* server is such an alternate: a failure goes back to
				      * conf's, and a second 300 is not followed */
	struct cp_conn conn;
	enum turn_state state;
	struct turn_events ev;

	bool authed;                 /* realm and nonce known */
	char realm[STUN_MAX_TEXT + 1];
	char nonce[STUN_MAX_TEXT + 1];
	struct turn_nonce_life nonce_life; /* how long the server's nonces live (learned) */
	uint8_t key[32];
	size_t keylen;
	bool sha256;                 /* MESSAGE-INTEGRITY-SHA256 (server offered it) */
	uint8_t pw_algs[64];         /* PASSWORD-ALGORITHMS to echo */
	size_t pw_algs_len;

	struct turn_tx tx;
	struct stun_addr relayed;    /* valid in TURN_ALLOCATED */
	struct turn_perm perm;       /* the allocation's permissions (turn_permission.h) */
	bool published;              /* its relay is one to publish: allocated and, when it
				      * has peers, with a permission in force (ev.changed
				      * says when this changes) */
	int64_t expires_ms;          /* the granted lifetime ends: a refused Refresh is
				      * asked again until then */
	struct stun_addr mapped;
	uint32_t lifetime;           /* granted */
	int64_t refresh_due_ms;
	struct stun_addr connect_queue[TURN_MAX_CONNECTS];
	unsigned int n_connect;

	struct cp_backoff backoff;
	int64_t retry_ms;
	int64_t attempt_ms;          /* when the current connection attempt began */
	int64_t lost_ms;             /* when the last allocation was lost; 0 if none */
	bool stopping;
	struct turn_stats stats;
	char last_error[200];
};

/* Set t up for server conf (lifetime and refresh from tc) with the given credentials;
 * nothing is sent before the first tick. 0, or -1 with err set (no TLS context). */
int turn_client_init(struct turn_client *t, const struct mr_turn_server_conf *conf,
		     const char *user, const char *password, const struct mr_turn_conf *tc,
		     const struct turn_events *ev, char *err, size_t errlen);

/* Do what is due at now_ms. Returns the milliseconds until something is due again. */
int turn_client_tick(struct turn_client *t, int64_t now_ms);

/* The poll events wanted on t->conn.fd (0 when there is no connection). */
short turn_client_events(const struct turn_client *t);

/* poll reported revents on t->conn.fd. */
void turn_client_handle(struct turn_client *t, short revents, int64_t now_ms);

/* RFC 6062 Connect to peer through the allocation; the answer comes through
 * ev.connected. 0 queued, -1 when not allocated or the queue is full. */
int turn_client_connect(struct turn_client *t, const struct stun_addr *peer);

/* The ConnectionBind request for connection id, with t's credentials (none when the
 * server never asked for them), in buf. Its length, or -1 when cap is too small. Sent on
 * a new data connection. */
int turn_client_connection_bind(const struct turn_client *t, uint32_t id, uint8_t *buf,
				size_t cap, uint8_t tid[STUN_TID_LEN]);

/* Whether msg is the success answer (with valid integrity) to the ConnectionBind with
 * transaction id tid. */
bool turn_client_bind_ok(const struct turn_client *t, const struct stun_msg *msg,
			 const uint8_t tid[STUN_TID_LEN]);

/* Shut down: release the allocation (Refresh with lifetime 0) if there is one. Call tick
 * and handle until turn_client_stopped. */
void turn_client_stop(struct turn_client *t, int64_t now_ms);
bool turn_client_stopped(const struct turn_client *t);

/* Close everything and wipe the credentials. */
void turn_client_free(struct turn_client *t);

/* The state's name, for logs and reports. */
const char *turn_state_name(enum turn_state s);

#endif
