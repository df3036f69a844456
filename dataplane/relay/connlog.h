/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection log, worker side: a record per connection, filled as the connection
 * goes (accepted, hello read, routed, spliced, packets) in a slot beside its flow entry,
 * and handed at its end to the logging thread (mgmt_connlog) on the worker's own
 * single-producer ring: no lock and no system call on a worker. A full ring drops the
 * record and counts it (connlog_dropped); refusals are logged at most refused_rate a
 * second per worker, the rest counted (connlog_suppressed) and told in the next one.
 * Only when log.connections is set: otherwise w->connlog is NULL and every hook returns.
 */
#ifndef CONNLOG_H
#define CONNLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "flow.h"
#include "mr_config.h"
#include "route_table.h"
#include "sni_parse.h"

enum connlog_end {
	CONNLOG_END_OPEN = 0,   /* still open (never logged as such) */
	CONNLOG_END_FIN,        /* closed by FINs; fin_client/fin_backend say whose */
	CONNLOG_END_RST_CLIENT, /* the client reset it */
	CONNLOG_END_RST_BACKEND,
	CONNLOG_END_IDLE,       /* idle_timeout_ms passed */
	CONNLOG_END_REFUSED,    /* refused before any backend byte: reason */
	CONNLOG_END_ABORTED,    /* ended by the relay after the splice: reason */
};

enum connlog_route {
	CONNLOG_ROUTE_NONE = 0,
	CONNLOG_ROUTE_LOCAL,    /* pool (or a mangled destination) in this network */
	CONNLOG_ROUTE_REMOTE,   /* another network's gateway */
};

/* One connection, as the logging thread formats it. Plain data, fixed size. */
struct connlog_rec {
	uint64_t start_ms;          /* worker clock (TSC ms) at the client's first data */
	uint64_t end_ms;
	uint64_t bytes_c2b, bytes_b2c; /* payload delivered: acknowledged by the other end */
	uint32_t pkts_c2b, pkts_b2c;   /* segments relayed each way (the kept hello's too) */
	/* Each way's delivered count (index 0: client to backend) is a 32-bit sequence
	 * difference: where it starts (the peer's ISN + 1), where it stood at the last
	 * segment, and how often it passed 4 GiB, so bytes_* stay right past it. */
	uint32_t acked_base[2], acked_last[2];
	uint32_t acked_wraps[2];
	uint32_t connect_ms;        /* first data to the backend's SYN-ACK; UINT32_MAX: none */
	uint32_t suppressed;        /* refusals not logged since the worker's last one */
	uint16_t client_port, listener_port, member_port, drop_reason;
	uint16_t tls_version;       /* highest offered (supported_versions), 0: no hello */
	uint8_t client[16], member[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t client_v6, member_v6, port_index, route, end, redispatches;
	uint8_t fin_client, fin_backend, ech, via_turn, plain, worker;
	uint8_t sni_len, alpn_len;
	char target[MR_NAME_MAX];   /* pool or network name; empty for a mangled destination */
	char alpn[SNI_ALPN_ID_MAX + 1]; /* the first protocol offered, whole as the parser
					 * keeps it ("istio-peer-exchange" is 19 bytes) */
	char sni[SNI_NAME_MAX + 1]; /* as the hello named it (lower-cased); service name */
} __attribute__((aligned(8)));

struct rte_ring;

/* A worker's side of the log. */
struct connlog_worker {
	struct rte_ring *ring;      /* records, single producer (the worker), single consumer */
	struct connlog_rec *recs;   /* one per flow entry, by flow index */
	uint64_t second;            /* the second refused_left counts for */
	uint32_t refused_left;      /* refusals this second may still log */
	uint32_t suppressed;        /* refusals not logged since the last one that was */
	uint64_t wait_until_tsc;    /* until then a record finding the ring full waits for
				     * room (connlog_stopping); 0: it is dropped at once */
};

/* Set up w->connlog for flows entries of the flow table, a ring of `ring` records (a
 * power of 2), in the memory of NUMA node socket. 0, or -1 when out of memory. */
int connlog_worker_init(struct dp_worker *w, uint32_t flows, uint32_t ring, int socket);

/* Worker w is stopping and ends every connection it holds at once: until until_tsc (the
 * TSC), a record that finds the ring full waits for the logging thread to make room
 * rather than being dropped. 0 ends that. */
void connlog_stopping(struct dp_worker *w, uint64_t until_tsc);

/* Release w->connlog (the logging thread must have stopped reading its ring). */
void connlog_worker_free(struct dp_worker *w);

/* The ring of worker w for the logging thread; NULL when the log is off. */
struct rte_ring *connlog_ring(const struct dp_worker *w);

/* A flow was created for a client on port p (its key and side set): its record begun. */
void connlog_begin(struct dp_worker *w, const struct flow *f, uint16_t listener_port);

/* f was created for what is no connection of the log (a DNS query over TCP, answered
 * here as over UDP): its slot holds no record, so none is ever written for it. */
void connlog_skip(struct dp_worker *w, const struct flow *f);

/* f's hello was read: its name, version, ALPN and ECH. */
void connlog_hello(struct dp_worker *w, const struct flow *f, const struct sni_result *r);

/* f was routed: where (target: pool or network name, may be NULL), to which member or
 * gateway (addr, port host order), and for a plain service its name. */
void connlog_routed(struct dp_worker *w, const struct flow *f, enum connlog_route route,
		    const char *target, const struct ip_addr *addr, uint16_t port,
		    const char *service, size_t service_len);

/* The backend answered f's SYN: the splice starts. */
void connlog_spliced(struct dp_worker *w, const struct flow *f);

/* f ends now, for this cause (reason: the drop reason of a refusal or abort). */
void connlog_end(struct dp_worker *w, const struct flow *f, enum connlog_end end,
		 enum dp_drop reason);

/* Spliced flow f has just closed: by a RST from either side (f->c.rst, f->b.rst), else
 * by FINs both ways. */
void connlog_closed(struct dp_worker *w, const struct flow *f);

/* A client refused before it had a flow (table full, its limits): src/port are its
 * address (4 or 16 bytes, network order) and port (host order). */
void connlog_refused(struct dp_worker *w, const uint8_t *src, bool v6, uint16_t src_port,
		     uint16_t listener_port, uint8_t port_index, enum dp_drop reason);

/* One segment of f relayed in direction dir, counted in cl (a worker's connection log,
 * NULL when there is none). */
static inline void connlog_count(struct connlog_worker *cl, const struct flow *f,
				 enum flow_dir dir)
{
	struct connlog_rec *r;
	unsigned int way;      /* the way whose bytes this segment may acknowledge */
	uint32_t now;

	if (likely(cl == NULL))
		return;
	r = &cl->recs[f->index];
	way = dir == FLOW_DIR_CLIENT;
	if (dir == FLOW_DIR_CLIENT)
		r->pkts_c2b++;
	else
		r->pkts_b2c++;
	now = (way ? f->b.acked : f->c.acked) - r->acked_base[way];
	r->acked_wraps[way] += now < r->acked_last[way];
	r->acked_last[way] = now;
}

/* One segment of f relayed in direction dir (FLOW_DIR_CLIENT: from the client). */
static inline void connlog_packet(struct dp_worker *w, const struct flow *f,
				  enum flow_dir dir)
{
	connlog_count(w->connlog, f, dir);
}

#endif
