/* SPDX-License-Identifier: BSD-3-Clause */
/* Plain TCP services: the VIP allocator (vip_alloc), services in the route table, and the
 * PROXY v2 reader another gateway's header goes through (proxy_v2_read). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_v2_read.h"
#include "route_table.h"
#include "test_suites.h"
#include "vip_alloc.h"

#define VIP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct vip_range range16 = { VIP(240, 240, 0, 0), 16 };

static void test_vip_range_checks(void)
{
	struct vip_range r = { VIP(240, 240, 0, 0), 16 };

	CU_ASSERT_TRUE(vip_range_valid(&r));
	CU_ASSERT_TRUE(vip_range_holds(&r, VIP(240, 240, 12, 3)));
	CU_ASSERT_FALSE(vip_range_holds(&r, VIP(240, 241, 0, 1)));
	r.base = VIP(240, 240, 0, 1); /* bits past the prefix */
	CU_ASSERT_FALSE(vip_range_valid(&r));
	r = (struct vip_range){ VIP(10, 0, 0, 0), 31 };
	CU_ASSERT_FALSE(vip_range_valid(&r));
	r = (struct vip_range){ VIP(10, 0, 0, 0), 7 };
	CU_ASSERT_FALSE(vip_range_valid(&r));
}

/* Every address handed out is a host of the range (never its network or broadcast). */
static void check_hosts(const struct vip_range *r, const uint32_t *vips, size_t n)
{
	uint32_t mask = ~0u << (32 - r->prefix_len);

	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_TRUE(vip_range_holds(r, vips[i]));
		CU_ASSERT_NOT_EQUAL(vips[i], r->base);
		CU_ASSERT_NOT_EQUAL(vips[i], r->base | ~mask);
		for (size_t k = 0; k < i; k++)
			CU_ASSERT_NOT_EQUAL(vips[i], vips[k]);
	}
}

static void test_vip_stable(void)
{
	const char *names[] = { "ssh.b.mesh.test", "db.b.mesh.test", "mq.a.mesh.test" };
	const char *reordered[] = { "mq.a.mesh.test", "ssh.b.mesh.test", "db.b.mesh.test" };
	uint32_t vips[3], again[3], alone;
	size_t bad;

	CU_ASSERT_EQUAL_FATAL(vip_assign(&range16, names, NULL, 3, vips, &bad), 0);
	check_hosts(&range16, vips, 3);
	/* The same set in another order: the same addresses. */
	CU_ASSERT_EQUAL_FATAL(vip_assign(&range16, reordered, NULL, 3, again, &bad), 0);
	CU_ASSERT_EQUAL(vips[0], again[1]);
	CU_ASSERT_EQUAL(vips[1], again[2]);
	CU_ASSERT_EQUAL(vips[2], again[0]);
	/* Without collisions each name has its preferred address, whatever else is there. */
	alone = vip_preferred(&range16, "ssh.b.mesh.test", strlen("ssh.b.mesh.test"));
	CU_ASSERT_EQUAL(vips[0], alone);
	CU_ASSERT_EQUAL_FATAL(vip_assign(&range16, names, NULL, 1, again, &bad), 0);
	CU_ASSERT_EQUAL(again[0], alone);
}

/* A /30 has two hosts: three names do not fit, two always do, and a collision is settled
 * by the names' order, not the order they were given in. */
static void test_vip_collisions(void)
{
	const struct vip_range tiny = { VIP(240, 240, 0, 0), 30 };
	const char *names[] = { "b.test", "a.test", "c.test" };
	const char *two_ab[] = { "a.test", "b.test" };
	const char *two_ba[] = { "b.test", "a.test" };
	uint32_t v1[3], v2[2];
	size_t bad;

	CU_ASSERT_EQUAL(vip_assign(&tiny, names, NULL, 3, v1, &bad), -1);
	CU_ASSERT_EQUAL_FATAL(vip_assign(&tiny, two_ab, NULL, 2, v1, &bad), 0);
	CU_ASSERT_EQUAL_FATAL(vip_assign(&tiny, two_ba, NULL, 2, v2, &bad), 0);
	check_hosts(&tiny, v1, 2);
	CU_ASSERT_EQUAL(v1[0], v2[1]);
	CU_ASSERT_EQUAL(v1[1], v2[0]);
	/* "a.test" sorts first: it has its preferred address. */
	CU_ASSERT_EQUAL(v1[0], vip_preferred(&tiny, "a.test", 6));
}

