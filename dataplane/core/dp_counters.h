/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane event and drop counters. Each worker lcore owns one dp_counters block and is
 * its only writer; the main lcore and the telemetry thread only read (relaxed loads), so
 * no counter is ever shared for writing across lcores.
 */
#ifndef DP_COUNTERS_H
#define DP_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DP_EVENT_LIST(X)                                                                  \
	X(rx_frames)          /* frames read from data ports */                              \
	X(tx_frames)          /* frames handed to data ports */                              \
	X(arp_request_in)     /* ARP requests for one of our addresses */                    \
	X(arp_reply_out)      /* ARP replies the data plane sent */                          \
	X(arp_reply_in)       /* ARP replies addressed to us */                              \
	X(arp_request_out)    /* ARP requests the data plane sent while resolving */         \
	X(icmp_echo_in)       /* echo requests to our addresses */                           \
	X(icmp_echo_out)      /* echo replies sent */                                        \
	X(to_kernel)          /* frames given to the exception path (kernel_full: dropped) */\
	X(from_kernel)        /* frames the kernel sent out through the exception path */    \
	X(neigh_learned)      /* neighbour entries created or refreshed */                   \
	X(neigh_failed)       /* neighbours that never answered */                          \
	X(neigh_conflict)     /* claims of another MAC for an address in use: ignored */     \
	X(arp_off_link)       /* ARP/ND senders off the receiving port's subnet: not learned */ \
	X(syn_in)             /* SYNs to a relay listener */                                 \
	X(syncookie_out)      /* SYN-ACKs sent with a cookie (no state kept) */              \
	X(synack_resent)      /* SYN-ACKs sent again to a plain service's client whose      \
				 handshake ACK had not come (its server may speak first) */   \
	X(synack_unkept)      /* ... handshakes not kept for that: the worker's list full */ \
	X(handshake_ack)      /* valid cookie ACKs without data (still no state) */          \
	X(handshake_fin)      /* ... closing at once (FIN before any byte): reset, no flow */\
	X(stray_reset)        /* RSTs to segments for a source port with no flow (a backend \
				 the relay gave up on), within relay.challenge_acks a second */\
	X(cookie_expired_reset)/* RSTs to first data whose cookie is ours but expired (sent \
				 minutes after the handshake) */                             \
	X(flow_created)       /* first client data with a valid cookie: flow allocated */    \
	X(hello_complete)     /* ClientHello complete and parsed */                          \
	X(hello_parsed)       /* parses of a hello's bytes so far: one a record at most, not \
				 one a segment, however thin the segments */                 \
	X(plain_routed)       /* plain TCP service connections routed (VIP or gateway's) */  \
	X(plain_via_gateway)  /* ... of them told by another gateway's PROXY header */       \
	X(turn_bind_stale_nonce) /* ConnectionBinds answered 438 (the nonce the control     \
				 connection signed them with had gone stale) */             \
	X(client_via_gateway) /* TLS connections whose client another gateway's PROXY     \
				 header named, before the hello */                          \
	X(fin_deferred)       /* a client's FIN with its first bytes (or a plain client's): \
				 left to be resent to the splice */                         \
	X(connlog_queued)     /* connection records handed to the logging thread */         \
	X(connlog_dropped)    /* ... not: the worker's ring was full */                      \
	X(connlog_suppressed) /* refusals past log.refused_rate a second: counted only */    \
	X(route_local)        /* routed to a local backend */                                \
	X(route_remote)       /* routed to another network's gateway */                      \
	X(turn_bind_start)    /* RFC 6062 data connections opened to a TURN server */        \
	X(turn_bind_done)     /* ... bound: their stream is now a client's */                \
	X(turn_peer_unkept)   /* ... its peer not kept (4 flows of its set held theirs): \
				 routed and told of as the TURN server's connection */        \
	X(backend_syn)        /* SYNs sent to backends */                                    \
	X(source_addr_full)   /* a source-port pick found one relay address without a free   \
				 port towards the backend (add source_addresses) */           \
	X(syn_retransmit)     /* backend SYNs sent again */                                  \
	X(backend_established)/* backend SYN-ACK: flow spliced */                            \
	X(stream_retransmit)  /* kept client bytes sent to the backend again */              \
	X(splice_c2b)         /* packets forwarded client -> backend */                      \
	X(splice_b2c)         /* packets forwarded backend -> client */                      \
	X(splice_burst)       /* ... of both, forwarded by the burst path (splice_fast.h) */ \
	X(flow_closed)        /* flows ended by FIN both ways or RST */                      \
	X(closing_reopened)   /* ... whose 4-tuple a client's new SYN took before their closing \
				 time was over (TIME-WAIT reuse) */                         \
	X(flow_reclaimed)     /* ... whose entry a new connection took on a full table */    \
	X(closing_port_reused)/* ... whose source port towards their backend the relay took \
				 for a new connection, none other being free (TIME-WAIT reuse) */ \
	X(flow_idle_expired)  /* established flows reset after the idle timeout */           \
	X(flow_fin_expired)   /* ... with FINs both ways but one never acknowledged: reset \
				 after the closing time */                                    \
	X(tcp_rst_out)        /* resets the relay sent */                                    \
	X(tx_linearized)      /* segments copied because the port cannot send chains */      \
	X(dispatched)         /* relayed segments handed to the worker owning their flow */ \
	X(segment_split)      /* pieces sent for segments above the out side's MSS */ \
	X(pmtu_too_big_in)    /* too-big ICMP errors about a relayed connection */           \
	X(icmp_unreach_in)    /* hard unreachables (port, policy) about one: a member's   \
				 refusal of the relay's SYN, else dropped */                 \
	X(pmtu_lowered)       /* ... that lowered the MSS the relay sends a side */          \
	X(pmtu_told)          /* too-big errors sent to a client about its backend's path */ \
	X(pmtu_no_mtu)        /* IPv4 too-big errors naming no MTU (or below 68): the floor */ \
	X(syn_repeated)       /* a flow's own SYN again (resent or duplicated): answered by ACK */ \
	X(hop_followed)       /* spliced segments from a new MAC of their side that the   \
				 neighbour cache holds for its next hop (a router's failover): \
				 that side answered there from then on */                     \
	X(hop_unconfirmed)    /* ... from a MAC the cache does not hold for it: not taken   \
				 (ECMP routers, or a spoofer on the link) */                  \
	X(nd_solicit_in)      /* IPv6 neighbour solicitations for our address */             \
	X(nd_advert_out)      /* neighbour advertisements the data plane sent */             \
	X(nd_advert_in)       /* neighbour advertisements to us (or to all nodes) */         \
	X(nd_solicit_out)     /* neighbour solicitations sent while resolving */             \
	X(mld_query_in)       /* MLD queries about our solicited-node group */               \
	X(mld_report_out)     /* multicast listener reports (and leaves) sent */             \
	X(announce_out)       /* our addresses announced: ARP, unsolicited ND advertisements \
				 (at start and when a link comes back up) */                  \
	X(link_down)          /* a port's link seen going down (worker 0) ... */             \
	X(link_up)            /* ... and coming back up: its addresses announced again */    \
	X(challenge_ack_out)  /* RFC 5961 challenge ACKs sent */                            \
	X(challenge_ack_limited) /* ... not sent: the worker's rate spent */               \
	X(redispatch_refused) /* hello sent to the next member: the chosen one refused it */  \
	X(redispatch_timeout) /* ... the chosen one did not answer its SYN, take the hello or \
				 answer it in time */                                       \
	X(redispatch_reset)   /* ... the chosen one reset or closed it before any byte of it \
				 reached the client */                                      \
	X(member_avoided)     /* a member down or ejected passed over for a connection */     \
	X(pool_all_down)      /* every member down: chosen regardless (HAProxy's last resort) */\
	X(check_sent)         /* active health checks opened */                              \
	X(check_passed)       /* ... answered as the check asks */                           \
	X(check_failed)       /* ... refused, reset, wrong answer or unanswered */          \
	X(check_not_sent)     /* ... not opened: no free flow entry or source port (soon again) */\
	X(dns_answered)       /* DNS: a name the gateway routes, answered with its address */\
	X(dns_nodata)         /* ... routed, but no record of the type asked */              \
	X(dns_nxdomain)       /* ... a name in the zones the gateway does not route */       \
	X(dns_refused)        /* ... outside the zones, refused (dns.outside = "refuse") */   \
	X(dns_to_host)        /* ... outside the zones, given to the host's resolver */       \
	X(dns_formerr)        /* ... FORMERR or NOTIMP: a query we cannot read */            \
	X(dns_truncated)      /* ... answered with TC: by size, or held to the client's rate */\
	X(dns_rate_limited)   /* ... not answered: the client's rate spent (every other one) */\
	X(dns_tcp)            /* ... answered over TCP */                                    \
	X(dns_tcp_resent)     /* ... an answer over TCP sent again, unacknowledged */

