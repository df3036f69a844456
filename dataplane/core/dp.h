/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance as every layer of the data plane sees it: ports and workers. The main
 * lcore builds a dp_appliance before launching workers and never changes it afterwards,
 * so workers read it without locks. Each dp_worker is written only by its own lcore
 * (counters, neighbour cache, tx buffers, flows); other threads read its counters or ask
 * it through its mailbox. The layers above keep their state here behind pointers to types
 * of their own (neighbour cache, flow table, live configuration), so this header needs
 * none of their headers.
 */
#ifndef DP_H
#define DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rwlock.h>

#include "dp_counters.h"
#include "mr_config.h"
#include "port.h"

#define DP_NEIGH_MOVES 8 /* neighbour moves a worker keeps between housekeepings */
#define DP_VIP_DEFENDED 16 /* VIPs a worker remembers defending, per port */

#define DP_MAX_WORKERS 64
/* Pool counters, kept by name (relay/name_counter.h): a reload that renames every pool of
 * a configuration needs twice its pools. Pools past this share the last counter. */
#define DP_POOL_COUNTERS 4096
/* Listener counters: the listeners of the configuration in force and of the next. */
#define DP_LISTENER_COUNTERS (2 * MR_MAX_LISTENERS + 1)
#define DP_MAX_RXQ_PER_WORKER (MR_MAX_PORTS * 8)

struct rss_steer;

struct dp_port {
	uint16_t index;              /* in dp_appliance.ports */
	uint16_t port_id;            /* ethdev of the data port */
	uint16_t kernel_port_id;     /* ethdev of the exception path (tap/virtio-user) */
	bool has_kernel;
	bool probed;                 /* the data port's device exists (and must be closed) */
	bool started;                /* ... and was started */
	uint32_t ipv4;               /* host byte order */
	/* The addresses the relay's own connections on this port may come from: ipv4 first,
	 * then the configured source_addresses (host order). */
	uint32_t src_ipv4[1 + MR_SOURCE_ADDRS_MAX];
	uint8_t n_src_ipv4;
	uint32_t netmask;
	uint32_t gateway;            /* 0: none */
	uint32_t vip_base;           /* plain TCP services' addresses owned on this port */
	uint32_t vip_mask;           /* (host order; dns.vip_range); 0: none */
	bool has_ipv6;
	uint8_t ipv6[16];            /* network byte order */
	uint8_t prefix6_len;
	bool has_gateway6;
	uint8_t gateway6[16];
	struct rte_ether_addr mac;
	struct drv_port_caps caps;
	const struct mr_port_conf *conf;
	int steer_rules;             /* rte_flow rules in force; <= 0: software dispatch */
	uint16_t reta_size;          /* RSS redirection entries; 0: no RSS to follow */
	uint16_t reta[DRV_RETA_MAX]; /* entry -> rx queue, as the NIC has it */
	uint16_t queue_owner[64];    /* rx queue -> worker polling it */
	/* The Toeplitz key the port hashes with (reta_size > 0); rte_softrss reads it a word
	 * at a time. */
	uint8_t rss_key[40] __attribute__((aligned(8)));
	/* Set when the relay's source ports are picked so that RSS brings the segments
	 * coming back to the worker that opened the connection (relay/rss_steer.h); NULL:
	 * they go by each worker's share of ports. */
	struct rss_steer *rss_steer;
	char steer_note[256];        /* which steering path was taken, and why */
};

/* The place of ip (host order) among port p's own IPv4 addresses (src_ipv4: its address,
 * then its source addresses; never a VIP), or -1 when it is none of them. */
static inline int dp_port_own_ipv4_index(const struct dp_port *p, uint32_t ip)
{
	for (unsigned int i = 0; i < p->n_src_ipv4; i++)
		if (p->src_ipv4[i] == ip)
			return (int)i;
	return -1;
}

/* Whether ip (host order) is one of port p's own IPv4 addresses. */
static inline bool dp_port_own_ipv4(const struct dp_port *p, uint32_t ip)
{
	return dp_port_own_ipv4_index(p, ip) >= 0;
}

/* Whether ip (host order) is one of port p's further source addresses (not its own
 * address, not a VIP): only the relay's own connections live there. */
static inline bool dp_port_source_addr(const struct dp_port *p, uint32_t ip)
{
	return ip != p->ipv4 && dp_port_own_ipv4(p, ip);
}

