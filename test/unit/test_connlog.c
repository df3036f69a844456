/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "connlog": the connection log through the appliance of relay_harness.h with
 * log.connections set (a ring of 64 records a worker, 100 refusals logged a second): a
 * spliced connection closed by FINs gives one record with its name, version, ALPN, pool,
 * member, bytes and packets each way; a refused one its reason; a full ring drops and
 * counts; refusals past the rate are counted and told in the next record; the record's
 * JSON line reads back with any name bytes the parser accepts. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "connlog.h"
#include "dp_worker.h"
#include "health.h"
#include "json.h"
#include "mgmt_connlog.h"
#include "mr_config.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_live.h"
#include "unit.h"

static int suite_init(void)
{
	return rh_up_extra("mbufs = 0;", "max_flows = 64; idle_timeout_ms = 5000; closing_timeout_ms = 1000;",
			   ", { name = \"drained\"; members = ( { address = \"10.1.0.7\"; port = 443;"
			   " weight = 0; } ); }",
			   ", { sni = \"drn.svc.example\"; pool = \"drained\"; }",
			   "log = { connections = \"/nonexistent/connections.log\";\n"
			   "        connections_ring = 64; refused_rate = 100; };");
}

/* The records waiting in the worker's ring, taken out (up to max). */
static unsigned int take(struct connlog_rec *out, unsigned int max)
{
	return rte_ring_sc_dequeue_burst_elem(connlog_ring(rh_w), out, sizeof(*out), max, NULL);
}

static void empty_ring(void)
{
	struct connlog_rec r[64];

	while (take(r, 64))
		;
}

/* The record as the log file would have it, parsed back. */
static struct json_value *as_json(const struct connlog_rec *r)
{
	struct mgmt_connlog_names n = { rh_app.conf, 1700000000000 };
	char line[2048], err[128];
	size_t len = mgmt_connlog_format(r, &n, line, sizeof(line));

	CU_ASSERT_FATAL(len > 0 && line[len - 1] == '\n');
	return json_parse(line, len - 1, err, sizeof(err));
}

static const char *field(const struct json_value *v, const char *key)
{
	return json_scalar_text(json_get(v, key));
}

/* rh_hello_api naming name (15 bytes, as "api.svc.example") instead: another route. */
static const uint8_t *hello_for(const char *name)
{
	static uint8_t hello[2048];
	uint8_t *at;

	CU_ASSERT_EQUAL_FATAL(strlen(name), 15);
	memcpy(hello, rh_hello_api, rh_hello_api_len);
	at = memmem(hello, rh_hello_api_len, "api.svc.example", 15);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, name, 15);
	return hello;
}

