/* SPDX-License-Identifier: BSD-3-Clause */
/* A connection's route: the live route table's decision for its hello, its plain
 * service's name or its VIP and port; the pool member (by health, and after the one that
 * failed on a redispatch) or the other network's gateway chosen, and its backend side
 * opened; or the refusal counted and the client reset. */
#include "relay_route.h"

#include <string.h>

#include <rte_hash_crc.h>

#include "connlog.h"
#include "health.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "turn_bind_slot.h"

static bool slot_usable(const void *ctx, uint32_t slot)
{
	return health_usable(ctx, slot);
}

/* The other network's gateway classifies the same hello again, so the bytes go there
 * exactly as the client sent them, behind a PROXY header only where that gateway reads one
 * (client_header). A gateway down or ejected is passed over like a pool member; a
 * redispatch continues after the one that failed (f->member). */
static void hello_route_remote(struct dp_worker *w, struct flow *f, const char *name,
			       const struct relay_live *live, const struct route_decision *d,
			       uint64_t client_key, uint32_t failed_slot)
{
	struct relay_gateway_pick pick = { slot_usable, w->app->health, failed_slot };
	uint32_t i = relay_live_gateway_pick(live, d->network_id, client_key, &pick);
	const struct relay_gateway *g = i == UINT32_MAX ? NULL : &live->gateways[i];
	const char *network = live->conf.networks[d->network_id].name;
	struct ip_addr gw;

	if (!g || !g->addr) {
		/* The log names the network no gateway was left for. */
		connlog_routed(w, f, CONNLOG_ROUTE_REMOTE, network, NULL, 0, d->service,
			       d->service_len);
		return relay_abort(w, f, true, false, failed_slot == UINT32_MAX
						      ? DP_DROP_route_no_gateway : DP_DROP_pool_tried);
	}
	f->member = relay_live_gateway_slot(live, i);
	f->sole_member = live->gateways_of[d->network_id + 1] - live->gateways_of[d->network_id] < 2;
	if (!f->dispatches)
		dp_event(w, DP_EV_route_remote);
	gw = ip_addr_v4(rte_be_to_cpu_32(g->addr));
	connlog_routed(w, f, CONNLOG_ROUTE_REMOTE, network, &gw, rte_be_to_cpu_16(g->port),
		       d->service, d->service_len);
	/* A plain connection has no hello: the other gateway learns its service from the
	 * PROXY header's authority and destination port. A TLS one goes with a header too
	 * where the gateway reads one before the hello (marked so): it names the client,
	 * whom the other gateway only knows as this one. */
	relay_connect(w, f, &gw, g->port, f->plain || g->client_header, name, false);
}

/* One of the appliance's own addresses (a port's, or one of its source addresses): a
 * connection there would only come back to it. */
static bool own_address(const struct dp_appliance *app, const struct ip_addr *a)
{
	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dp_port *p = &app->ports[i];
		uint32_t v4_be;

		if (a->family == IP_ADDR_FAMILY_V6) {
			if (p->has_ipv6 && memcmp(a->bytes, p->ipv6, 16) == 0)
				return true;
			continue;
		}
		memcpy(&v4_be, a->bytes, 4);
		if (dp_port_own_ipv4(p, rte_be_to_cpu_32(v4_be)))
			return true;
	}
	return false;
}

static enum dp_drop refusal_drop(enum route_refusal refusal)
{
	switch (refusal) {
	case ROUTE_REFUSAL_NO_ROUTE:
		return DP_DROP_route_no_route;
	case ROUTE_REFUSAL_NOT_ALLOWED:
		return DP_DROP_route_not_allowed;
	case ROUTE_REFUSAL_POOL_TRIED:
		return DP_DROP_pool_tried;
	case ROUTE_REFUSAL_BAD_DESTINATION:
		return DP_DROP_route_bad_destination;
	default:
		return DP_DROP_route_refused;
	}
}

/* What a pool's choice of member is stable for: the client, or for a connection that came
 * over TURN the peer its ConnectionAttempt named (not the TURN server all of them come
 * from). */
static uint64_t hello_client_key(struct dp_worker *w, const struct flow *f)
{
	struct ip_addr peer;
	uint16_t port;

	if (f->via_turn && turn_bind_peer(w, f, &peer, &port))
		return rte_hash_crc_8byte((uint64_t)flow_addr6_digest(peer.bytes) << 16 | port, 0);
	return rte_hash_crc_8byte((uint64_t)f->c.key.peer_ip << 16 | f->c.key.peer_port, 0);
}

/* What a member choice consults: the members' health, and on a redispatch the member that
 * failed last (the choice continues after it in the client's order). */
