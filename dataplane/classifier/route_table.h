/* SPDX-License-Identifier: BSD-3-Clause */
/* SNI route table: built once through a builder, then immutable and shared read-only by
 * the workers (a new table replaces the old one as a whole). Lookups never allocate and
 * cost the same with 1 or 1,000,000 routes. Counting decisions is the caller's job. */
#ifndef MR_ROUTE_TABLE_H
#define MR_ROUTE_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "ip_addr.h"
#include "sni_mangle.h"
#include "sni_parse.h"

#define ROUTE_ID_NONE UINT32_MAX

enum route_status {
	ROUTE_OK = 0,
	ROUTE_ERR_NOMEM,
	ROUTE_ERR_BAD_NAME,   /* not a valid host name or "*.suffix" pattern */
	ROUTE_ERR_DUPLICATE,  /* same name, suffix, network or default given twice */
	ROUTE_ERR_BAD_ID,     /* pool or network id not created by this builder */
	ROUTE_ERR_BAD_PREFIX, /* prefix length too long or bits set past it */
	ROUTE_ERR_BAD_RANGE,  /* first port above last */
	ROUTE_ERR_BAD_TARGET, /* unknown kind, or a network route to the local network */
	ROUTE_ERR_BAD_FORMS,  /* no or unknown MANGLE_FORM_* bits */
	ROUTE_ERR_LIMIT,      /* more than 2^31 items or 4 GiB of names */
};

enum route_target_kind {
	ROUTE_TARGET_POOL = 1, /* a local backend pool */
	ROUTE_TARGET_NETWORK,  /* a remote network, reached through its relay */
};

struct route_target {
	enum route_target_kind kind;
	uint32_t id;            /* pool or network id from the builder */
	bool proxy_protocol_v2; /* prepend a PROXY v2 header towards the backend */
};

struct route_builder;
struct route_table;

/* New empty builder, or NULL when out of memory. */
struct route_builder *route_builder_new(void);

/* Frees a builder; tables it produced stay valid. NULL is fine. */
void route_builder_free(struct route_builder *b);

/* Declares a network by the name mangled names use ([a-z0-9-], 1..63); local marks the
 * one this relay serves itself (at most one). */
enum route_status route_builder_add_network(struct route_builder *b, const char *name,
					    bool local, uint32_t *id);

/* Allows addr/prefix_len (IPv4 or IPv6) as a mangled destination inside network. */
enum route_status route_builder_allow_prefix(struct route_builder *b, uint32_t network,
					     const struct ip_addr *prefix, unsigned prefix_len);

/* Allows destination ports first..last inside network. Nothing is allowed by default. */
enum route_status route_builder_allow_ports(struct route_builder *b, uint32_t network,
					    uint16_t first, uint16_t last);

/* Creates an empty local backend pool. */
enum route_status route_builder_add_pool(struct route_builder *b, uint32_t *id);

/* Adds a member; weight 0 keeps it configured but never chosen. */
enum route_status route_builder_add_member(struct route_builder *b, uint32_t pool,
					   const struct ip_addr *addr, uint16_t port,
					   uint32_t weight);

/* Routes an exact host name, or every name under a suffix with "*.suffix". */
enum route_status route_builder_add_route(struct route_builder *b, const char *pattern,
					  const struct route_target *target);

/* A plain TCP service (no ClientHello to route by): name on port (host order), which
 * clients reach at the virtual address vip (IPv4, host order; 0: none, reached by name
 * only, from another gateway). Every port of one name must have the same vip; a vip and
 * port, or a name and port, is given once. */
enum route_status route_builder_add_service(struct route_builder *b, const char *name,
					    uint32_t vip, uint16_t port,
					    const struct route_target *target);

/* Route for hellos without SNI and names nothing else matches. */
enum route_status route_builder_set_default(struct route_builder *b,
					    const struct route_target *target);

/* Names under suffix may carry their destination in the given MANGLE_FORM_* encodings;
 * default_network (or ROUTE_ID_NONE) applies when the name does not pick one. */
enum route_status route_builder_add_mangled_suffix(struct route_builder *b, const char *suffix,
						   unsigned forms, uint32_t default_network,
						   bool proxy_protocol_v2);

/* Freezes everything added so far into a new table; NULL with *status set on the first
 * error met by the builder (add calls also return it). The builder stays usable. */
struct route_table *route_builder_finish(struct route_builder *b, enum route_status *status);

/* Frees a table (after the data plane's grace period). NULL is fine. */
void route_table_free(struct route_table *t);

/* Number of exact and wildcard routes in the table. */
uint32_t route_table_route_count(const struct route_table *t);

enum route_kind {
	ROUTE_LOCAL = 1, /* connect to addr:port here */
	ROUTE_REMOTE,    /* hand the connection to network_id's relay */
	ROUTE_REFUSED,
};