static void test_vip_pins(void)
{
	const char *names[] = { "a.test", "b.test", "c.test" };
	uint32_t pins[3] = { 0, VIP(240, 240, 0, 9), 0 };
	uint32_t vips[3];
	size_t bad;

	CU_ASSERT_EQUAL_FATAL(vip_assign(&range16, names, pins, 3, vips, &bad), 0);
	CU_ASSERT_EQUAL(vips[1], VIP(240, 240, 0, 9));
	check_hosts(&range16, vips, 3);
	pins[2] = VIP(240, 240, 0, 9); /* two names pinned to one address */
	CU_ASSERT_EQUAL(vip_assign(&range16, names, pins, 3, vips, &bad), -1);
	CU_ASSERT_EQUAL(bad, 2);
	pins[2] = VIP(10, 0, 0, 1); /* outside the range */
	CU_ASSERT_EQUAL(vip_assign(&range16, names, pins, 3, vips, &bad), -1);
	CU_ASSERT_EQUAL(bad, 2);
	/* The range's network and broadcast addresses are the link's, never a service's. */
	pins[2] = VIP(240, 240, 0, 0);
	CU_ASSERT_EQUAL(vip_assign(&range16, names, pins, 3, vips, &bad), -1);
	CU_ASSERT_EQUAL(bad, 2);
	pins[2] = VIP(240, 240, 255, 255);
	CU_ASSERT_EQUAL(vip_assign(&range16, names, pins, 3, vips, &bad), -1);
	CU_ASSERT_EQUAL(bad, 2);
	pins[2] = VIP(240, 240, 255, 254); /* the last host is fine */
	CU_ASSERT_EQUAL(vip_assign(&range16, names, pins, 3, vips, &bad), 0);
	CU_ASSERT_TRUE(vip_range_holds_host(&range16, VIP(240, 240, 0, 1)));
	CU_ASSERT_FALSE(vip_range_holds_host(&range16, VIP(240, 241, 0, 1)));
}

/* Addresses held back: no unpinned name takes one, a pin may; with the range too full
 * to hold them all, as many as leave every name an address, in the order listed. */
