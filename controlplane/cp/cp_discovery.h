/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Discovery for meshrelay-cp, in etcd v3: this gateway's relayed addresses are published
 * under PREFIX/networks/NETWORK/gateways/ID with a lease kept alive, and the whole
 * PREFIX/networks/ tree is watched for the other gateways. An outage of the store keeps
 * what was last known and retries the next endpoint after a back-off; a lease found
 * expired on return is granted anew and the registration put again.
 */
#ifndef CP_DISCOVERY_H
#define CP_DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_backoff.h"
#include "disc_record.h"
#include "etcd_conn.h"
#include "mr_config.h"

#define DISC_MAX_GATEWAYS 4096      /* gateways of the whole mesh kept */
#define DISC_KEY_MAX 512            /* a key in the store (ours, or a gateway's) */
#define DISC_PAGE_KEY_MAX DISC_VALUE_MAX /* a key a range may go on from: any under the
					  * prefix, foreign ones too, up to 16 KiB */
#define DISC_PAGE_MAX 128           /* keys one range answer holds at most */

enum disc_step { DISC_NONE, DISC_GRANT, DISC_PUT, DISC_RANGE, DISC_KEEPALIVE };

struct cp_discovery {
	struct mr_discovery_conf conf;
	char id[64];
	char network[MR_NAME_MAX];
	void (*changed)(void *arg);      /* the set of other gateways changed */
	void *arg;

	struct etcd_conn req;            /* grant, put, range, keep-alive */
	struct etcd_conn watch;
	enum disc_step step;             /* the request out on req */
	unsigned int endpoint;           /* index into conf.endpoints in use */
	struct cp_backoff backoff;
	int64_t retry_ms;                /* while down */
	bool down;
	bool answering;                  /* the store answered the last request, and nothing
					  * failed since (down is over at the retry, answered
					  * or not) */
	unsigned int failures;
	int64_t handled_ms;              /* the time cp_discovery_handle was called with */

	int64_t lease;                   /* 0: none */
	uint32_t ttl_s;
	int64_t lease_confirmed_ms;      /* granted or kept alive then: gone a TTL later */
	int64_t keepalive_ms;
	char *value;                     /* this gateway's registration, JSON ... */
	struct disc_gateway own;         /* ... made of this (id, network, relays, names) */
	bool put_needed;
	int64_t put_back_ms;             /* our value last put back over another's ... */
	int64_t put_after_ms;            /* ... so the next such put waits till then */
	uint64_t value_seq;              /* +1 with each new value ... */
	uint64_t put_seq;                /* ... and the one the last put carried */
	bool registered;                 /* the value is in the store under our lease */
	bool synced;                     /* range done and the watch runs */
	bool watch_reset;                /* the watch lost history: start over */
	int64_t revision;

	struct disc_gateway *gateways;   /* the others, as last known */
	unsigned int n_gateways;
	/* A range in pages of at most page_limit keys, all read at page_revision (0: no
	 * range under way), the next from page_from (the last key read and a NUL): read into
	 * paged, which takes the place of gateways when the last page is in. */
	struct disc_gateway *paged;
	unsigned int n_paged;
	uint32_t page_limit;
	int64_t page_revision;
	char page_from[DISC_PAGE_KEY_MAX + 1];
	size_t page_from_len;
	bool page_more;                  /* the last answer said more keys follow */
	bool range_unreadable;           /* ... but not how to ask for them: a failure */
	bool page_own;                   /* our own key was among the pages read */
	const char *answer_unusable;     /* an answer on req that makes no step: why (the
					  * store is then taken as down, backed off) */
};

/* Set d up (nothing is sent before the first tick). 0, or -1 when out of memory. */
int cp_discovery_init(struct cp_discovery *d, const struct mr_discovery_conf *conf,
		      const char *id, const char *network, void (*changed)(void *arg),
		      void *arg);

/* Whether this gateway's data plane reads other gateways' client headers (its status says
 * so): its registration says it, and the gateways learned get theirs
 * (cp_discovery_routes). true when it changed. */
bool cp_discovery_set_client_header(struct cp_discovery *d, bool reads);

/* This gateway's relayed addresses (replacing the last ones); put again when different. */
void cp_discovery_set_relays(struct cp_discovery *d, const struct disc_relay *relays,
			     unsigned int n);

/* The names conf exports (routes with export = true), published beside the relayed
 * addresses; put again when different. Names past DISC_SERVICES_BYTES are left out
 * (logged). */
void cp_discovery_set_services(struct cp_discovery *d, const struct mr_config *conf);

/* The other networks' exported names this gateway routes to them: for each network conf
 * declares as remote, in the file's order, its gateways' names (by gateway id), except
 * the names the file routes itself and those an earlier network exports (a conflict,
 * logged). Up to max into out as imported routes (sni allocated, network set); returns
 * how many. */
unsigned int cp_discovery_imports(const struct cp_discovery *d, const struct mr_config *conf,
				  struct mr_route_conf *out, unsigned int max);

/* Do what is due; returns milliseconds until something is due again. */
int cp_discovery_tick(struct cp_discovery *d, int64_t now_ms);

/* Poll plumbing for the two connections (which: 0 requests, 1 watch). */
int cp_discovery_fd(const struct cp_discovery *d, int which);
short cp_discovery_events(const struct cp_discovery *d, int which);
void cp_discovery_handle(struct cp_discovery *d, int which, short revents, int64_t now_ms);

/* The remote gateways reachable from network local_net: a relay on a TURN server of our
 * network, from a gateway of a network conf declares as remote. Up to max into out
 * (zeroed first), sorted by network and id; returns how many. */
unsigned int cp_discovery_routes(const struct cp_discovery *d, const struct mr_config *conf,
				 struct mr_remote_gateway_conf *out, unsigned int max);

/* Delete the registration (best effort, bounded by the timeout) and release d. */
void cp_discovery_stop(struct cp_discovery *d);

#endif
