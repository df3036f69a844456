/* SPDX-License-Identifier: BSD-3-Clause */
#include "dns_answer.h"

#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>

#include "relay_live.h"
#include "sni_parse.h"

const char *dns_answer_zone_of(const struct mr_dns_conf *dc, const char *name, size_t len)
{
	const char *best = NULL;
	size_t best_len = 0;

	for (unsigned int i = 0; i < dc->n_zones; i++) {
		size_t zl = strlen(dc->zones[i]);

		if ((!best || zl > best_len) &&
		    (len == zl ? memcmp(name, dc->zones[i], zl) == 0
			       : len > zl && name[len - zl - 1] == '.' &&
					 memcmp(name + len - zl, dc->zones[i], zl) == 0)) {
			best = dc->zones[i];
			best_len = zl;
		}
	}
	return best;
}

/* Whether the gateway routes name by a route of its own (not the default route). */
static bool routed(const struct relay_live *live, const struct dns_query *q)
{
	struct sni_result r;
	struct route_decision d;

	if (q->name_len == 0 || q->name_len > SNI_NAME_MAX)
		return false;
	memset(&r, 0, offsetof(struct sni_result, host));
	r.verdict = SNI_COMPLETE;
	r.has_sni = true;
	r.host_len = q->name_len;
	memcpy(r.host, q->name, q->name_len + 1u);
	/* A pool drained to no member of weight above 0 still routes its names: its clients
	 * are refused a connection, and the name is not denied for the negative TTL. */
	return (route_lookup(live->routes, &r, 0, &d) != ROUTE_REFUSED ||
		d.refusal == ROUTE_REFUSAL_EMPTY_POOL) &&
	       d.match != ROUTE_MATCH_DEFAULT;
}

/* Whether name (len bytes) lies under a mangled-name suffix of live: names under it are
 * routed by their form (`_443._10-1-0-2.SUFFIX`, `outbound_.8443_._.api.SUFFIX`), so a
 * name there that is not one may still lead to one (`_10-1-0-2.SUFFIX`): it exists
 * (RFC 8020), it only has no record. */
static bool under_mangled(const struct relay_live *live, const char *name, size_t len)
{
	for (unsigned int i = 0; i < live->conf.n_mangled; i++) {
		const char *sfx = live->conf.mangled[i].suffix;
		size_t sl = strlen(sfx);

		if (len > sl && name[len - sl - 1] == '.' && strncasecmp(name + len - sl, sfx, sl) == 0)
			return true;
	}
	return false;
}

enum dns_rcode dns_answer_decide(const struct dp_port *p, const struct relay_live *live,
				 const struct dns_query *q, struct dns_addr_rr *rrs, unsigned int *n,
				 const char **zone, enum dp_event *ev)
{
	const struct mr_dns_conf *dc = &live->conf.dns;
	bool apex, routes;
	uint32_t vip;

	*n = 0;
	*zone = NULL;
	/* The zones are class IN: other classes (CH, HS) are not ours to deny. Nor is a zone
	 * transfer ours to give (the zones are made of the routes): refused, as RFC 5936
	 * 2.2.1 has a server that will not transfer say, where an empty success would be
	 * taken by a secondary for a transfer gone wrong. */
	if ((q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY) ||
	    q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR) {
		*ev = DP_EV_dns_refused;
		return DNS_RCODE_REFUSED;
	}
	*zone = dns_answer_zone_of(dc, q->name, q->name_len);
	vip = route_table_service_vip(live->routes, q->name, q->name_len);
	apex = *zone && strlen(*zone) == q->name_len;
	if (apex && (q->qtype == DNS_TYPE_SOA || q->qtype == DNS_TYPE_ANY))
		rrs[(*n)++].type = DNS_TYPE_SOA;
	routes = vip || routed(live, q);
	/* A zone's own name, or a name of it with routed names below it (or under a mangled
	 * suffix): it exists, with no record of its own (NXDOMAIN would deny every name
	 * below it, RFC 8020). */
	if (!routes && (apex || (*zone && (relay_live_is_parent(live, q->name) ||
					    under_mangled(live, q->name, q->name_len))))) {
		*ev = *n ? DP_EV_dns_answered : DP_EV_dns_nodata;
		return DNS_RCODE_NOERROR;
	}
	if (!routes) {
		if (*zone) {
			*ev = DP_EV_dns_nxdomain;
			return DNS_RCODE_NXDOMAIN;
		}
		*ev = DP_EV_dns_refused;
		return DNS_RCODE_REFUSED;
	}
	/* A plain TCP service has its own address (IPv4 only), which tells it apart from the
	 * other services on the same port; any other routed name gets the port's. */
	if (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_ANY) {
		uint32_t a = rte_cpu_to_be_32(vip ? vip : p->ipv4);

		rrs[*n].type = DNS_TYPE_A;
		memcpy(rrs[(*n)++].addr, &a, 4);
	}
	if ((q->qtype == DNS_TYPE_AAAA || q->qtype == DNS_TYPE_ANY) && !vip && p->has_ipv6) {
		rrs[*n].type = DNS_TYPE_AAAA;
		memcpy(rrs[(*n)++].addr, p->ipv6, 16);
	}
	*ev = *n ? DP_EV_dns_answered : DP_EV_dns_nodata;
	return DNS_RCODE_NOERROR;
}