static void test_vip_avoiding(void)
{
	const struct vip_range tiny = { VIP(240, 240, 0, 0), 29 }; /* 6 hosts */
	const char *names[] = { "a.test", "b.test", "c.test" };
	uint32_t avoid[4], pins[3] = { 0 }, vips[3];
	size_t bad;

	CU_ASSERT_EQUAL_FATAL(vip_assign(&tiny, names, NULL, 3, vips, &bad), 0);
	avoid[0] = vips[0]; /* what a.test would take */
	CU_ASSERT_EQUAL_FATAL(vip_assign_avoiding(&tiny, names, NULL, 3, avoid, 1, vips, &bad), 0);
	check_hosts(&tiny, vips, 3);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_NOT_EQUAL(vips[i], avoid[0]);
	pins[1] = avoid[0];
	CU_ASSERT_EQUAL_FATAL(vip_assign_avoiding(&tiny, names, pins, 3, avoid, 1, vips, &bad), 0);
	CU_ASSERT_EQUAL(vips[1], avoid[0]);
	/* Four held where three names leave room for three: the first three held, the last
	 * given out. */
	for (int i = 0; i < 4; i++)
		avoid[i] = VIP(240, 240, 0, 1 + i);
	CU_ASSERT_EQUAL_FATAL(vip_assign_avoiding(&tiny, names, NULL, 3, avoid, 4, vips, &bad), 0);
	check_hosts(&tiny, vips, 3);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(vips[i] > VIP(240, 240, 0, 3));
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 5,000 names in a /16: all placed, all distinct, and the same again. */
static void test_vip_many(void)
{
	enum { N = 5000 };
	static char text[N][24];
	static const char *names[N];
	static uint32_t vips[N], again[N];
	size_t bad;

	for (int i = 0; i < N; i++) {
		snprintf(text[i], sizeof(text[i]), "svc%d.mesh.test", i);
		names[i] = text[i];
	}
	CU_ASSERT_EQUAL_FATAL(vip_assign(&range16, names, NULL, N, vips, &bad), 0);
	CU_ASSERT_EQUAL_FATAL(vip_assign(&range16, names, NULL, N, again, &bad), 0);
	CU_ASSERT_EQUAL(memcmp(vips, again, sizeof(vips)), 0);
	check_hosts(&range16, vips, 64); /* pairwise on a slice; distinctness below */
	qsort(again, N, sizeof(again[0]), u32_cmp);
	for (int i = 1; i < N; i++)
		CU_ASSERT_NOT_EQUAL(again[i], again[i - 1]);
}

int suite_vip_alloc(void)
{
	CU_pSuite s = CU_add_suite("vip_alloc", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "ranges", test_vip_range_checks);
	CU_add_test(s, "stable by name, not by order", test_vip_stable);
	CU_add_test(s, "collisions settled by name", test_vip_collisions);
	CU_add_test(s, "pinned addresses", test_vip_pins);
	CU_add_test(s, "addresses held back", test_vip_avoiding);
	CU_add_test(s, "5,000 names", test_vip_many);
	return 0;
}

/* A table with pool 0 {10.1.0.5:22, 10.1.0.6:22}, pool 1 {10.1.0.7:5432}, network "b",
 * and services ssh (22, 2222) and db (5432) locally, mq.b (5672) in network b. */
static struct route_table *services_table(enum route_status *st)
{
	struct route_builder *b = route_builder_new();
	struct ip_addr m1, m2, m3;
	uint32_t p0, p1, net_local, net_b;
	struct route_table *t;

	ip_addr_parse("10.1.0.5", &m1);
	ip_addr_parse("10.1.0.6", &m2);
	ip_addr_parse("10.1.0.7", &m3);
	route_builder_add_network(b, "a", true, &net_local);
	route_builder_add_network(b, "b", false, &net_b);
	route_builder_add_pool(b, &p0);
	route_builder_add_pool(b, &p1);
	route_builder_add_member(b, p0, &m1, 22, 1);
	route_builder_add_member(b, p0, &m2, 22, 1);
	route_builder_add_member(b, p1, &m3, 5432, 1);
	route_builder_add_route(b, "www.a.mesh.test",
				&(struct route_target){ ROUTE_TARGET_POOL, p1, false });
	route_builder_add_service(b, "SSH.a.mesh.test", VIP(240, 240, 0, 2), 22,
				  &(struct route_target){ ROUTE_TARGET_POOL, p0, false });
	route_builder_add_service(b, "ssh.a.mesh.test", VIP(240, 240, 0, 2), 2222,
				  &(struct route_target){ ROUTE_TARGET_POOL, p0, false });
	route_builder_add_service(b, "db.a.mesh.test", VIP(240, 240, 0, 3), 5432,
				  &(struct route_target){ ROUTE_TARGET_POOL, p1, true });
	route_builder_add_service(b, "mq.b.mesh.test", VIP(240, 240, 0, 4), 5672,
				  &(struct route_target){ ROUTE_TARGET_NETWORK, net_b, false });
	t = route_builder_finish(b, st);
	route_builder_free(b);
	return t;
}

static void test_services_lookup(void)
{
	enum route_status st;
	struct route_table *t = services_table(&st);
	struct route_pick pick = { .client_key = 7 };
	struct route_decision d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(route_table_service_count(t), 4);
	CU_ASSERT_EQUAL(route_lookup_vip(t, VIP(240, 240, 0, 2), 22, &pick, &d), ROUTE_LOCAL);
	CU_ASSERT_EQUAL(d.match, ROUTE_MATCH_SERVICE);
	CU_ASSERT_EQUAL(d.port, 22);
	CU_ASSERT_EQUAL(d.service_len, strlen("ssh.a.mesh.test"));
	CU_ASSERT_NSTRING_EQUAL(d.service, "ssh.a.mesh.test", d.service_len); /* lower case */
	CU_ASSERT_EQUAL(route_lookup_vip(t, VIP(240, 240, 0, 2), 2222, &pick, &d), ROUTE_LOCAL);
	CU_ASSERT_EQUAL(route_lookup_vip(t, VIP(240, 240, 0, 3), 5432, &pick, &d), ROUTE_LOCAL);
	CU_ASSERT_TRUE(d.proxy_protocol_v2);
	CU_ASSERT_EQUAL(d.port, 5432);
	CU_ASSERT_EQUAL(route_lookup_vip(t, VIP(240, 240, 0, 4), 5672, &pick, &d), ROUTE_REMOTE);
	CU_ASSERT_EQUAL(d.network_id, 1);
	/* Wrong port, wrong address: refused as unrouted. */
	CU_ASSERT_EQUAL(route_lookup_vip(t, VIP(240, 240, 0, 2), 23, &pick, &d), ROUTE_REFUSED);
	CU_ASSERT_EQUAL(d.refusal, ROUTE_REFUSAL_NO_ROUTE);
	CU_ASSERT_FALSE(route_table_vip_port(t, VIP(240, 240, 0, 9), 22));
	CU_ASSERT_TRUE(route_table_vip_port(t, VIP(240, 240, 0, 2), 2222));
	/* By name and port, as another gateway tells it. */
	CU_ASSERT_EQUAL(route_lookup_service(t, "db.a.mesh.test", 14, 5432, &pick, &d), ROUTE_LOCAL);
	CU_ASSERT_EQUAL(route_lookup_service(t, "db.a.mesh.test", 14, 22, &pick, &d),
			ROUTE_REFUSED);
	CU_ASSERT_EQUAL(route_lookup_service(t, "www.a.mesh.test", 15, 443, &pick, &d),
			ROUTE_REFUSED);
	/* DNS: the name's VIP; a TLS route's name has none. */
	CU_ASSERT_EQUAL(route_table_service_vip(t, "ssh.a.mesh.test", 15), VIP(240, 240, 0, 2));
	CU_ASSERT_EQUAL(route_table_service_vip(t, "www.a.mesh.test", 15), 0);
	CU_ASSERT_EQUAL(route_table_service_vip(t, "ssh.a.mesh", 10), 0);
	route_table_free(t);
}

/* The member chosen for a client is the same each time, and both members get clients. */
static void test_services_pick(void)
{
	enum route_status st;
	struct route_table *t = services_table(&st);
	unsigned int seen[2] = { 0, 0 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint64_t client = 0; client < 200; client++) {
		struct route_pick pick = { .client_key = client * 7919 };
		struct route_decision d1, d2;

		route_lookup_vip(t, VIP(240, 240, 0, 2), 22, &pick, &d1);
		route_lookup_vip(t, VIP(240, 240, 0, 2), 22, &pick, &d2);
		CU_ASSERT_EQUAL(d1.member, d2.member);
		seen[d1.member & 1]++;
	}
	CU_ASSERT_TRUE(seen[0] > 50 && seen[1] > 50);
	route_table_free(t);
}

static void test_services_errors(void)
{
	struct route_builder *b = route_builder_new();
	struct route_target t0;
	uint32_t p0;
	enum route_status st;
	struct route_table *t;

	route_builder_add_pool(b, &p0);
	t0 = (struct route_target){ ROUTE_TARGET_POOL, p0, false };
	CU_ASSERT_EQUAL(route_builder_add_service(b, "bad name!", VIP(240, 0, 0, 1), 22, &t0),
			ROUTE_ERR_BAD_NAME);
	route_builder_free(b);
	b = route_builder_new();
	route_builder_add_pool(b, &p0);
	CU_ASSERT_EQUAL(route_builder_add_service(b, "a.test", VIP(240, 0, 0, 1), 0, &t0),
			ROUTE_ERR_BAD_TARGET);
	route_builder_free(b);
	/* Without a VIP: reached by name and port only; DNS has no address for it. */
	b = route_builder_new();
	route_builder_add_pool(b, &p0);
	route_builder_add_member(b, p0, &(struct ip_addr){ .family = IP_ADDR_FAMILY_V4,
							  .bytes = { 10, 0, 0, 5 } }, 22, 1);
	CU_ASSERT_EQUAL(route_builder_add_service(b, "a.test", 0, 22, &t0), ROUTE_OK);
	t = route_builder_finish(b, &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	{
		struct route_pick pick = { .client_key = 1 };
		struct route_decision d;

		CU_ASSERT_EQUAL(route_lookup_service(t, "a.test", 6, 22, &pick, &d), ROUTE_LOCAL);
		CU_ASSERT_EQUAL(route_table_service_vip(t, "a.test", 6), 0);
		CU_ASSERT_FALSE(route_table_vip_port(t, 0, 22));
	}
	route_table_free(t);
	route_builder_free(b);
	/* One name with two addresses, one address and port twice, one name and port twice. */
	const struct { const char *n2; uint32_t v2; uint16_t p2; } dup[] = {
		{ "a.test", VIP(240, 0, 0, 2), 23 },
		{ "b.test", VIP(240, 0, 0, 1), 22 },
		{ "a.test", VIP(240, 0, 0, 1), 22 },
	};
	for (size_t i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
		b = route_builder_new();
		route_builder_add_pool(b, &p0);
		route_builder_add_service(b, "a.test", VIP(240, 0, 0, 1), 22, &t0);
		route_builder_add_service(b, dup[i].n2, dup[i].v2, dup[i].p2, &t0);
		t = route_builder_finish(b, &st);
		CU_ASSERT_PTR_NULL(t);
		CU_ASSERT_EQUAL(st, ROUTE_ERR_DUPLICATE);
		route_table_free(t);
		route_builder_free(b);
	}
}

int suite_route_services(void)
{
	CU_pSuite s = CU_add_suite("route_services", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "by VIP, by name and port, VIP of a name", test_services_lookup);
	CU_add_test(s, "stable member per client", test_services_pick);
	CU_add_test(s, "builder errors", test_services_errors);
	return 0;
}

/* A header as HAProxy 2.x sends it for 192.0.2.10:40000 -> 240.240.0.2:22 with an
 * authority TLV "ssh.b.mesh.test" and a NOOP TLV of 3 bytes, then one byte of data. */
static const uint8_t haproxy_v4[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11, 0x00, 0x24,
	192, 0, 2, 10, 240, 240, 0, 2, 0x9c, 0x40, 0x00, 0x16,
	0x02, 0x00, 0x0f, 's', 's', 'h', '.', 'b', '.', 'm', 'e', 's', 'h', '.', 't', 'e', 's',
	't',
	0x04, 0x00, 0x03, 0, 0, 0,
	'S',
};

static void test_proxy_read_v4(void)
{
	struct proxy_v2_info pi;

	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(haproxy_v4, sizeof(haproxy_v4), &pi), PROXY_V2_OK);
	CU_ASSERT_EQUAL(pi.header_len, sizeof(haproxy_v4) - 1);
	CU_ASSERT_FALSE(pi.local);
	CU_ASSERT_EQUAL(pi.family, 4);
	CU_ASSERT_EQUAL(pi.src_port, 40000);
	CU_ASSERT_EQUAL(pi.dst_port, 22);
	CU_ASSERT_EQUAL(memcmp(pi.dst, (uint8_t[]){ 240, 240, 0, 2 }, 4), 0);
	CU_ASSERT_EQUAL(pi.authority_len, 15);
	CU_ASSERT_NSTRING_EQUAL(pi.authority, "ssh.b.mesh.test", 15);
	/* Every shorter prefix asks for more; none reads past what it is given. */
	for (size_t n = 0; n < sizeof(haproxy_v4) - 1; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, haproxy_v4, n);
		CU_ASSERT_EQUAL(proxy_v2_read(copy, n, &pi), PROXY_V2_NEED_MORE);
		free(copy);
	}
}

