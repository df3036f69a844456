/* Suite "relay_path": whole segments through one appliance (two net_null ports, one
 * worker driven from this thread), for the relay's behaviour on links that lose,
 * duplicate and reorder: what must not end a healthy connection. */
#include <stdio.h>
#include <string.h>

#include <rte_tcp.h>

#include "dp_appliance.h"
#include "dp_worker.h"
#include "relay.h"
#include "syncookie.h"
#include "tcp_frame.h"
#include "unit.h"

#define CLIENT_IP 0x0a000002u  /* 10.0.0.2, on the edge port */
#define EDGE_IP 0x0a000001u
#define BACKEND_IP 0x0a010002u /* 10.1.0.2, on the svc port */
#define SVC_IP 0x0a010001u

static const char config_text[] =
	"dataplane = { mbufs = 0; neighbour = { entries = 64; }; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null_rp0\"; ipv4 = \"10.0.0.1/24\";\n"
	"            exception = { enabled = false; }; },\n"
	"          { name = \"svc\"; device = \"net_null_rp1\"; ipv4 = \"10.1.0.1/24\";\n"
	"            exception = { enabled = false; }; } );\n"
	"listeners = ( { name = \"tls\"; port = \"edge\"; tcp_port = 443; } );\n"
	"relay = { max_flows = 64; };\n"
	"networks = ( { name = \"n\"; local = true; allow = [ \"10.1.0.0/24\" ]; ports = ( 443 ); } );\n"
	"pools = ( { name = \"p\"; members = ( { address = \"10.1.0.2\"; port = 443; } ); } );\n"
	"routes = ( { sni = \"api.svc.example\"; pool = \"p\"; } );\n";

static struct mr_config conf;
static struct dp_appliance app;
static struct dp_worker *w;
static uint8_t hello[2048];
static size_t hello_len;
static uint16_t next_sport = 41000;

static int suite_init(void)
{
	char err[512], path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/test/classifier/fixtures/openssl-tls13__api.svc.example.hello",
		 MR_SOURCE_DIR);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	hello_len = fread(hello, 1, sizeof(hello), f);
	fclose(f);
	if (hello_len < 200 || mr_config_load_string(config_text, "relay_path", &conf, err,
						       sizeof(err)) < 0)
		return -1;
	app.conf = &conf;
	app.n_workers = 1;
	if (dp_appliance_up(&app, err, sizeof(err)) < 0 || !app.workers[0]) {
		fprintf(stderr, "relay_path: %s\n", err);
		return -1;
	}
	w = app.workers[0];
	w->now_ms = 1000000;
	return 0;
}

static int suite_cleanup(void)
{
	dp_appliance_down(&app);
	mr_config_free(&conf);
	return 0;
}

static uint64_t event(enum dp_event e)
{
	return w->counters.events[e];
}

static uint64_t drops(enum dp_drop d)
{
	return w->counters.drops[d];
}

/* A client connection the test plays: its port and ISN, and the cookie it was given. */
struct client {
	uint16_t sport;
	uint32_t isn;
	uint32_t cookie;
};

static void client_send(const struct client *c, uint8_t flags, uint32_t seq,
			const uint8_t *payload, size_t plen)
{
	const struct dp_port *edge = &app.ports[0];
	struct tcp_frame_spec t = { edge->mac, CLIENT_IP, EDGE_IP, c->sport, 443, flags, seq,
				    (flags & RTE_TCP_ACK_FLAG) ? c->cookie + 1 : 0, NULL, 0,
				    payload, plen };
	struct rte_mbuf *m = tcp_frame_build(app.pool, edge->port_id, &t);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_input_frame(w, edge, m);
	dp_worker_housekeeping(w);
}

/* The flow of client c, or NULL when the relay keeps none. */
static struct flow *client_flow(const struct client *c)
{
	struct flow_key k = { rte_cpu_to_be_32(CLIENT_IP), rte_cpu_to_be_32(EDGE_IP),
			      rte_cpu_to_be_16(c->sport), rte_cpu_to_be_16(443) };
	enum flow_dir dir;

	return flow_lookup(w->flows, &k, &dir);
}

/* A new connection whose first `sent` hello bytes reached the relay. */
static struct flow *client_start(struct client *c, size_t sent)
{
	struct syncookie_conn conn;
	uint16_t mss;