enum route_refusal {
	ROUTE_REFUSAL_NONE = 0,
	ROUTE_REFUSAL_NOT_CLASSIFIED,  /* the hello's verdict is not COMPLETE */
	ROUTE_REFUSAL_NO_ROUTE,
	ROUTE_REFUSAL_BAD_MANGLED_NAME,
	ROUTE_REFUSAL_UNKNOWN_NETWORK, /* mangled name picks no configured network */
	ROUTE_REFUSAL_NOT_ALLOWED,     /* mangled destination outside its network's allow-list */
	ROUTE_REFUSAL_EMPTY_POOL,      /* no member with a weight above zero */
	ROUTE_REFUSAL_POOL_TRIED,      /* every member was tried already (route_lookup_pick) */
	ROUTE_REFUSAL_BAD_DESTINATION, /* mangled destination no connection may go to (loopback,
					* multicast, IPv4 inside IPv6, an allowed prefix's
					* network or broadcast address) */
};

enum route_match {
	ROUTE_MATCH_NONE = 0,
	ROUTE_MATCH_EXACT,
	ROUTE_MATCH_WILDCARD,
	ROUTE_MATCH_MANGLED,
	ROUTE_MATCH_ISTIO,
	ROUTE_MATCH_DEFAULT,
	ROUTE_MATCH_SERVICE, /* a plain TCP service, by its address or its name and port */
};

struct route_decision {
	enum route_kind kind;
	enum route_refusal refusal;
	enum route_match match;
	enum mangle_status mangle_status; /* set when refusal is BAD_MANGLED_NAME */
	bool proxy_protocol_v2;
	uint32_t pool_id;    /* LOCAL from a pool, or the pool an EMPTY_POOL or POOL_TRIED
			      * refusal is for; ROUTE_ID_NONE for a mangled address */
	uint32_t member;     /* ... and the member chosen: an index below route_table_member_count */
	enum route_pick_note {
		ROUTE_PICK_FIRST = 0,   /* the first usable member in the client's order */
		ROUTE_PICK_AVOIDED,     /* ... after passing over some route_pick made unusable */
		ROUTE_PICK_NONE_USABLE, /* none usable: the first regardless */
	} pick_note;
	uint32_t network_id; /* REMOTE, or the local network a mangled name picked */
	struct ip_addr addr; /* LOCAL: backend; REMOTE from a mangled name: final destination */
	uint16_t port;
	const char *service; /* MATCH_SERVICE: the service's name (in the table, not NUL-
			      * terminated), service_len bytes */
	uint16_t service_len;
};

/* Routes a parsed hello; client_key (e.g. a hash of the client's address and port) makes
 * the pool member choice stable per client. Returns out->kind. */
enum route_kind route_lookup(const struct route_table *t, const struct sni_result *hello,
			     uint64_t client_key, struct route_decision *out);

/* What a pool's member choice may take beside the client: usable(ctx, member) false skips
 * a member (down, ejected) unless the pool has no other; tried(ctx, member) true marks one
 * the connection tried already, and the choice continues after it in the client's order.
 * Either may be NULL. Members are indices below route_table_member_count. */
struct route_pick {
	uint64_t client_key;
	bool (*usable)(const void *ctx, uint32_t member);
	bool (*tried)(const void *ctx, uint32_t member);
	const void *ctx;
};

/* route_lookup with a member choice that avoids members and continues after those
 * tried (ROUTE_REFUSAL_POOL_TRIED when none is left). */
enum route_kind route_lookup_pick(const struct route_table *t, const struct sni_result *hello,
				  const struct route_pick *pick, struct route_decision *out);

/* Routes a connection to a plain TCP service's address vip and port (host order). */
enum route_kind route_lookup_vip(const struct route_table *t, uint32_t vip, uint16_t port,
				 const struct route_pick *pick, struct route_decision *out);

/* Routes a connection to the plain TCP service name[0..len) (lower case) on port: what a
 * gateway that relays one from another network was told. */
enum route_kind route_lookup_service(const struct route_table *t, const char *name,
				     size_t len, uint16_t port, const struct route_pick *pick,
				     struct route_decision *out);

/* The virtual address of the plain TCP service name[0..len) (lower case), or 0. */
uint32_t route_table_service_vip(const struct route_table *t, const char *name, size_t len);

/* Whether some plain TCP service listens on vip and port (host order). */
bool route_table_vip_port(const struct route_table *t, uint32_t vip, uint16_t port);

/* Plain TCP services in the table. */
uint32_t route_table_service_count(const struct route_table *t);

/* The VIP of service i (below route_table_service_count), host order; 0 when it has none
 * (a service of another network, reached by name only). */
uint32_t route_table_service_vip_at(const struct route_table *t, uint32_t i);

/* Members of every pool together, and member i's address and port. */
uint32_t route_table_member_count(const struct route_table *t);
void route_table_member(const struct route_table *t, uint32_t i, struct ip_addr *addr,
			uint16_t *port);

/* The pool member i belongs to. */
uint32_t route_table_member_pool(const struct route_table *t, uint32_t i);

/* Member i's weight (0: configured, never chosen). */
uint32_t route_table_member_weight(const struct route_table *t, uint32_t i);

/* Members of pool (weight 0 ones included). */
uint32_t route_table_pool_size(const struct route_table *t, uint32_t pool);

/* Members of pool a choice may take: those with a weight above zero. */
uint32_t route_table_pool_choosable(const struct route_table *t, uint32_t pool);

/* Short fixed texts for logs and counters. */
const char *route_status_str(enum route_status status);
const char *route_refusal_str(enum route_refusal refusal);

#endif