#define DP_DROP_LIST(X)                                                                   \
	X(none)               /* not a drop: keeps index 0 free for "no verdict" */          \
	X(runt)               /* frame shorter than its headers */                           \
	X(l2_not_for_us)      /* unicast to another MAC */                                   \
	X(l2_group_source)    /* source MAC a group (multicast/broadcast) address */         \
	X(l2_group_unicast_ip) /* to a group MAC, yet to a unicast IP address (RFC 1122) */ \
	X(ipv4_version)       /* version field is not 4 */                                   \
	X(ipv4_ihl)           /* header length below 20 bytes or beyond the frame */          \
	X(ipv4_total_length)  /* total length below the header or beyond the frame */        \
	X(ipv4_checksum)      /* header checksum wrong */                                    \
	X(ipv4_fragment)      /* fragments: nothing on the appliance address needs them */   \
	X(ipv4_martian_src)   /* source is zero, multicast, loopback, broadcast or ours */  \
	X(ipv4_not_for_us)    /* unicast to an address that is not ours (not a router) */    \
	X(arp_malformed)      /* not Ethernet/IPv4 ARP, or truncated */                      \
	X(arp_not_for_us)     /* ARP about addresses that are not ours */                    \
	X(icmp_malformed)     /* truncated ICMP or bad ICMP checksum */                      \
	X(no_exception_path)  /* kernel-bound traffic on a port without exception path */    \
	X(kernel_full)        /* the exception path's queue to the host had no room */       \
	X(kernel_rate)        /* ... frames for the host past its exception.rate: a storm of \
				 them would else cost a relay core a write each */            \
	X(neigh_unresolved)   /* packets dropped while a neighbour stayed unresolved */      \
	X(tx_full)            /* a data port's transmit queue had no room */                  \
	X(tcp_bad_header)     /* TCP header shorter than 20 bytes or beyond the packet */    \
	X(tcp_checksum)       /* TCP checksum wrong on a segment the relay consumes */       \
	X(syncookie_invalid)  /* ACK to a listener with no valid cookie (answered by RST) */ \
	X(flow_table_full)    /* new connection refused: no free flow */                     \
	X(hello_not_tls)      /* first bytes are not a TLS handshake */                      \
	X(hello_malformed)    /* ClientHello refused by the parser */                        \
	X(hello_too_large)    /* ClientHello beyond relay.max_hello */                       \
	X(hello_timeout)      /* ClientHello incomplete for relay.hello_timeout_ms */        \
	X(hello_out_of_order) /* segment ahead of the hello stream (client resends it) */    \
	X(client_abort)       /* client sent FIN or RST before the splice */                 \
	X(route_no_route)     /* no route for the SNI */                                     \
	X(vip_no_service)     /* SYN to a VIP port no plain TCP service listens on: RST */   \
	X(gateway_proxy_bad)  /* a TURN connection's PROXY header unreadable or too large */ \
	X(route_not_allowed)  /* mangled destination outside its network's allow-list */     \
	X(route_refused)      /* bad mangled name, unknown network, empty pool */            \
	X(route_bad_destination) /* mangled destination nobody may be reached at (ours, loopback...) */ \
	X(route_no_gateway)   /* route to a remote network no gateway is known for */        \
	X(turn_bind_refused)  /* the TURN server answered the ConnectionBind with an error, \
				 or closed before any answer */                              \
	X(turn_bind_timeout)  /* no connection or no answer from the TURN server in time */  \
	X(turn_transit)       /* came over TURN, routed to another remote network: refused */ \
	X(backend_unreachable)/* no port, source port or neighbour towards the backend */    \
	X(backend_refused)    /* backend answered the SYN with a RST */                      \
	X(backend_timeout)    /* backend never answered, or never acked the kept bytes */    \
	X(backend_bad_ack)    /* backend segment while connecting acking no SYN of ours    \
				 (reset unless a RST: an older connection it still holds) */ \
	X(tcp_no_flow)        /* segment to a relay source port with no flow */               \
	X(dispatch_full)      /* another worker's inbox had no room */                        \
	X(copy_no_mbuf)       /* a neighbour frame not copied to another worker: no mbuf */   \
	X(copy_rationed)      /* ... not copied to the others: past the second's ration */    \
	X(out_no_mbuf)        /* a frame of our own (ARP, ND, MLD) not made: no mbuf */       \
	X(draining)           /* new connection refused while shutting down */                \
	X(stopped)            /* connection reset at both ends as the data plane stopped */  \
	X(ipv6_header)        /* not version 6, or payload length beyond the frame */         \
	X(ipv6_martian_src)   /* IPv6 source multicast, loopback, ours, or :: to our address */\
	X(icmp6_malformed)    /* ND or echo that RFC 4861/4443 checks refuse */               \
	X(icmp_quote_stale)   /* too-big error quoting bytes not in flight (late or forged) */ \
	X(stripped_resent)    /* a client's resent bytes the relay stripped: acked, not sent on */ \
	X(kept_resent)        /* a client's resent bytes the relay keeps and sends: acked again */ \
	X(nd_claims_ours)     /* a neighbour advertisement claiming our own address */        \
	X(arp_claims_ours)    /* ARP from another MAC with our address as its sender (defended) */\
	X(header_no_room)     /* no headroom to give a segment the other family's IP header */\
	X(syn_shed)           /* SYN unanswered: the port's queue just full, its budget spent */\
	X(hello_no_room)      /* hello bytes not kept: the worker's kept buffers at their cap */\
	X(early_bytes_wait)   /* a client's bytes past what one flow keeps before the splice \
				 (max_hello + 16 KB: TLS early data, a plain client talking \
				 first): not acknowledged, resent into the splice */          \
	X(hello_evicted)      /* the oldest kept hello reset to make room for a newer one */  \
	X(pool_tried)         /* a redispatch found every member of the pool tried */        \
	X(dns_malformed)      /* DNS query not answered: bad UDP, too short, or a response */\
	X(dns_source_port)    /* ... from port 0 or a port that answers anything (chargen): \
				 a reply would start a loop */                                \
	X(dns_tcp_unacked)    /* DNS over TCP: the answer never acknowledged, client reset */\
	X(dns_after_answer)   /* ... bytes after the answer and its FIN: client reset */      \
	X(client_flow_limit)  /* new connection refused: its address holds client.max_flows */\
	X(client_hello_limit) /* ... or client.max_hellos connections not spliced yet */\
	X(neigh_unresolved_limit) /* no new neighbour: neighbour.unresolved never answered yet */\
	X(rst_not_exact)      /* RST not at the expected sequence (challenged inside the window) */\
	X(syn_in_window)      /* SYN on a synchronized connection: challenged, not taken */   \
	X(tcp_out_of_window)  /* segment or acknowledgement outside the windows: dropped */\
	X(tcp_no_ack)         /* synchronized, neither ACK nor RST nor SYN: dropped (RFC 9293) */\
	X(port_paused)        /* frame for a port the operator paused (meshrelayctl port) */   \
	X(pmtu_below_ipv6_min) /* IPv6 too-big naming less than 1280: discarded (RFC 8201 4) */

