/* SPDX-License-Identifier: BSD-3-Clause */
/* Plain TCP services: connections with no ClientHello to route by. A client reaches a
 * service at its VIP and port, so the flow is routed by them the moment the handshake is
 * done; when the service is another network's, this gateway tells that network's gateway
 * the service's name, its port and the client in a PROXY v2 header, which the other
 * gateway reads here: routed by it, and passed on to a backend that wants one. A TLS
 * connection's header (marked: its hello follows) only names the client. */
#include <string.h>

#include <rte_byteorder.h>

#include "flow_limits.h"
#include "mbuf_slice.h"
#include "proxy_v2.h"
#include "proxy_v2_read.h"
#include "relay.h"
#include "relay_live.h"
#include "relay_route.h"
#include "relay_tcp.h"
#include "sni_name.h"

bool relay_stream_skip(struct dp_worker *w, struct flow *f, uint32_t len)
{
	struct rte_mbuf *rest = NULL;

	if (f->stream_len > len) {
		rest = mbuf_slice(w->app->pool, f->stream, len, f->stream_len - len);
		if (!rest)
			return false;
	}
	flow_stream_set(w->flows, f, rest);
	f->stream_len -= len;
	/* The client's sequence space now starts after them: the splice's translation, made
	 * from peer_isn, leaves them out of the backend's stream. */
	f->c_seq.peer_isn += len;
	return true;
}

void relay_plain_route(struct dp_worker *w, struct flow *f)
{
	if (f->gateway_plain) /* its name went with the header: never routed again */
		return relay_abort(w, f, true, false, DP_DROP_pool_tried);
	relay_route(w, f, &(struct relay_route_key){
		.vip = rte_be_to_cpu_32(f->c.key.local_ip),
		.port = rte_be_to_cpu_16(f->c.key.local_port) });
}

/* The client another gateway's header pi names, in a header of our own made from what it
 * said (its addresses, ports and service or name: no TLV it may have added goes on), kept
 * as f's; name NULL for none. Nothing kept when it names no address (UNSPEC): f's
 * backend then gets the header this gateway makes. false when out of mbufs. */
static bool keep_client_header(struct dp_worker *w, struct flow *f,
			       const struct proxy_v2_info *pi, const char *name)
{
	uint8_t hdr[PROXY_V2_MAX_LEN];
	uint16_t src_port = rte_cpu_to_be_16(pi->src_port);
	uint16_t dst_port = rte_cpu_to_be_16(pi->dst_port);
	uint32_t src, dst;
	size_t len;

	if (pi->family == 0)
		return true;
	if (pi->family == 6) {
		len = proxy_v2_build6(hdr, sizeof(hdr), pi->src, src_port, pi->dst, dst_port, name);
	} else {
		memcpy(&src, pi->src, 4);
		memcpy(&dst, pi->dst, 4);
		len = proxy_v2_build(hdr, sizeof(hdr), src, src_port, dst, dst_port, name);
	}
	if (!len || !relay_proxy_header_keep(w, f, hdr, (uint16_t)len))
		return false;
	f->c.gateway_header = 1;
	return true;
}

/* Whether f's peer may announce a connection with a PROXY header: over TURN the server
 * vouched for it; directly, only a hand-written gateway's address may (with discovery,
 * the gateways are learned, and reach this one over TURN only: their listed addresses
 * are relays that other tenants of the same TURN server share). */
static bool peer_announces(struct dp_worker *w, const struct flow *f)
{
	const struct relay_live *live = relay_live_get(w->app);

	return f->via_turn || (!f->c.v6 && !live->conf.discovery.n_endpoints &&
			       relay_live_is_gateway(live, f->c.key.peer_ip));
}

bool relay_plain_from_gateway(struct dp_worker *w, struct flow *f)
{
	uint8_t buf[PROXY_V2_READ_MAX];
	uint32_t n = RTE_MIN(f->stream_len, PROXY_V2_READ_MAX);
	/* After a PROXY header of our own, kept from a member that failed (relay_connect.c). */
	const uint8_t *bytes = n ? rte_pktmbuf_read(f->stream, f->proxy_len, n, buf) : NULL;
	struct proxy_v2_info pi;
	char name[256]; /* SNI_NAME_MAX + 1 at least; what a PROXY authority may hold */
	size_t name_len = 0;

	/* One header a connection: after one, what follows is the client's (a second one is
	 * a hello that is not TLS). Anyone else's header is such a hello too. */
	if (!bytes || f->c.gateway_header || !peer_announces(w, f))
		return false;
	switch (proxy_v2_read(bytes, n, &pi)) {
	case PROXY_V2_NONE:
		return false;
	case PROXY_V2_NEED_MORE:
		return true; /* the hello timeout bounds the wait, as for a hello */
	case PROXY_V2_BAD:
		relay_abort(w, f, true, false, DP_DROP_gateway_proxy_bad);
		return true;
	case PROXY_V2_OK:
		break;
	}
	/* A plain service's header names it and its port; one before a hello may name
	 * nothing (a hello without SNI, routed by a default route). */
	if (pi.local || (pi.authority &&
			 sni_name_normalize((const char *)pi.authority, pi.authority_len, name,
					    &name_len) != SNI_NAME_OK) ||
	    (!pi.hello_follows && (!pi.authority || pi.dst_port == 0))) {
		relay_abort(w, f, true, false, DP_DROP_gateway_proxy_bad);
		return true;
	}
	name[name_len] = '\0';
	if (!relay_stream_skip(w, f, pi.header_len) ||
	    !keep_client_header(w, f, &pi, name_len ? name : NULL)) {
		relay_abort(w, f, true, false, DP_DROP_backend_unreachable);
		return true;
	}
	if (pi.hello_follows) { /* a TLS connection: routed by the hello behind the header */
		dp_event(w, DP_EV_client_via_gateway);
		return false;
	}
	f->plain = 1;
	f->gateway_plain = 1;
	dp_event(w, DP_EV_plain_via_gateway);
	relay_route(w, f, &(struct relay_route_key){ .name = name, .name_len = name_len,
						     .port = pi.dst_port });
	return true;
}
