/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "discovery": the registration's exchanges with a store that answers oddly, against
 * a fake etcd JSON gateway on loopback (a thread that answers each request by its path):
 * a lease grant without an ID is backed off, not asked again in a loop; a put refused
 * because our lease is gone has a new one granted at once. Against real etcd:
 * integration test 41. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cp_discovery.h"
#include "etcd_conn.h"
#include "mr_clock.h"
#include "unit.h"

#define STORE_CONNS 4
#define STORE_REQ_MAX 65536

/* What the fake store answers, and what it was asked. The counters are the thread's;
 * read them once it has stopped. */
struct store {
	int listen_fd;
	uint16_t port;
	volatile bool stop;
	const char *grant;       /* a grant's answer body (status 200) */
	int put_refusals;        /* puts refused for a lost lease before one is taken */
	const char *range;       /* the first range's answer body; NULL: an empty tree */
	const char *range_later; /* ... the later ones'; NULL: as the first */
	bool watch_refused;      /* watches answered 404 (a proxy that does not pass them) */
	int answer_first;        /* requests answered before it falls silent (-1: none); 0: all */
	int grants, puts, keepalives, ranges, requests;
};

struct store_conn {
	int fd;
	size_t have;
	char buf[STORE_REQ_MAX];
};

static void reply(int fd, int status, const char *body)
{
	char head[160];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n", status, status == 200 ? "OK" : "Not Found",
			 strlen(body));

	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n ||
	    send(fd, body, strlen(body), MSG_NOSIGNAL) != (ssize_t)strlen(body))
		perror("fake store: reply");
}

/* One whole request at the start of c->buf: answered and taken out; false while it is
 * not whole yet. A watch is held open unanswered, as a quiet store's is. */
static bool serve_request(struct store *s, struct store_conn *c)
{
	char *end = strstr(c->buf, "\r\n\r\n"), *cl = strstr(c->buf, "Content-Length: ");
	size_t len;

	if (!end || !cl)
		return false;
	len = (size_t)(end + 4 - c->buf) + strtoul(cl + 16, NULL, 10);
	if (c->have < len)
		return false;
	if (s->answer_first && s->requests++ >= s->answer_first) {
		/* Silent: taken and left unanswered. */
	} else if (strncmp(c->buf, "POST /v3/lease/grant ", 21) == 0) {
		s->grants++;
		reply(c->fd, 200, s->grant);
	} else if (strncmp(c->buf, "POST /v3/kv/put ", 16) == 0) {
		s->puts++;
		if (s->put_refusals > 0) {
			s->put_refusals--;
			reply(c->fd, 404, "{\"error\":\"etcdserver: requested lease not found\","
				  "\"code\":5,\"message\":\"etcdserver: requested lease not found\"}");
		} else {
			reply(c->fd, 200, "{\"header\":{\"revision\":\"2\"}}");
		}
	} else if (strncmp(c->buf, "POST /v3/lease/keepalive ", 25) == 0) {
		s->keepalives++;
		reply(c->fd, 200, "{\"result\":{\"ID\":\"7\",\"TTL\":\"60\"}}");
	} else if (strncmp(c->buf, "POST /v3/kv/range ", 18) == 0) {
		const char *body = s->ranges++ && s->range_later ? s->range_later : s->range;

		reply(c->fd, 200, body ? body : "{\"header\":{\"revision\":\"2\"},\"count\":\"0\"}");
	} else if (strncmp(c->buf, "POST /v3/watch ", 15) == 0 && s->watch_refused) {
		reply(c->fd, 404, "{}");
	}
	memmove(c->buf, c->buf + len, c->have - len);
	c->have -= len;
	c->buf[c->have] = '\0';
	return true;
}

