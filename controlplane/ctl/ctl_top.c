/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_top.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_args.h"
#include "mr_clock.h"

#define TOP_ROWS 6

static volatile sig_atomic_t top_stop;

static void on_interrupt(int sig)
{
	(void)sig;
	top_stop = 1;
}

static struct json_value *fetch(ctl_query_fn query, void *ctx, const char *object, int *rc)
{
	char *reply = NULL;
	struct json_value *v;

	if (*rc != CTL_EXIT_OK)
		return NULL;
	*rc = query(ctx, object, &reply);
	if (*rc != CTL_EXIT_OK)
		return NULL;
	v = json_parse(reply, strlen(reply), NULL, 0);
	free(reply);
	if (!v)
		*rc = CTL_EXIT_FAILED;
	return v;
}

int ctl_top_sample(ctl_query_fn query, void *ctx, struct ctl_top_sample *s)
{
	const struct json_value *names;
	int rc = CTL_EXIT_OK;
	struct json_value *ports;

	memset(s, 0, sizeof(*s));
	s->ms = mr_clock_ms();
	s->counters = fetch(query, ctx, "counters", &rc);
	s->drops = fetch(query, ctx, "drops", &rc);
	s->routes = fetch(query, ctx, "routes", &rc);
	s->pools = fetch(query, ctx, "pools", &rc);
	ports = fetch(query, ctx, "ports", &rc);
	names = ports ? json_get(ports, "items") : NULL;
	for (size_t i = 0; names && i < json_len(names) && i < MR_MAX_PORTS; i++) {
		char object[MR_NAME_MAX + 8];
		const char *name = json_str(json_at(names, i));

		if (!name)
			continue;
		snprintf(s->port_names[s->n_ports], MR_NAME_MAX, "%s", name);
		snprintf(object, sizeof(object), "port:%s", name);
		s->ports[s->n_ports++] = fetch(query, ctx, object, &rc);
	}
	json_free(ports);
	if (rc != CTL_EXIT_OK)
		ctl_top_sample_free(s);
	return rc;
}

void ctl_top_sample_free(struct ctl_top_sample *s)
{
	json_free(s->counters);
	json_free(s->drops);
	json_free(s->routes);
	json_free(s->pools);
	for (unsigned int i = 0; i < s->n_ports; i++)
		json_free(s->ports[i]);
	memset(s, 0, sizeof(*s));
}

static uint64_t num(const struct json_value *obj, const char *key)
{
	uint64_t v = 0;

	return obj && json_uint64(json_get(obj, key), &v) ? v : 0;
}

/* The growth of key from a to b over secs, a second. */
static double rate(const struct json_value *a, const struct json_value *b, const char *key,
		   double secs)
{
	uint64_t x = num(a, key), y = num(b, key);

	return y >= x ? (double)(y - x) / secs : 0.0;
}

struct row {
	char label[200];
	double rate;
};

static int row_cmp(const void *x, const void *y)
{
	double a = ((const struct row *)x)->rate, b = ((const struct row *)y)->rate;

	return a < b ? 1 : a > b ? -1 : 0;
}

/* The number after " key=" in a report line; 0 when it has none. */
static uint64_t line_field(const char *line, const char *key)
{
	char pat[32];
	const char *at;

	snprintf(pat, sizeof(pat), " %s=", key);
	at = strstr(line, pat);
	return at ? strtoull(at + strlen(pat), NULL, 10) : 0;
}

/* A member's line: its label is the text before its first key=value field. */
static bool member_label(const char *line, char *out, size_t cap)
{
	const char *eq = strchr(line, '=');
	const char *sp = eq ? eq : line + strlen(line);

	while (sp > line && *sp != ' ')
		sp--;
	snprintf(out, cap, "%.*s", (int)(sp - line), line);
	return true;
}

/* A route's line ("NAME -> pool P[ proxy-v2] pool_connections=N"): its count is its pool's,
 * the same on every route to it, so the row is the pool's ("pool P"); a route to another
 * network counts nothing here. */
static bool pool_label(const char *line, char *out, size_t cap)
{
	const char *at = strstr(line, " -> pool ");
	size_t len;

	if (!at)
		return false;
	at += 4;
	len = strcspn(at + 5, " ") + 5;
	snprintf(out, cap, "%.*s", (int)len, at);
	return true;
}

/* A labelled count of a list report's line. */
struct labelled {
	char label[sizeof(((struct row *)0)->label)];
	uint64_t count;
};

static int labelled_cmp(const void *x, const void *y)
{
	return strcmp(((const struct labelled *)x)->label, ((const struct labelled *)y)->label);
}

/* The lines of list report r to rank (label_of), each labelled with its key field, sorted
 * by label; their number in *n. NULL when there are none (or no memory). */
static struct labelled *labelled_lines(const struct json_value *r, const char *key,
				       bool (*label_of)(const char *, char *, size_t), size_t *n)
{
	const struct json_value *items = r ? json_get(r, "items") : NULL;
	size_t len = items ? json_len(items) : 0;
	struct labelled *l = len ? calloc(len, sizeof(*l)) : NULL;

	*n = 0;
	for (size_t i = 0; l && i < len; i++) {
		const char *line = json_str(json_at(items, i));

		if (line && label_of(line, l[*n].label, sizeof(l[*n].label)))
			l[(*n)++].count = line_field(line, key);
	}
	if (l)
		qsort(l, *n, sizeof(*l), labelled_cmp);
	return l;
}

/* The rows of list report b, one per label (label_of), ranked by the growth of their key
 * field since a; up to TOP_ROWS printed. One that a lacks (a route or member new since)
 * shows 0 this time: its whole count did not grow in one second. Sorted, not compared
 * pairwise: a route table may hold tens of thousands. */