/* The configuration text pushed and in force, as a push over the control socket does. */
static void push(const char *text)
{
	char err[MR_ERR_MAX] = "";
	struct mr_config conf = { 0 };
	struct relay_live *live = NULL;

	CU_ASSERT_EQUAL_FATAL(mr_config_load_string(text, "connlog", &conf, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(relay_live_build(&rh_app, &conf,
					       relay_live_get(&rh_app)->generation + 1, &live, err,
					       sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(health_bind_live(rh_app.health, live, &rh_app), 0);
	relay_live_swap(&rh_app, live);
	health_sweep_unused(rh_app.health);
	health_bind_rest(rh_app.health, live);
}

/* A whole connection: hello, splice, 300 bytes from the backend, 40 from the client,
 * FINs both ways and their ACKs; then the closing time passes. */
static void test_spliced_connection(void)
{
	static uint8_t data[300];
	struct rh_peer c = rh_client(false), b;
	struct flow *f;
	struct connlog_rec r;
	struct json_value *j;
	uint32_t c_next, b_next;

	empty_ring();
	f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, b.isn + 1,
		b.our_isn + 1 + (uint32_t)rh_hello_api_len, data, sizeof(data));
	c_next = c.isn + 1 + (uint32_t)rh_hello_api_len;
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c_next, c.our_isn + 1 + sizeof(data),
		data, 40);
	c_next += 40;
	b_next = b.isn + 1 + sizeof(data);
	/* The backend acknowledges the client's 40 bytes and closes; the client acknowledges
	 * and closes too; the backend acknowledges its FIN. */
	rh_send(&b, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, b_next,
		b.our_isn + 1 + (uint32_t)rh_hello_api_len + 40, NULL, 0);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, c_next,
		c.our_isn + 1 + sizeof(data) + 1, NULL, 0);
	rh_send(&b, RTE_TCP_ACK_FLAG, b_next + 1, b.our_isn + 1 + (uint32_t)rh_hello_api_len + 41,
		NULL, 0);
	CU_ASSERT_EQUAL(f->state, FLOW_CLOSING);
	rh_w->now_ms += 2000;
	dp_worker_housekeeping(rh_w);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.end, CONNLOG_END_FIN);
	CU_ASSERT(r.fin_client && r.fin_backend);
	CU_ASSERT_STRING_EQUAL(r.sni, "api.svc.example");
	CU_ASSERT_EQUAL(r.tls_version, 0x0304);
	CU_ASSERT_EQUAL(r.route, CONNLOG_ROUTE_LOCAL);
	CU_ASSERT_STRING_EQUAL(r.target, "p");
	CU_ASSERT_EQUAL(r.member_port, 443);
	CU_ASSERT_EQUAL(r.bytes_c2b, rh_hello_api_len + 40);
	CU_ASSERT_EQUAL(r.bytes_b2c, sizeof(data));
	CU_ASSERT(r.pkts_c2b >= 3 && r.pkts_b2c >= 3);
	CU_ASSERT_NOT_EQUAL(r.connect_ms, UINT32_MAX);
	CU_ASSERT_EQUAL(r.listener_port, 443);
	j = as_json(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(field(j, "sni"), "api.svc.example");
	CU_ASSERT_STRING_EQUAL(field(j, "end"), "fin");
	CU_ASSERT_STRING_EQUAL(field(j, "tls"), "1.3");
	CU_ASSERT_STRING_EQUAL(field(j, "pool"), "p");
	CU_ASSERT_STRING_EQUAL(field(j, "member"), "10.1.0.2:443");
	CU_ASSERT_STRING_EQUAL(field(j, "client"), "10.0.0.2");
	CU_ASSERT_STRING_EQUAL(field(j, "listener"), "edge:443");
	CU_ASSERT_STRING_EQUAL(field(j, "bytes_out"), "300");
	CU_ASSERT_STRING_EQUAL(field(j, "route"), "local");
	json_free(j);
}

/* Five GiB from the client, acknowledged a GiB at a time (the flow's mark moved as the
 * backend's ACKs would move it, each segment counted): the record says five GiB and the
 * hello, not what is left past 4 GiB. */
static void test_bytes_past_4gib(void)
{
	struct rh_peer c = rh_client(false), b;
	struct flow *f;
	struct connlog_rec r;

	empty_ring();
	f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	for (int i = 0; i < 5; i++) {
		f->c.acked += 0x40000000u;
		connlog_count(rh_w->connlog, f, FLOW_DIR_BACKEND);
	}
	rh_flow_end(f);
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.bytes_c2b, rh_hello_api_len + 5ull * 0x40000000u);
}

/* A name the table does not route: refused after the hello, its reason logged. */
static void test_refused_connection(void)
{
	struct rh_peer c = rh_client(false);
	struct connlog_rec r;
	struct json_value *j;
	size_t len = rh_hello_api_len;

	empty_ring();
	rh_client_start(&c, hello_for("zzz.svc.example"), len); /* unrouted */
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.end, CONNLOG_END_REFUSED);
	CU_ASSERT_EQUAL(r.drop_reason, DP_DROP_route_no_route);
	CU_ASSERT_STRING_EQUAL(r.sni, "zzz.svc.example");
	CU_ASSERT_EQUAL(r.bytes_c2b, len);
	j = as_json(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(field(j, "reason"), "route_no_route");
	CU_ASSERT_STRING_EQUAL(field(j, "connect_ms"), "null");
	json_free(j);
}

