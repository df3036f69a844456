/* SPDX-License-Identifier: BSD-3-Clause */
/* bench-sni: ns per ClientHello parse + route lookup for the captured hellos, with route
 * tables of 1, 1k and 100k routes. Usage: bench-sni [iterations] (fixtures as in tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hello_fixtures.h"
#include "route_table.h"

static const int table_sizes[] = { 1, 1000, 100000 };
#define TABLES (sizeof(table_sizes) / sizeof(table_sizes[0]))

static struct hello_fixture fixtures[FIXTURE_MAX];

/* The fixtures' names resolve in every table: one exact route, then filler routes and
 * wildcards, and a mangled suffix for the mangled names. */
static struct route_table *build_table(int routes)
{
	struct route_builder *b = route_builder_new();
	struct route_target to_pool = { ROUTE_TARGET_POOL, 0, false };
	struct ip_addr prefix = ip_addr_v4(0x0a000000u), member = ip_addr_v4(0x0a000005u);
	uint32_t pool, net;
	char name[64];
	enum route_status st;

	route_builder_add_network(b, "blue", true, &net);
	route_builder_allow_prefix(b, net, &prefix, 8);
	route_builder_allow_ports(b, net, 1, 65535);
	route_builder_add_mangled_suffix(b, "mesh.internal", MANGLE_FORM_ALL, net, false);
	route_builder_add_pool(b, &pool);
	route_builder_add_member(b, pool, &member, 443, 1);
	member = ip_addr_v4(0x0a000006u);
	route_builder_add_member(b, pool, &member, 443, 2);
	to_pool.id = pool;
	route_builder_set_default(b, &to_pool);
	route_builder_add_route(b, "api.svc.example", &to_pool);
	for (int i = 1; i < routes; i++) {
		snprintf(name, sizeof(name), i % 10 ? "svc-%d.ns-%d.example" : "*.w%d.ns-%d.example",
			 i, i % 97);
		route_builder_add_route(b, name, &to_pool);
	}
	if (routes > 1)
		route_builder_add_route(b, "*.svc.example", &to_pool);
	struct route_table *t = route_builder_finish(b, &st);
	route_builder_free(b);
	if (t == NULL)
		fprintf(stderr, "bench-sni: table of %d routes: %s\n", routes, route_status_str(st));
	return t;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Mean ns of one parse + lookup of fixture f against t. */
static double time_one(const struct route_table *t, const struct hello_fixture *f, long iters,
		       unsigned *sink)
{
	struct sni_span span = { f->bytes, f->len };
	struct sni_result r;
	struct route_decision d;
	double start = now_ns();

	for (long i = 0; i < iters; i++) {
		sni_parse(&span, 1, NULL, &r);
		route_lookup(t, &r, (uint64_t)i, &d);
		*sink += d.kind + d.port;
	}
	return (now_ns() - start) / (double)iters;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	int n = fixture_load_all(fixture_dir(), fixtures, FIXTURE_MAX);
	struct route_table *tables[TABLES];
	unsigned sink = 0;
	double sum[TABLES] = { 0 }, worst[TABLES] = { 0 };

	if (n <= 0 || iters <= 0) {
		fprintf(stderr, "bench-sni: no fixtures in %s\n", fixture_dir());
		return 1;
	}
	for (size_t k = 0; k < TABLES; k++)
		if ((tables[k] = build_table(table_sizes[k])) == NULL)
			return 1;
	printf("%-60s %10s %10s %10s\n", "ns per parse+lookup", "1 route", "1k routes",
	       "100k routes");
	for (int i = 0; i < n; i++) {
		printf("%-60s", fixtures[i].file);
		for (size_t k = 0; k < TABLES; k++) {
			time_one(tables[k], &fixtures[i], iters / 10 + 1, &sink); /* warm up */
			double ns = time_one(tables[k], &fixtures[i], iters, &sink);
			sum[k] += ns;
			worst[k] = ns > worst[k] ? ns : worst[k];
			printf(" %10.1f", ns);
		}
		printf("\n");
	}
	printf("%-60s", "mean");
	for (size_t k = 0; k < TABLES; k++)
		printf(" %10.1f", sum[k] / n);
	printf("\n%-60s", "worst");
	for (size_t k = 0; k < TABLES; k++)
		printf(" %10.1f", worst[k]);
	printf("\n");
	for (size_t k = 0; k < TABLES; k++)
		route_table_free(tables[k]);
	return sink == 0xffffffffu ? 2 : 0;
}