/* Whether ip (host order) is one of the virtual addresses port p answers for. */
static inline bool dp_port_vip(const struct dp_port *p, uint32_t ip)
{
	return p->vip_mask && (ip & p->vip_mask) == p->vip_base;
}

struct dp_rxq {
	uint16_t port_id;
	uint16_t queue;
	uint16_t dp_port;            /* index of the dp_port the queue belongs to */
	bool from_kernel;            /* exception-path queue: frames go out of the data port */
};

struct dp_worker;

/* A request the worker runs on its own lcore in the housekeeping after its next poll, one
 * at a time (dp_mailbox.h). Each half on a cache line of its own: the requester's writes never
 * land on a line the worker writes, nor the reverse (but for the one exchange of posted
 * that takes a request). */
struct dp_mailbox {
	struct {
		void (*fn)(struct dp_worker *w, void *arg);
		void *arg;
		uint32_t posted;     /* the ticket of the request waiting, 0 when none: set by
				      * the requester, taken back to 0 by whichever of the
				      * worker (to run it) or the requester (to withdraw it)
				      * exchanges it first */
		uint32_t tickets;    /* the requester's last ticket */
		/* Whether each data port should be paused (dp_port_pause.h), as last asked,
		 * and +1 with each ask: what the worker applies at its next housekeeping. */
		bool port_pause_wanted[MR_MAX_PORTS];
		uint32_t pause_asked;
	} req __rte_cache_aligned;
	uint32_t done __rte_cache_aligned; /* written by the worker */
};

struct flow;
struct flow_table;
struct neigh_table;
struct relay_live;
struct relay_secrets;
struct turn_bind_slot;
struct turn_peer_kept;
struct connlog_worker;
struct dp_outbox;
struct synack_kept;

/* A token bucket of frames for the host, filled at a rate up to a size (dp_tx.c). */
struct dp_kernel_bucket {
	uint64_t refill_ms;          /* when it was last filled */
	uint32_t tokens;             /* frames it may still take */
	uint32_t credit;             /* ... and thousandths of one more */
};

/* One worker's transmit state towards one data port (dp_tx.h). Under a SYN flood the
 * cookies would take the queue from established flows: for a while after the queue
 * refused frames, SYNs on the port are answered only while a bucket has some (the others'
 * clients resend them), so the flows keep their share. */
struct dp_port_tx {
	struct dp_worker *w;         /* the owner: only its lcore touches this */
	struct rte_eth_dev_tx_buffer *frames;
	uint64_t congested_until_ms; /* the queue refused frames; congested while now_ms <= */
	uint64_t bucket_ms;          /* when cookie_bucket was last refilled */
	uint32_t cookie_bucket;      /* SYNs that may still be answered while congested */
	struct dp_kernel_bucket kernel; /* frames the port's exception path may take */
	bool paused;                 /* the port is paused: not polled, frames to it dropped */
};

/* How many of a kind of answer a worker sent in `second` (its clock's), and may. */
struct dp_ration {
	uint64_t second;             /* UINT64_MAX: none yet, the first draws a ration */
	uint32_t sent;
	uint32_t budget;
};