/* The refusal of c's hello: its record, as the log file would have it. */
static struct json_value *refused_record(const char *name, enum dp_drop reason)
{
	struct rh_peer c = rh_client(false);
	struct connlog_rec r;

	empty_ring();
	rh_client_start(&c, hello_for(name), rh_hello_api_len);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.end, CONNLOG_END_REFUSED);
	CU_ASSERT_EQUAL(r.drop_reason, reason);
	CU_ASSERT_STRING_EQUAL(r.sni, name);
	return as_json(&r);
}

/* A route to a pool with no member to give (all of weight 0) or to a network without a
 * gateway: the refusal names the pool or the network (before, the record said only what
 * the client asked for, not where it was sent). */
static void test_refused_names_target(void)
{
	static char text[16384];
	struct json_value *j = refused_record("drn.svc.example", DP_DROP_route_refused);
	char *gateways, *end;

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(field(j, "route"), "local");
	CU_ASSERT_STRING_EQUAL(field(j, "pool"), "drained");
	CU_ASSERT_STRING_EQUAL(field(j, "member"), "");
	json_free(j);

	/* The same configuration without its gateway. */
	snprintf(text, sizeof(text), "%s", rh_config_text());
	gateways = strstr(text, "gateways = (");
	CU_ASSERT_PTR_NOT_NULL_FATAL(gateways);
	end = strstr(gateways, ");\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	memmove(gateways, end + 3, strlen(end + 3) + 1);
	push(text);
	j = refused_record("xyz.far.example", DP_DROP_route_no_gateway);
	push(rh_config_text());
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(field(j, "route"), "remote");
	CU_ASSERT_STRING_EQUAL(field(j, "network"), "far");
	CU_ASSERT_STRING_EQUAL(field(j, "gateway"), "");
	json_free(j);
}

/* A SYN refused as the data plane drains (its RST sends the client elsewhere) is logged
 * with its reason, as every refusal: before, only those at the handshake's ACK were. */
static void test_refused_at_syn(void)
{
	struct rh_peer c = rh_client(false);
	struct connlog_rec r;

	empty_ring();
	rh_app.draining = true;
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0);
	rh_app.draining = false;
	rh_drain(c.port);
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.end, CONNLOG_END_REFUSED);
	CU_ASSERT_EQUAL(r.drop_reason, DP_DROP_draining);
	CU_ASSERT_EQUAL(r.client_port, c.port_num);
}

/* A client that closes (FIN) before its hello is whole: logged as a close by the client,
 * not as its reset (before, "rst_client" with fin_client false). */
static void test_fin_before_hello(void)
{
	struct rh_peer c = rh_client(false);
	struct connlog_rec r;

	empty_ring();
	CU_ASSERT_PTR_NOT_NULL_FATAL(rh_client_start(&c, rh_hello_api, 50));
	rh_send(&c, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, c.isn + 1 + 50, c.our_isn + 1, NULL, 0);
	CU_ASSERT_PTR_NULL(rh_client_flow(&c));
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.end, CONNLOG_END_FIN);
	CU_ASSERT_TRUE(r.fin_client);
	CU_ASSERT_EQUAL(r.drop_reason, DP_DROP_client_abort);
	rh_drain(c.port);
}

/* A connection over TURN whose peer's hello came in the segment with the bind's answer:
 * that segment is the record's first packet (before, it was counted before the record
 * began, and lost). */
static void test_turn_first_packet_counted(void)
{
	struct rh_peer srv;
	struct connlog_rec r;
	struct flow *f;

	empty_ring();
	f = rh_turn_connection(rh_hello_api, rh_hello_api_len, &srv);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_flow_end(f);
	CU_ASSERT_EQUAL_FATAL(take(&r, 1), 1);
	CU_ASSERT_EQUAL(r.pkts_c2b, 1);
	CU_ASSERT_TRUE(r.via_turn);
	rh_drain(srv.port);
}

/* 150 refusals in one second: 100 logged, of which 64 fit the ring (36 dropped and
 * counted), 50 suppressed and counted; the next second's first record tells the 50. */