static void test_proxy_read_bad(void)
{
	uint8_t h[sizeof(haproxy_v4)];
	struct proxy_v2_info pi;
	static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };

	CU_ASSERT_EQUAL(proxy_v2_read(tls, sizeof(tls), &pi), PROXY_V2_NONE);
	CU_ASSERT_EQUAL(proxy_v2_read((const uint8_t *)"\r\n\r\nX", 5, &pi), PROXY_V2_NONE);
	memcpy(h, haproxy_v4, sizeof(h));
	h[12] = 0x11; /* version 1 in a binary header */
	CU_ASSERT_EQUAL(proxy_v2_read(h, sizeof(h), &pi), PROXY_V2_BAD);
	memcpy(h, haproxy_v4, sizeof(h));
	h[13] = 0x31; /* AF_UNIX is not ours */
	CU_ASSERT_EQUAL(proxy_v2_read(h, sizeof(h), &pi), PROXY_V2_BAD);
	memcpy(h, haproxy_v4, sizeof(h));
	h[30] = 0x40; /* the authority TLV runs past the header */
	CU_ASSERT_EQUAL(proxy_v2_read(h, sizeof(h), &pi), PROXY_V2_BAD);
	memcpy(h, haproxy_v4, sizeof(h));
	h[14] = 0x02; /* a header longer than is ever accepted */
	h[15] = 0x20;
	CU_ASSERT_EQUAL(proxy_v2_read(h, sizeof(h), &pi), PROXY_V2_BAD);
	memcpy(h, haproxy_v4, sizeof(h));
	h[15] = 0x08; /* an address block cut short */
	CU_ASSERT_EQUAL(proxy_v2_read(h, sizeof(h), &pi), PROXY_V2_BAD);
}

static void test_proxy_read_local_unspec(void)
{
	static const uint8_t local[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x20, 0x00, 0x00, 0x00,
	};
	struct proxy_v2_info pi;

	CU_ASSERT_EQUAL_FATAL(proxy_v2_read(local, sizeof(local), &pi), PROXY_V2_OK);
	CU_ASSERT_TRUE(pi.local);
	CU_ASSERT_EQUAL(pi.family, 0);
	CU_ASSERT_PTR_NULL(pi.authority);
	CU_ASSERT_EQUAL(pi.header_len, 16);
}

int suite_proxy_v2_read(void)
{
	CU_pSuite s = CU_add_suite("proxy_v2_read", NULL, NULL);

	if (s == NULL)
		return -1;
	CU_add_test(s, "an IPv4 header with TLVs", test_proxy_read_v4);
	CU_add_test(s, "malformed headers", test_proxy_read_bad);
	CU_add_test(s, "LOCAL, UNSPEC", test_proxy_read_local_unspec);
	return 0;
}