static void *store_thread(void *arg)
{
	struct store *s = arg;
	struct store_conn *conns = calloc(STORE_CONNS, sizeof(*conns));

	for (int i = 0; conns && i < STORE_CONNS; i++)
		conns[i].fd = -1;
	while (conns && !s->stop) {
		struct pollfd p[1 + STORE_CONNS] = { { .fd = s->listen_fd, .events = POLLIN } };

		for (int i = 0; i < STORE_CONNS; i++)
			p[1 + i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (poll(p, 1 + STORE_CONNS, 20) <= 0)
			continue;
		for (int i = 0; i < STORE_CONNS && (p[0].revents & POLLIN); i++)
			if (conns[i].fd < 0) {
				conns[i].fd = accept(s->listen_fd, NULL, NULL);
				conns[i].have = 0;
				break;
			}
		for (int i = 0; i < STORE_CONNS; i++) {
			struct store_conn *c = &conns[i];
			ssize_t n;

			if (c->fd < 0 || !(p[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
			if (n <= 0) {
				close(c->fd);
				c->fd = -1;
				continue;
			}
			c->have += (size_t)n;
			c->buf[c->have] = '\0';
			while (serve_request(s, c))
				;
		}
	}
	for (int i = 0; conns && i < STORE_CONNS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	free(conns);
	return NULL;
}

static void store_start(struct store *s, pthread_t *th)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);

	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s->listen_fd >= 0);
	CU_ASSERT_FATAL(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(s->listen_fd, 8) == 0);
	getsockname(s->listen_fd, (struct sockaddr *)&sa, &len);
	s->port = ntohs(sa.sin_port);
	CU_ASSERT_FATAL(pthread_create(th, NULL, store_thread, s) == 0);
}

/* The other gateways discovery knew as drive_against stopped it, whether it held a
 * lease, and how many of its turns its gauge said the store answers. */
static unsigned int gateways_known;
static bool lease_held;
static unsigned int turns_up;

/* Discovery of gateway gw-blue-1 against store s, driven for ms milliseconds; then both
 * stopped. registered: whether it ended registered. */
static void drive_against(struct store *s, uint32_t ms, bool *registered)
{
	struct mr_discovery_conf dc = { .n_endpoints = 1, .prefix = "/meshrelay",
					.lease_ttl_s = 60, .timeout_ms = 500 };
	uint64_t until = mr_clock_ms() + ms;
	struct cp_discovery d;
	pthread_t th;

	store_start(s, &th);
	snprintf(dc.endpoints[0], sizeof(dc.endpoints[0]), "http://127.0.0.1:%u", s->port);
	CU_ASSERT_EQUAL_FATAL(cp_discovery_init(&d, &dc, "gw-blue-1", "blue", NULL, NULL), 0);
	turns_up = 0;
	while (mr_clock_ms() < until) {
		int wait = cp_discovery_tick(&d, (int64_t)mr_clock_ms());
		struct pollfd p[2];

		turns_up += d.answering;
		for (int w = 0; w < 2; w++)
			p[w] = (struct pollfd){ .fd = cp_discovery_fd(&d, w),
						.events = cp_discovery_events(&d, w) };
		if (poll(p, 2, wait < 0 || wait > 20 ? 20 : wait) <= 0)
			continue;
		for (int w = 0; w < 2; w++)
			if (p[w].fd >= 0 && p[w].revents)
				cp_discovery_handle(&d, w, p[w].revents, (int64_t)mr_clock_ms());
	}
	*registered = d.registered;
	gateways_known = d.n_gateways;
	lease_held = d.lease != 0;
	s->stop = true;
	pthread_join(th, NULL); /* before the revoke: nobody answers it, its wait is bounded */
	close(s->listen_fd);
	cp_discovery_stop(&d);
}

/* A grant answered 200 without a lease ID (a proxy's "{}" in front of the store): asked
 * again after a back-off (100 ms, doubling), a handful of times in a second. Before, it
 * was asked again at once, as fast as the answers came. */
static void test_grant_without_id_backed_off(void)
{
	struct store s = { .grant = "{}" };
	bool registered;

	drive_against(&s, 1000, &registered);
	CU_ASSERT(s.grants >= 2);
	CU_ASSERT(s.grants <= 8);
	CU_ASSERT_FALSE(registered);
}

/* A range of one gateway, red's, at revision 2 (key and value in base64). */
static const char red_range[] =
	"{\"header\":{\"revision\":\"2\"},\"kvs\":[{\"key\":"
	"\"L21lc2hyZWxheS9uZXR3b3Jrcy9yZWQvZ2F0ZXdheXMvZ3ctcmVkLTE=\",\"value\":"
	"\"eyJpZCI6Imd3LXJlZC0xIiwibmV0d29yayI6InJlZCIsInJlbGF5cyI6W119\"}],\"count\":\"1\"}";

/* A range answered 200 without a header (a proxy's "{}") after one that held red's
 * gateway: red is kept, the answer taken as the store failing. Before, it was read as an
 * empty tree, and every route to another gateway withdrawn. */
static void test_range_without_header_keeps_gateways(void)
{
	struct store s = { .grant = "{\"ID\":\"7\",\"TTL\":\"60\"}", .range = red_range,
			   .range_later = "{}", .watch_refused = true };
	bool registered;

	drive_against(&s, 1000, &registered);
	CU_ASSERT(s.ranges >= 2);
	CU_ASSERT_EQUAL(gateways_known, 1);
}

/* Ranges answered while every watch is refused: the back-off grows (100 ms doubling to
 * 5 s), a handful of ranges in 1.5 s. Before, each range's answer started it over, and
 * the whole tree was asked for every 100 ms or so. */
static void test_refused_watch_backed_off(void)
{
	struct store s = { .grant = "{\"ID\":\"7\",\"TTL\":\"60\"}", .range = red_range,
			   .watch_refused = true };
	bool registered;

	drive_against(&s, 1500, &registered);
	CU_ASSERT(s.ranges >= 2);
	CU_ASSERT(s.ranges <= 5);
	CU_ASSERT_EQUAL(gateways_known, 1);
}

/* A store that takes connections and answers nothing (a hung etcd): the gauge never
 * says it answers. Before, it did from each retry until that request's deadline, a third
 * of the time. */
static void test_silent_store_never_up(void)
{
	struct store s = { .answer_first = -1 };
	bool registered;

	drive_against(&s, 2000, &registered);
	CU_ASSERT(s.requests >= 2);
	CU_ASSERT_EQUAL(turns_up, 0);
	CU_ASSERT_FALSE(registered);
}

/* A store that granted a lease of 1 s and was registered into, then fell silent: a second
 * later the lease and the registration are gone (the others forgot this gateway), and
 * the gauges say so. Before, both stayed for the whole outage. */
static void test_lease_gone_unanswered(void)
{
	struct store s = { .grant = "{\"ID\":\"7\",\"TTL\":\"1\"}", .answer_first = 3 };
	bool registered;

	drive_against(&s, 1800, &registered);
	CU_ASSERT(s.puts >= 1);
	CU_ASSERT_FALSE(registered);
	CU_ASSERT_FALSE(lease_held);
}

/* Our put refused because our lease is gone (revoked, or expired while we stalled): a new
 * lease is granted at once and the put made under it. Before, the refusal took the store
 * for down, and after the back-off the same lease was used again until the next
 * keepalive (a third of the lease's time away), leaving us unregistered meanwhile. */
static void test_put_without_lease_regrants(void)
{
	struct store s = { .grant = "{\"ID\":\"7\",\"TTL\":\"60\"}", .put_refusals = 1 };
	bool registered;

	drive_against(&s, 1000, &registered);
	CU_ASSERT_EQUAL(s.grants, 2);
	/* Puts again after: this store's ranges never hold our key, which reads as deleted. */
	CU_ASSERT(s.puts >= 2);
	CU_ASSERT_TRUE(registered);
}

/* A request past its deadline whose answer waits unread on the socket (it came while the
 * loop was held elsewhere: a long push to the data plane) is not taken for silence; with
 * nothing waiting it is. Before, such an answer was dropped with the connection, and
 * discovery went down, changed endpoint and read the whole tree again. */
static void test_answer_waiting_past_deadline(void)
{
	struct etcd_conn e;
	char buf[64];
	int sv[2];

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	etcd_conn_init(&e);
	e.conn.fd = sv[0];
	e.conn.state = CP_CONN_OPEN;
	e.busy = true;
	e.deadline_ms = 100;
	snprintf(e.endpoint, sizeof(e.endpoint), "http://127.0.0.1:2379");
	CU_ASSERT_EQUAL(write(sv[1], "HTTP/1.1 200 OK\r\n", 17), 17);
	CU_ASSERT_EQUAL(etcd_conn_check_deadline(&e, 200), 0);
	CU_ASSERT_EQUAL(read(sv[0], buf, sizeof(buf)), 17);
	CU_ASSERT_EQUAL(etcd_conn_check_deadline(&e, 200), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.error, "no answer in time"));
	close(sv[1]);
	etcd_conn_free(&e);
}

int test_discovery_register(void)
{
	static CU_TestInfo tests[] = {
		{ "a grant without a lease ID: backed off", test_grant_without_id_backed_off },
		{ "a put refused for a lost lease: a new lease at once",
		  test_put_without_lease_regrants },
		{ "an answer waiting past its deadline is read", test_answer_waiting_past_deadline },
		{ "a range without a header keeps the gateways known",
		  test_range_without_header_keeps_gateways },
		{ "a refused watch: backed off, not reset by the range", test_refused_watch_backed_off },
		{ "a silent store is never said to answer", test_silent_store_never_up },
		{ "a lease not kept alive for its TTL: gone, not registered",
		  test_lease_gone_unanswered },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("discovery", tests);
}