#define DP_ENUM_EVENT(name) DP_EV_##name,
#define DP_ENUM_DROP(name) DP_DROP_##name,
enum dp_event { DP_EVENT_LIST(DP_ENUM_EVENT) DP_EV_COUNT };
enum dp_drop { DP_DROP_LIST(DP_ENUM_DROP) DP_DROP_COUNT };
#undef DP_ENUM_EVENT
#undef DP_ENUM_DROP

struct dp_counters {
	uint64_t events[DP_EV_COUNT];
	uint64_t drops[DP_DROP_COUNT];
};

/* Names as shown by telemetry and the exit report, indexed by the enums above. */
extern const char *const dp_event_names[DP_EV_COUNT];
extern const char *const dp_drop_names[DP_DROP_COUNT];

/* Owner-only increment; a relaxed store keeps concurrent readers free of torn values. */
static inline void dp_count(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

/* Reader side: one owner's counter, read while it may be written. */
static inline uint64_t dp_counter_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

struct dp_appliance;

/* Sum every worker's block into sum (any thread). */
void dp_counters_sum(const struct dp_appliance *app, struct dp_counters *sum);

/* A per-worker uint64_t at byte offset of struct dp_worker, summed over the workers
 * with relaxed loads (any thread; the workers keep counting). */
uint64_t dp_workers_sum(const struct dp_appliance *app, size_t offset);

/* Print the non-zero summed counters, one "counter|drop name value" per line. */
void dp_counters_print(const struct dp_appliance *app, FILE *out);

#endif