	c->sport = next_sport++;
	c->isn = 1000u * c->sport;
	conn = (struct syncookie_conn){ rte_cpu_to_be_32(CLIENT_IP), rte_cpu_to_be_32(EDGE_IP),
					rte_cpu_to_be_16(c->sport), rte_cpu_to_be_16(443), c->isn };
	c->cookie = syncookie_make(&app.cookie_key, &conn, w->now_ms, 1460, &mss);
	client_send(c, RTE_TCP_SYN_FLAG, c->isn, NULL, 0);
	client_send(c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c->isn + 1, hello, sent);
	return client_flow(c);
}

/* The backend answers the relay's SYN of f: the flow is spliced. */
static void backend_synack(struct flow *f)
{
	const struct dp_port *svc = &app.ports[1];
	struct tcp_frame_spec t = { svc->mac, BACKEND_IP, SVC_IP, 443,
				    rte_be_to_cpu_16(f->b.key.local_port),
				    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 777000, f->b.local_isn + 1,
				    NULL, 0, NULL, 0 };
	struct rte_mbuf *m = tcp_frame_build(app.pool, svc->port_id, &t);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	dp_input_frame(w, svc, m);
	dp_worker_housekeeping(w);
}

/* The client's SYN again, as a retransmission that crossed our SYN-ACK would come. */
static void test_repeated_syn_while_collecting(void)
{
	struct client c;
	struct flow *f = client_start(&c, 100);
	uint64_t aborts = drops(DP_DROP_client_abort), repeated = event(DP_EV_syn_repeated);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	client_send(&c, RTE_TCP_SYN_FLAG, c.isn, NULL, 0);
	CU_ASSERT_PTR_EQUAL(client_flow(&c), f);
	CU_ASSERT_EQUAL(f->state, FLOW_HELLO);
	CU_ASSERT_EQUAL(drops(DP_DROP_client_abort), aborts);
	CU_ASSERT_EQUAL(event(DP_EV_syn_repeated), repeated + 1);
	/* The rest of the hello still completes the connection. */
	client_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, c.isn + 101, hello + 100,
		    hello_len - 100);
	CU_ASSERT_EQUAL(f->state, FLOW_CONNECTING);
	relay_abort(w, f, false, false, DP_DROP_none);
}

static void test_repeated_syn_while_connecting_and_spliced(void)
{
	struct client c;
	struct flow *f = client_start(&c, hello_len);
	uint64_t c2b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	client_send(&c, RTE_TCP_SYN_FLAG, c.isn, NULL, 0);
	CU_ASSERT_PTR_EQUAL(client_flow(&c), f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_CONNECTING);
	backend_synack(f);
	CU_ASSERT_EQUAL_FATAL(f->state, FLOW_SPLICED);
	/* Spliced: the backend never saw the client's SYN, so it must not get this one. */
	c2b = event(DP_EV_splice_c2b);
	client_send(&c, RTE_TCP_SYN_FLAG, c.isn, NULL, 0);
	CU_ASSERT_EQUAL(event(DP_EV_splice_c2b), c2b);
	CU_ASSERT_EQUAL(f->state, FLOW_SPLICED);
	client_send(&c, RTE_TCP_ACK_FLAG, c.isn + 1 + (uint32_t)hello_len, NULL, 0);
	CU_ASSERT_EQUAL(event(DP_EV_splice_c2b), c2b + 1);
	relay_abort(w, f, false, false, DP_DROP_none);
}

/* A SYN with another ISN is another connection on the same ports: this one is over. */
static void test_new_syn_ends_collecting_flow(void)
{
	struct client c;
	struct flow *f = client_start(&c, 100);
	uint64_t aborts = drops(DP_DROP_client_abort);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	client_send(&c, RTE_TCP_SYN_FLAG, c.isn + 5000, NULL, 0);
	CU_ASSERT_PTR_NULL(client_flow(&c));
	CU_ASSERT_EQUAL(drops(DP_DROP_client_abort), aborts + 1);
}

int test_relay_path_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "repeated SYN while the hello is collected", test_repeated_syn_while_collecting },
		{ "repeated SYN while connecting and spliced",
		  test_repeated_syn_while_connecting_and_spliced },
		{ "SYN of a new connection ends the old", test_new_syn_ends_collecting_flow },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("relay_path", suite_init, suite_cleanup, tests);
}