struct dp_worker {
	unsigned int lcore_id;
	uint16_t index;              /* also its tx queue on every port */
	const struct dp_appliance *app;
	struct dp_rxq rxqs[DP_MAX_RXQ_PER_WORKER];
	unsigned int n_rxqs;
	struct dp_port_tx tx_port[MR_MAX_PORTS];
	struct rte_eth_dev_tx_buffer *tx_kernel[MR_MAX_PORTS];
	struct neigh_table *neigh;   /* net: IPv4 and IPv6 neighbours */
	struct flow_table *flows;    /* relay: this worker's connections */
	/* Frames other workers hand this one (net/inbox.h): a single-producer ring from each
	 * (NULL for itself, and with one worker), and this worker's frames staged for each
	 * other one, sent a burst at a time. */
	struct rte_ring *inbox[DP_MAX_WORKERS];
	uint32_t inbox_first;        /* the sender whose ring inbox_take reads first, in turn */
	uint64_t news_second;        /* the second (of now_ms) news_copied counts for */
	uint32_t news_copied;        /* neighbour frames copied to the others in it */
	struct dp_outbox *outbox;
	uint32_t ports_paused;       /* how many data ports w has paused (dp_port_pause.h) */
	uint32_t pause_seen;         /* mailbox.req.pause_asked when w last applied it */
	uint32_t src_port_next;      /* rotating pick among this worker's source ports */
	uint32_t src_addr_next;      /* ... and among a port's source addresses */
	/* Answers a segment may draw out of the worker without a flow to pay for them, each
	 * rationed a second (relay_guard.c): RFC 5961 challenge ACKs, the RSTs to segments
	 * for a source port with no flow behind it, and the looks (MACs) into whether first
	 * data's cookie is ours but expired. */
	struct dp_ration challenge, stray_rst, cookie_look;
	/* Each of our addresses (dp_port.src_ipv4) last announced against a claim. */
	uint64_t arp_defended_ms[MR_MAX_PORTS][1 + MR_SOURCE_ADDRS_MAX];
	uint64_t nd_defended_ms[MR_MAX_PORTS];  /* ... our IPv6 address, advertised */
	/* The neighbour answers each port's exception path takes beside tx_port[].kernel
	 * (dp_tx_kernel_neigh): kept apart, so that tx_port's entries stay a cache line. */
	struct dp_kernel_bucket kernel_neigh[MR_MAX_PORTS];
	/* ... and VIPs (a range of them: the last few, by a hash of the address). */
	struct {
		uint32_t vip;
		uint64_t ms;
	} vip_defended[MR_MAX_PORTS][DP_VIP_DEFENDED];
	/* The links' own timers (MLD, announcements), checked on every housekeeping pass:
	 * the soonest due of those below (ms). */
	uint64_t link_timers_ms;
	/* Multicast listener reports of each IPv6 port's solicited-node group (ip6.c): when
	 * the next join and the next answer to a query are due (0: none), how many joins are
	 * still to go (dp_appliance.mld_v1_until_ms says which version they take). */
	uint64_t mld_join_ms[MR_MAX_PORTS];
	uint64_t mld_answer_ms[MR_MAX_PORTS];
	uint8_t mld_unsolicited[MR_MAX_PORTS];
	/* Worker 0's (announce.h): each port's link state as last read from the appliance
	 * (dp_appliance.link_state), and the announcements of its addresses still to send and
	 * when the next is due. */
	uint32_t link_seen[MR_MAX_PORTS];
	uint8_t announce_left[MR_MAX_PORTS];
	uint64_t announce_due_ms[MR_MAX_PORTS];
	/* Worker 0's announcements of the plain services' VIPs (relay_vips.h). */
	struct {
		uint32_t swaps;       /* the configuration last looked at (relay_live.swaps) */
		uint32_t link_seen;   /* the VIP port's link_seen then */
		uint32_t next;        /* the next VIP of the round under way */
		uint8_t left;         /* rounds still to send */
		bool all;             /* of every VIP (else of the configuration's new ones) */
		uint64_t due_ms;
	} vip_announce;
	uint64_t now_ms;
	uint64_t now_ms_tsc;      /* TSC when now_ms was last set: divide once per ms */
	/* Set as the worker stops: a full data port queue is waited on until this TSC rather
	 * than its frames dropped (dp_tx.c), so the resets of the flows still open go out. */
	uint64_t tx_wait_until_tsc;
	uint64_t next_age_ms;
	/* Neighbours whose MAC moved (the cache's callback, resolve.c), for the flows that
	 * keep the old MAC to follow at the next housekeeping (dp_worker.c). Past
	 * DP_NEIGH_MOVES in one round the latest are kept. The worker's own. */
	struct dp_neigh_moved {
		uint8_t addr[16];         /* the neighbour cache's form (IPv4 mapped) */
		struct rte_ether_addr from, to;
	} neigh_moved[DP_NEIGH_MOVES];
	uint8_t n_neigh_moved;
	struct turn_bind_slot *binds;               /* RFC 6062 binds in progress, lazily */
	struct turn_peer_kept *bind_peers;          /* their peers, from the bind's end until
						     * the flow is routed for good, lazily */
	struct synack_kept *synacks;                /* plain services' handshakes whose
						     * SYN-ACK may be resent (synack.h), lazily */
	struct dns_rrl *dns_rrl;                    /* DNS answers per client (dns_input.c) */
	struct connlog_worker *connlog;             /* the connection log (relay/connlog.h);
						     * NULL when it is off */
	/* What the splice's burst path found for the frame it leaves to the full path, set
	 * for that call only (relay/splice_fast.c): relay_input takes it instead of looking
	 * the frame up again. */
	struct {
		const struct rte_mbuf *m;   /* the frame it holds for; NULL: none */
		struct flow *flow;          /* the frame's flow; NULL: no flow has its key */
		uint8_t dir;                /* enum flow_dir: the side the frame came from */
	} looked_up;
	/* Written by other threads too: on lines of its own (dp_worker_create checks). */
	struct dp_mailbox mailbox;
	/* Written by the worker, read by telemetry and the control thread: from here on,
	 * lines that hold nothing else the worker uses. */
	struct dp_counters counters __rte_cache_aligned;
	struct {
		uint64_t busy_cycles;  /* TSC cycles of polls that found frames */
		uint64_t busy_polls, idle_polls;
	} load;
	uint64_t listener_flows[DP_LISTENER_COUNTERS]; /* connections taken per listener,
							* by its name (relay_live.h) */
	uint64_t pool_flows[DP_POOL_COUNTERS];      /* connections routed per pool, by the
						     * pool's name (relay_live_pool_counter) */
} __rte_cache_aligned;