static void test_ring_full_and_rate(void)
{
	uint64_t dropped = rh_event(DP_EV_connlog_dropped);
	uint64_t suppressed = rh_event(DP_EV_connlog_suppressed);
	const uint8_t src[4] = { 10, 0, 0, 9 };
	struct connlog_rec r[64];

	empty_ring();
	rh_w->now_ms = (rh_w->now_ms / 1000 + 1) * 1000;
	for (int i = 0; i < 150; i++)
		connlog_refused(rh_w, src, false, (uint16_t)(1000 + i), 443, 0,
				DP_DROP_flow_table_full);
	CU_ASSERT_EQUAL(rh_event(DP_EV_connlog_dropped), dropped + 36);
	CU_ASSERT_EQUAL(rh_event(DP_EV_connlog_suppressed), suppressed + 50);
	CU_ASSERT_EQUAL(take(r, 64), 64);
	CU_ASSERT_EQUAL(r[0].client_port, 1000);
	CU_ASSERT_EQUAL(r[0].drop_reason, DP_DROP_flow_table_full);
	rh_w->now_ms += 1000;
	connlog_refused(rh_w, src, false, 2000, 443, 0, DP_DROP_flow_table_full);
	CU_ASSERT_EQUAL_FATAL(take(r, 64), 1);
	CU_ASSERT_EQUAL(r[0].suppressed, 50);
}

/* The logging thread: takes what the ring holds, a few records a millisecond, until it
 * has *arg records or 2 s pass. */
static void *slow_reader(void *arg)
{
	unsigned int *want = arg, got = 0;
	uint64_t until = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	struct connlog_rec r[8];

	while (got < *want && rte_get_timer_cycles() < until) {
		got += take(r, 8);
		rte_delay_us_sleep(1000);
	}
	*want = got;
	return NULL;
}

/* A stopping worker ends all its connections at once, more than the ring holds: their
 * records wait for the logging thread to make room instead of being dropped. */