struct pick_ctx {
	const struct relay_live *live;
	const struct relay_health *health;
	uint32_t failed_slot;
};

static bool member_usable(const void *ctx, uint32_t member)
{
	const struct pick_ctx *c = ctx;

	return health_usable(c->health, relay_live_member_slot(c->live, member));
}

static bool member_tried(const void *ctx, uint32_t member)
{
	const struct pick_ctx *c = ctx;

	return relay_live_member_slot(c->live, member) == c->failed_slot;
}

static void count_pick(struct dp_worker *w, const struct route_decision *d)
{
	if (d->pick_note == ROUTE_PICK_AVOIDED)
		dp_event(w, DP_EV_member_avoided);
	else if (d->pick_note == ROUTE_PICK_NONE_USABLE)
		dp_event(w, DP_EV_pool_all_down);
}

/* The decision for f by what k holds. */
static enum route_kind route_by(const struct relay_live *live, const struct relay_route_key *k,
				const struct route_pick *pick, struct route_decision *d)
{
	if (k->hello)
		return route_lookup_pick(live->routes, k->hello, pick, d);
	if (k->name)
		return route_lookup_service(live->routes, k->name, k->name_len, k->port, pick, d);
	return route_lookup_vip(live->routes, k->vip, k->port, pick, d);
}

void relay_route(struct dp_worker *w, struct flow *f, const struct relay_route_key *k)
{
	const struct relay_live *live = relay_live_get(w->app);
	struct route_decision d;
	uint64_t client_key = hello_client_key(w, f);
	struct pick_ctx ctx = { live, w->app->health, f->member };
	struct route_pick pick = { client_key, member_usable,
				   f->dispatches && f->member != FLOW_NO_MEMBER ? member_tried : NULL,
				   &ctx };
	uint32_t failed = f->dispatches ? f->member : FLOW_NO_MEMBER;
	enum route_kind kind = route_by(live, k, &pick, &d);
	char name[SNI_NAME_MAX + 1];

	/* The name the backend or the other gateway is told: the hello's or the service's. */
	if (d.service) {
		memcpy(name, d.service, d.service_len);
		name[d.service_len] = '\0';
	} else if (k->hello && k->hello->has_sni) {
		memcpy(name, k->hello->host, k->hello->host_len + 1u);
	} else {
		name[0] = '\0';
	}
	if (!f->dispatches)
		dp_event(w, f->plain ? DP_EV_plain_routed : DP_EV_hello_complete);
	if (k->hello)
		connlog_hello(w, f, k->hello);
	f->member = FLOW_NO_MEMBER;
	switch (kind) {
	case ROUTE_LOCAL:
		if (d.match == ROUTE_MATCH_MANGLED && own_address(w->app, &d.addr))
			return relay_abort(w, f, true, false, DP_DROP_route_bad_destination);
		count_pick(w, &d);
		connlog_routed(w, f, CONNLOG_ROUTE_LOCAL,
			       d.pool_id != ROUTE_ID_NONE ? live->conf.pools[d.pool_id].name : NULL,
			       &d.addr, d.port, d.service, d.service_len);
		f->member = relay_live_member_slot(live, d.member);
		/* No other member to send it to: weight 0 members are never chosen, a redispatch
		 * could only end in pool_tried. */
		f->sole_member = d.pool_id == ROUTE_ID_NONE ||
				 route_table_pool_choosable(live->routes, d.pool_id) < 2;
		if (!f->dispatches) {
			dp_event(w, DP_EV_route_local);
			if (d.pool_id != ROUTE_ID_NONE)
				dp_count(&w->pool_flows[relay_live_pool_counter(live, d.pool_id)], 1);
		}
		return relay_connect(w, f, &d.addr, rte_cpu_to_be_16(d.port), d.proxy_protocol_v2,
				     name[0] ? name : NULL, true);
	case ROUTE_REMOTE:
		/* What came over another network's TURN server is for this network's services:
		 * this gateway is nobody's transit to a third network. */
		if (f->via_turn)
			return relay_abort(w, f, true, false, DP_DROP_turn_transit);
		return hello_route_remote(w, f, name[0] ? name : NULL, live, &d, client_key, failed);
	default:
		/* The log names the pool that had no member to give (and a plain service's name). */
		if (d.pool_id != ROUTE_ID_NONE)
			connlog_routed(w, f, CONNLOG_ROUTE_LOCAL, live->conf.pools[d.pool_id].name,
				       NULL, 0, d.service, d.service_len);
		return relay_abort(w, f, true, false, refusal_drop(d.refusal));
	}
}