static void busiest(FILE *out, const char *title, const struct json_value *a,
		    const struct json_value *b, const char *key, double secs,
		    bool (*label_of)(const char *, char *, size_t))
{
	size_t na, nb, used = 0;
	struct labelled *la = labelled_lines(a, key, label_of, &na);
	struct labelled *lb = labelled_lines(b, key, label_of, &nb);
	struct row *rows = calloc(nb + 1, sizeof(*rows));

	fprintf(out, "%s\n", title);
	for (size_t i = 0; rows && i < nb; i++) {
		const struct labelled *was;

		if (i && strcmp(lb[i].label, lb[i - 1].label) == 0)
			continue; /* a pool's second route: its row is made */
		was = la ? bsearch(&lb[i], la, na, sizeof(*la), labelled_cmp) : NULL;
		snprintf(rows[used].label, sizeof(rows[used].label), "%s", lb[i].label);
		rows[used++].rate = was && lb[i].count >= was->count
					    ? (double)(lb[i].count - was->count) / secs : 0.0;
	}
	if (rows)
		qsort(rows, used, sizeof(*rows), row_cmp);
	for (size_t i = 0; i < used && i < TOP_ROWS; i++)
		fprintf(out, "  %10.1f/s  %s\n", rows[i].rate, rows[i].label);
	if (!used)
		fprintf(out, "  (none)\n");
	free(rows);
	free(la);
	free(lb);
}

static void refusals(FILE *out, const struct ctl_top_sample *a, const struct ctl_top_sample *b,
		     double secs)
{
	struct row rows[256];
	size_t n = 0;

	for (size_t i = 0; b->drops && i < json_len(b->drops) && n < 256; i++) {
		const char *key = json_key_at(b->drops, i);
		double r = key ? rate(a->drops, b->drops, key, secs) : 0;

		if (r > 0) {
			snprintf(rows[n].label, sizeof(rows[n].label), "%s", key);
			rows[n++].rate = r;
		}
	}
	qsort(rows, n, sizeof(rows[0]), row_cmp);
	fprintf(out, "refusals and drops by reason:%s\n", n ? "" : " none");
	for (size_t i = 0; i < n && i < TOP_ROWS; i++)
		fprintf(out, "  %10.1f/s  %s\n", rows[i].rate, rows[i].label);
}

void ctl_top_render(FILE *out, const struct ctl_top_sample *a, const struct ctl_top_sample *b)
{
	double secs = b->ms > a->ms ? (double)(b->ms - a->ms) / 1000.0 : 1.0;
	const struct json_value *ca = a->counters, *cb = b->counters;
	int width = 12;

	fprintf(out, "meshrelay top: the last %.1f s\n", secs);
	fprintf(out, "connections/s: new %.1f  routed local %.1f  remote %.1f  plain %.1f  "
		     "spliced %.1f  closed %.1f  idle-ended %.1f\n",
		rate(ca, cb, "flow_created", secs), rate(ca, cb, "route_local", secs),
		rate(ca, cb, "route_remote", secs), rate(ca, cb, "plain_routed", secs),
		rate(ca, cb, "backend_established", secs), rate(ca, cb, "flow_closed", secs),
		rate(ca, cb, "flow_idle_expired", secs));
	fprintf(out, "segments/s: client to backend %.0f  backend to client %.0f  SYN cookies %.0f  "
		     "DNS answers %.0f\n", rate(ca, cb, "splice_c2b", secs),
		rate(ca, cb, "splice_b2c", secs), rate(ca, cb, "syncookie_out", secs),
		rate(ca, cb, "dns_answered", secs));
	refusals(out, a, b, secs);
	/* The name column as wide as the longest name (31 bytes may be): the figures stay
	 * under their headings. */
	for (unsigned int i = 0; i < b->n_ports; i++)
		if ((int)strlen(b->port_names[i]) > width)
			width = (int)strlen(b->port_names[i]);
	fprintf(out, "%-*s %12s %12s %12s %12s %10s\n", width, "port", "rx pkt/s", "tx pkt/s",
		"rx MB/s", "tx MB/s", "missed/s");
	for (unsigned int i = 0; i < b->n_ports; i++) {
		const struct json_value *pa = i < a->n_ports ? a->ports[i] : NULL, *pb = b->ports[i];

		fprintf(out, "%-*s %12.0f %12.0f %12.2f %12.2f %10.0f\n", width, b->port_names[i],
			rate(pa, pb, "rx_packets", secs), rate(pa, pb, "tx_packets", secs),
			rate(pa, pb, "rx_bytes", secs) / 1e6, rate(pa, pb, "tx_bytes", secs) / 1e6,
			rate(pa, pb, "rx_missed", secs));
	}
	busiest(out, "busiest pools (connections/s):", a->routes, b->routes, "pool_connections",
		secs, pool_label);
	busiest(out, "busiest members (connections/s):", a->pools, b->pools, "conns", secs,
		member_label);
}

int ctl_top_run(ctl_query_fn query, void *ctx, unsigned int rounds, bool tty)
{
	struct ctl_top_sample prev, cur;
	int rc = ctl_top_sample(query, ctx, &prev);

	if (rc != CTL_EXIT_OK)
		return rc;
	signal(SIGINT, on_interrupt);
	for (unsigned int i = 0; !top_stop && (rounds == 0 || i < rounds); i++) {
		sleep(1);
		rc = ctl_top_sample(query, ctx, &cur);
		if (rc != CTL_EXIT_OK)
			break;
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (i)
			fputs("\n", stdout);
		ctl_top_render(stdout, &prev, &cur);
		fflush(stdout);
		ctl_top_sample_free(&prev);
		prev = cur;
	}
	ctl_top_sample_free(&prev);
	return rc;
}
