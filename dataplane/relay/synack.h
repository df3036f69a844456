/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The listener's SYN-ACKs: made from the cookie and what the SYN offered, and, for a plain
 * TCP service's handshake, kept and sent again until the handshake's ACK has made its flow.
 *
 * Why kept: a plain service's server may speak first (SMTP, a database, FTP). When the
 * client's handshake ACK is lost, the client believes it is connected and waits for the
 * server; with a cookie alone nothing on our side knows of it, so it waits until its own
 * timeout. A resent SYN-ACK makes its kernel send the ACK again. Kept only while the
 * worker's list has room, as a host keeps SYN state only while its backlog has room: a
 * flood fills the list and is then answered by cookies alone, as before (synack_unkept).
 * A TLS handshake is never kept: its client speaks first, and its ClientHello carries the
 * ACK that was lost.
 */
#ifndef SYNACK_H
#define SYNACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "dp.h"
#include "flow_entry.h"

/* Resent at 1, 3 and 7 s after the first (RFC 6298's initial RTO, doubled each time). */
#define SYNACK_RESENDS 3
#define SYNACK_FIRST_RTO_MS 1000u
/* Handshakes one worker keeps, waiting for their first resend (a second's worth of plain
 * services' connections), and waiting for each later one (only those still unanswered;
 * they wait 2 and 4 s there, so past 512 and 256 unanswered a second, from scanners or
 * spoofed SYNs, later resends are left out and counted as synack_unkept). */
#define SYNACK_KEPT_FIRST 4096u
#define SYNACK_KEPT_LATER 1024u
/* Handshakes whose ACK made a flow remembered at once (synack_made). */
#define SYNACK_MADE_SLOTS 4096u
/* Resends one housekeeping pass sends at most: a long stall does not hold the poll loop. */
#define SYNACK_RUN_BUDGET 64u

/* One SYN-ACK as the listener sends it: all it needs to be made again. */
struct synack {
	struct flow_key key;             /* the client's side: peer the client, local ours */
	struct rte_ether_addr peer_mac;  /* the client's (its next hop's) MAC */
	uint8_t port;                    /* the dp_port it came in on */
	uint8_t wscale : 1,              /* the client offered window scaling, */
		sack : 1,                /* ... SACK, */
		ts : 1;                  /* ... timestamps: so do we */
	uint32_t cookie;                 /* our ISN */
	uint32_t peer_next;              /* the client's ISN + 1: what we acknowledge */
	uint32_t tsecr;                  /* the SYN's TSval, echoed */
	uint32_t due_ms;                 /* kept: when it is sent again (relay_now) */
};

/* A worker's kept handshakes, one FIFO per resend still to come (each FIFO's deadlines
 * rise, as each adds one interval to the time it is filled). The worker's own
 * (dp_worker.synacks), made when its first plain handshake is kept. */
struct synack_kept;

/* Send a (a6: the IPv6 addresses, NULL for IPv4) on p. false when no mbuf could be had. */
bool synack_send(struct dp_worker *w, const struct dp_port *p, const struct synack *a,
		 const struct flow_addr6 *a6);

/* Keep a (an IPv4 plain service's SYN-ACK, just sent) to send again if its flow has not
 * been made by then; counted as synack_unkept when the worker's list is full. */
void synack_keep(struct dp_worker *w, const struct synack *a);

/* The ACK of the handshake with key and cookie (our ISN) made a flow: its SYN-ACK, if
 * kept, is not sent again even once the flow is gone. */
void synack_made(struct dp_worker *w, const struct flow_key *key, uint32_t cookie);

/* synack_run for a worker that has kept some. */
void synack_run_kept(struct dp_worker *w);

/* Send again the kept SYN-ACKs that are due and whose ACK has made no flow (the client's
 * ACK was lost); forget the others. Once per poll loop: a worker that never kept one
 * (no plain service) pays one test. */
static inline void synack_run(struct dp_worker *w)
{
	if (unlikely(w->synacks != NULL))
		synack_run_kept(w);
}

/* How many handshakes w keeps (all FIFOs). */
uint32_t synack_kept_count(const struct dp_worker *w);

/* Release w's kept handshakes. */
void synack_free(struct dp_worker *w);

#endif