struct relay_health;

struct dp_appliance {
	const struct mr_config *conf;
	struct dp_port ports[MR_MAX_PORTS];
	unsigned int n_ports;
	struct dp_worker *workers[DP_MAX_WORKERS];
	unsigned int n_workers;
	struct rte_mempool *pool;
	const struct relay_live *live;      /* routes and listeners; swapped under RCU */
	rte_rwlock_t live_readers;          /* held by readers of live that are not workers
					     * (telemetry's threads: relay_live_read_begin) */
	struct rte_rcu_qsbr *qsbr;          /* workers report quiescent states here */
	uint64_t started_ms;                /* mr_clock_ms() at start: for the uptime */
	struct relay_secrets *secrets;      /* one for all: a handshake's ACK may reach any worker */
	struct relay_health *health;        /* pool members' health (relay/health.h) */
	uint16_t src_port_first;            /* relay's source ports towards backends */
	uint16_t src_port_last;
	uint64_t tsc_per_ms;
	uint32_t kept_per_worker;    /* buffers one worker's kept hellos may hold (dp_appliance) */
	/* Each port's link as the main lcore last read it (announce_links_watch): bit 0 up,
	 * the rest a count of changes. The main lcore writes, worker 0 and the control
	 * thread's port report read (atomics). */
	uint32_t link_state[MR_MAX_PORTS];
	/* Until when (ms, the workers' clock) an MLDv1 querier was heard on each port: every
	 * worker's reports are then MLDv1, worker 0's joins and leave too, whichever worker
	 * the query reached (ip6.c). That worker writes, all read (relaxed atomics: only a
	 * report's version hangs on it). MR_MAX_PORTS entries of their own. */
	uint64_t *mld_v1_until_ms;
	uint64_t managed_by;         /* the control-socket client that manages the configuration
				      * (meshrelay-cp's CLAIM), 0 none: control thread only */
	volatile bool quit;          /* set by the main lcore to stop the workers */
	volatile bool draining;      /* set by the main lcore: take no new connections */
};

/* The most a worker's clock moves on at once (about 12 days): see dp_clock_step. */
#define DP_CLOCK_STEP_MS (1ull << 30)
/* A step and the longest timeout (relay.idle_timeout_ms, at most a day) stay below 2^31. */
_Static_assert(DP_CLOCK_STEP_MS + 86400000ull < (1ull << 31), "clock step too large");

/* The worker's clock once the TSC says now_ms: now_ms itself, but after a long suspend
 * (a virtual machine paused for weeks) at most DP_CLOCK_STEP_MS past clock_ms, so that it
 * catches up in steps, one per millisecond of polling. Flow deadlines are 32-bit times
 * compared modulo 2^32 (relay_now): a jump of 2^31 ms or more would make a deadline long
 * passed read as one to come. A step stays far below that and above the longest timeout
 * the configuration allows (a day), so after each one every deadline set before it reads
 * as passed. */
static inline uint64_t dp_clock_step(uint64_t clock_ms, uint64_t now_ms)
{
	return now_ms > clock_ms + DP_CLOCK_STEP_MS ? clock_ms + DP_CLOCK_STEP_MS : now_ms;
}

/* Whether port (host order) is one of the relay's own source ports. */
static inline bool dp_relay_source_port(const struct dp_appliance *app, uint16_t port)
{
	return port >= app->src_port_first && port <= app->src_port_last;
}

static inline void dp_event(struct dp_worker *w, enum dp_event ev)
{
	dp_count(&w->counters.events[ev], 1);
}

static inline void dp_drop(struct dp_worker *w, struct rte_mbuf *m, enum dp_drop reason)
{
	dp_count(&w->counters.drops[reason], 1);
	rte_pktmbuf_free(m);
}

#endif