static void test_stopping_waits_for_room(void)
{
	uint64_t dropped = rh_event(DP_EV_connlog_dropped);
	const uint8_t src[4] = { 10, 0, 0, 9 };
	unsigned int got = 100;
	pthread_t th;

	empty_ring();
	rh_w->now_ms = (rh_w->now_ms / 1000 + 1) * 1000; /* a new second: 100 may be logged */
	CU_ASSERT_FATAL(pthread_create(&th, NULL, slow_reader, &got) == 0);
	connlog_stopping(rh_w, rte_get_timer_cycles() + 2 * rte_get_timer_hz());
	for (int i = 0; i < 100; i++)
		connlog_refused(rh_w, src, false, (uint16_t)(3000 + i), 443, 0,
				DP_DROP_stopped);
	connlog_stopping(rh_w, 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(got, 100);
	CU_ASSERT_EQUAL(rh_event(DP_EV_connlog_dropped), dropped);
	empty_ring();
}

/* Hellos the stop ends are each logged, past refused_rate too: they are clients the stop
 * cut off, not a flood (before, all but the second's ration were only counted, and the
 * wait for room the stop gives its records did not apply to them). */
static void test_stop_logs_every_hello(void)
{
	struct mr_config *conf = (struct mr_config *)rh_app.conf;
	uint32_t rate = conf->log.refused_rate;
	struct connlog_rec r[8];
	unsigned int n = 0, got;

	empty_ring();
	conf->log.refused_rate = 1;
	rh_w->now_ms = (rh_w->now_ms / 1000 + 1) * 1000; /* a new second: 1 may be logged */
	for (int i = 0; i < 3; i++) {
		struct rh_peer c = rh_client(false);

		CU_ASSERT_PTR_NOT_NULL(rh_client_start(&c, rh_hello_api, 40)); /* a hello's start */
	}
	relay_reset_all(rh_w);
	connlog_stopping(rh_w, 0); /* the stop's wait for room ends with this case */
	while ((got = take(r, 8)) > 0)
		for (unsigned int i = 0; i < got; i++)
			n += r[i].drop_reason == DP_DROP_stopped;
	CU_ASSERT_EQUAL(n, 3);
	conf->log.refused_rate = rate;
	rh_drain(&rh_app.ports[0]);
	rh_drain(&rh_app.ports[1]);
}

/* Every byte a name may hold (letters, digits, '-', '.', '_') comes back from the JSON
 * line as it went in; so does an IPv6 client. */
static void test_format_names(void)
{
	struct connlog_rec r;
	struct json_value *j;
	static const char name[] = "a-b_c.0123456789.abcdefghijklmnopqrstuvwxyz";

	memset(&r, 0, sizeof(r));
	r.start_ms = 5000;
	r.end_ms = 5250;
	r.connect_ms = UINT32_MAX;
	snprintf(r.sni, sizeof(r.sni), "%s", name);
	r.sni_len = sizeof(name) - 1;
	r.client_v6 = 1;
	r.client[0] = 0xfd;
	r.client[15] = 2;
	r.end = CONNLOG_END_IDLE;
	j = as_json(&r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(field(j, "sni"), name);
	CU_ASSERT_STRING_EQUAL(field(j, "client"), "fd00::2");
	CU_ASSERT_STRING_EQUAL(field(j, "duration_ms"), "250");
	CU_ASSERT_STRING_EQUAL(field(j, "end"), "idle");
	CU_ASSERT_STRING_EQUAL(field(j, "start"), "2023-11-14T22:13:25.000Z");
	json_free(j);
	/* Too small a buffer: nothing, never a cut line. */
	{
		struct mgmt_connlog_names n = { rh_app.conf, 0 };
		char small[64];

		CU_ASSERT_EQUAL(mgmt_connlog_format(&r, &n, small, sizeof(small)), 0);
	}
}

/* Whether the log starts with log.connections at path; err gets its refusal. A started
 * one is stopped again. */
static bool log_starts_at(const char *path, char *err, size_t errlen)
{
	struct mr_config *conf = (struct mr_config *)rh_app.conf;
	char saved[sizeof(conf->log.connections)];
	int rc;

	memcpy(saved, conf->log.connections, sizeof(saved));
	snprintf(conf->log.connections, sizeof(conf->log.connections), "%s", path);
	err[0] = '\0';
	rc = mgmt_connlog_start(&rh_app, err, errlen);
	if (rc == 0)
		mgmt_connlog_stop();
	memcpy(conf->log.connections, saved, sizeof(saved));
	return rc == 0;
}

/* An ALPN protocol id is logged whole, as long as the parser keeps it (32 bytes): before,
 * the record held 15 bytes, and a service mesh's "istio-peer-exchange" went out as
 * "istio-peer-exch". */
static void test_alpn_whole(void)
{
	static const char id[] = "istio-peer-exchange";
	struct sni_result r = { .alpn_kept = 1, .alpn_len = { sizeof(id) - 1 } };
	struct flow f = { .index = 0 };
	struct connlog_rec *rec = &rh_w->connlog->recs[0];
	struct json_value *j;

	memcpy(r.alpn[0], id, sizeof(id));
	connlog_hello(rh_w, &f, &r);
	CU_ASSERT_STRING_EQUAL(rec->alpn, id);
	j = as_json(rec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(field(j, "alpn"), id);
	json_free(j);
	memset(rec, 0, sizeof(*rec));
}

/* A log named by a socket's path (/dev/stdout under a service manager's journal is one)
 * is refused at start, saying so. Before, open's ENXIO was taken for a named pipe without
 * a reader yet: the data plane started and lost every record, telling nobody. A named
 * pipe without a reader is still taken, its records counted lost until one comes. */
static void test_socket_path_refused(void)
{
	char dir[] = "/tmp/mr-connlog-XXXXXX", path[64], err[256];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	CU_ASSERT_EQUAL(listen(fd, 1), 0);
	CU_ASSERT_FALSE(log_starts_at(sun.sun_path, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "a socket"));
	close(fd);
	unlink(sun.sun_path);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_TRUE(log_starts_at(path, err, sizeof(err)));
	unlink(path);
	rmdir(dir);
}

/* A connection refused at its hello (a record at once), then up to 2 s for the log's
 * thread to have written or lost it: true when written. */
static bool refused_record_written(void)
{
	uint64_t written = mgmt_connlog_written(), lost = mgmt_connlog_lost(), deadline;
	struct rh_peer c = rh_client(false);

	empty_ring();
	rh_client_start(&c, hello_for("zzz.svc.example"), rh_hello_api_len);
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (mgmt_connlog_written() == written && mgmt_connlog_lost() == lost &&
	       rte_get_timer_cycles() < deadline)
		usleep(10000);
	return mgmt_connlog_written() == written + 1 && mgmt_connlog_lost() == lost;
}

/* The log's target set to NAME in a new directory (dir filled), the old one in saved. */
static void log_in(char dir[], const char *name, char *saved, size_t cap)
{
	struct mr_config *conf = (struct mr_config *)rh_app.conf;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(saved, cap, "%s", conf->log.connections);
	snprintf(conf->log.connections, sizeof(conf->log.connections), "%s/%s", dir, name);
}

/* The log's target put back to saved, its file in dir removed, and dir. */
static void log_back(const char *dir, const char *saved)
{
	struct mr_config *conf = (struct mr_config *)rh_app.conf;

	unlink(conf->log.connections);
	snprintf(conf->log.connections, sizeof(conf->log.connections), "%s", saved);
	rmdir(dir);
}

/* The log started again after a stop writes again. Before, the second start's thread
 * found the first's stop still asked for and left at once: every record waited in the
 * rings until they filled, then was counted dropped. */
static void test_started_again(void)
{
	char saved[sizeof(rh_app.conf->log.connections)], dir[] = "/tmp/mr-connlog-XXXXXX";
	char err[256];

	log_in(dir, "log", saved, sizeof(saved));
	CU_ASSERT_EQUAL_FATAL(mgmt_connlog_start(&rh_app, err, sizeof(err)), 0);
	mgmt_connlog_stop();
	CU_ASSERT_EQUAL_FATAL(mgmt_connlog_start(&rh_app, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(refused_record_written());
	mgmt_connlog_stop();
	log_back(dir, saved);
}

/* A named pipe whose reader comes after the start: the first record after it came reaches
 * it. Before, the pipe was opened again only after a batch had been lost to it. */
static void test_pipe_reader_late(void)
{
	char saved[sizeof(rh_app.conf->log.connections)], dir[] = "/tmp/mr-connlog-XXXXXX";
	char err[256];
	int reader;

	log_in(dir, "fifo", saved, sizeof(saved));
	CU_ASSERT_EQUAL_FATAL(mkfifo(rh_app.conf->log.connections, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(mgmt_connlog_start(&rh_app, err, sizeof(err)), 0);
	usleep(50000); /* the thread runs, no reader there */
	reader = open(rh_app.conf->log.connections, O_RDONLY | O_NONBLOCK);
	CU_ASSERT_FATAL(reader >= 0);
	CU_ASSERT_TRUE(refused_record_written());
	mgmt_connlog_stop();
	close(reader);
	log_back(dir, saved);
}

int test_connlog_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "a spliced connection closed by FINs", test_spliced_connection },
		{ "a refused connection and its reason", test_refused_connection },
		{ "a refusal names its pool or network", test_refused_names_target },
		{ "a SYN refused while draining: logged", test_refused_at_syn },
		{ "bytes past 4 GiB", test_bytes_past_4gib },
		{ "a stopping worker's records wait for room", test_stopping_waits_for_room },
		{ "every hello the stop ends is logged", test_stop_logs_every_hello },
		{ "ring full and refusal rate: counted", test_ring_full_and_rate },
		{ "JSON lines: names, IPv6, sizes", test_format_names },
		{ "an ALPN protocol id logged whole", test_alpn_whole },
		{ "a socket's path refused, a pipe without a reader taken", test_socket_path_refused },
		{ "a FIN before the hello was whole: the client's close", test_fin_before_hello },
		{ "over TURN: the answer's segment is the first packet", test_turn_first_packet_counted },
		{ "the log started again writes again", test_started_again },
		{ "a pipe's reader that came late gets the next record", test_pipe_reader_late },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("connlog", suite_init, rh_down, tests);
}
