/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "mgmt_command": control messages carried out on the appliance of relay_harness.h
 * without a socket, each answer caught as the socket would send it: a PING's status, a
 * refused query, port and bind requests that name nothing, and pushes that apply whole or
 * not at all (the generation in force tells). */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dp_mailbox.h"
#include "mgmt_command.h"
#include "mgmt_server.h"
#include "mr_clock.h"
#include "mr_ctl_proto.h"
#include "relay.h"
#include "relay_harness.h"
#include "relay_live.h"
#include "relay_tcp.h"
#include "unit.h"

/* The last answer. */
static struct {
	unsigned int count;
	uint16_t type;
	uint32_t generation;
	char text[1 << 16];
} ans;

static int suite_init(void)
{
	return rh_up("mbufs = 0;",
		     "max_flows = 256; client = { max_flows = 256; max_hellos = 256; };");
}

static int catch_answer(void *ctx, uint16_t type, uint32_t generation, const char *text)
{
	(void)ctx;
	ans.count++;
	ans.type = type;
	ans.generation = generation;
	snprintf(ans.text, sizeof(ans.text), "%s", text);
	return 0;
}

/* Carry out one message from client number `client`; its one answer must come. */
static void run_from(uint64_t client, uint16_t type, uint32_t generation, const char *payload)
{
	struct mr_ctl_hdr h = { MR_CTL_VERSION, type, generation, (uint32_t)strlen(payload) };
	unsigned int before = ans.count;

	CU_ASSERT_EQUAL(mgmt_command_run(&rh_app, &h, payload,
					 &(struct mgmt_reply){ catch_answer, NULL, client, 0 }), 0);
	CU_ASSERT_EQUAL(ans.count, before + 1);
}

/* The same from client 1. */
static void run(uint16_t type, uint32_t generation, const char *payload)
{
	run_from(1, type, generation, payload);
}

/* An answer longer than a client reads is refused in its place, saying its size: sent,
 * every client would drop it as too long, after this thread spent its send time on it.
 * (The limit lowered here from the 16 MiB a client reads.) */
static void test_answer_too_long(void)
{
	struct mr_ctl_hdr h = { MR_CTL_VERSION, MR_CTL_QUERY, 0, (uint32_t)strlen("routes") };

	CU_ASSERT_EQUAL(mgmt_command_run(&rh_app, &h, "routes",
					 &(struct mgmt_reply){ catch_answer, NULL, 1, 64 }), 0);
	CU_ASSERT_EQUAL(ans.type, MR_CTL_RESULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "refused: the answer is "));
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "more than the 64 a client reads"));
	run(MR_CTL_QUERY, 0, "routes"); /* the whole limit: answered */
	CU_ASSERT_EQUAL(ans.type, MR_CTL_REPLY);
}

static void test_refusals(void)
{
	run(0x7777, 0, "");
	CU_ASSERT_EQUAL(ans.type, MR_CTL_RESULT);
	CU_ASSERT_STRING_EQUAL(ans.text, "refused: unknown request");
	run(MR_CTL_QUERY, 0, "no-such-report");
	CU_ASSERT_EQUAL(ans.type, MR_CTL_RESULT);
	CU_ASSERT_STRING_EQUAL(ans.text, "refused: unknown object");
	run(MR_CTL_PORT, 0, "edge");
	CU_ASSERT_STRING_EQUAL(ans.text, "refused: give a port name and pause or resume");
	run(MR_CTL_PORT, 0, "edge halt");
	CU_ASSERT_STRING_EQUAL(ans.text, "refused: give a port name and pause or resume");
	run(MR_CTL_PORT, 0, "nope pause");
	CU_ASSERT_STRING_EQUAL(ans.text, "refused: no port named nope; ports: edge svc");
	run(MR_CTL_QUERY, 0, "port:edeg"); /* a typo: said, with the names there are */
	CU_ASSERT_STRING_EQUAL(ans.text, "refused: no port named edeg; ports: edge svc");
	run(MR_CTL_BIND, 0, "not a bind request");
	CU_ASSERT_EQUAL(ans.type, MR_CTL_RESULT);
	CU_ASSERT_EQUAL(strncmp(ans.text, "refused: ", 9), 0);
	/* None of that touched a port or the configuration. */
	CU_ASSERT_FALSE(rh_w->ports_paused);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), 0);
}

static void test_ping_status(void)
{
	run(MR_CTL_PING, 0, "");
	CU_ASSERT_EQUAL(ans.type, MR_CTL_PONG);
	CU_ASSERT_EQUAL(ans.generation, mgmt_generation(&rh_app));
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "\"generation\""));
	CU_ASSERT_EQUAL(ans.text[0], '{');
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "\"draining\": 0"));
	/* A data plane that stops (its drain: new connections refused) says so. */
	rh_app.draining = true;
	run(MR_CTL_PING, 0, "");
	rh_app.draining = false;
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "\"draining\": 1"));
}

static void test_push_whole_or_nothing(void)
{
	const char *text = rh_config_text();
	char *changed = malloc(strlen(text) + 1), *at;
	const struct relay_live *before = relay_live_get(&rh_app);

	CU_ASSERT_PTR_NOT_NULL_FATAL(changed);
	/* Not a configuration at all. */
	run(MR_CTL_PUSH, 5, "ports = ( { name = ");
	CU_ASSERT_EQUAL(strncmp(ans.text, "refused: ", 9), 0);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), 0);
	CU_ASSERT_PTR_EQUAL(relay_live_get(&rh_app), before);
	/* A valid file whose ports are not the ones the data plane runs. */
	strcpy(changed, text);
	at = strstr(changed, "name = \"svc\"");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, "name = \"sv2\"", 12);
	run(MR_CTL_PUSH, 6, changed);
	CU_ASSERT_EQUAL(strncmp(ans.text, "refused: ", 9), 0);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), 0);
	CU_ASSERT_PTR_EQUAL(relay_live_get(&rh_app), before);
	/* The same file again as generation 7: applied, and in force. */
	run(MR_CTL_PUSH, 7, text);
	CU_ASSERT_EQUAL(ans.type, MR_CTL_RESULT);
	CU_ASSERT_EQUAL(strncmp(ans.text, "applied generation 7 in ", 24), 0);
	CU_ASSERT_EQUAL(ans.generation, 7);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), 7);
	run(MR_CTL_PING, 0, "");
	CU_ASSERT_EQUAL(ans.generation, 7);
	free(changed);
}

/* A push that moves the listener to another TCP port keeps the connections open on the
 * old one: their segments still reach their backends, not the host; a new connection to
 * the old port is the host's. */
static void test_push_keeps_flows_of_a_moved_listener(void)
{
	static const uint8_t more[] = "more";
	const char *text = rh_config_text();
	char *moved = strdup(text), *at;
	struct rh_peer c = rh_client(false), b;
	struct flow *f = rh_client_start(&c, rh_hello_api, rh_hello_api_len);
	uint32_t next = c.isn + 1 + (uint32_t)rh_hello_api_len;
	uint64_t to_host = rh_event(DP_EV_syn_in);
	struct rh_sent s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(moved);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rh_backend_accepts(f, &b);
	at = strstr(moved, "tcp_port = 443;");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	memcpy(at, "tcp_port = 444;", 15);
	run(MR_CTL_PUSH, 8, moved);
	CU_ASSERT_EQUAL(strncmp(ans.text, "applied", 7), 0);
	CU_ASSERT_FALSE(relay_live_is_listener(relay_live_get(&rh_app), c.port->index, 443));
	rh_drain(b.port);
	rh_send(&c, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, next, c.our_isn + 1, more, 4);
	while ((s = rh_next_tcp(b.port)).m && s.plen == 0)
		rte_pktmbuf_free(s.m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.m);
	CU_ASSERT_EQUAL(s.plen, 4);
	CU_ASSERT_EQUAL(memcmp(s.payload, more, 4), 0);
	rte_pktmbuf_free(s.m);
	rh_flow_end(f);
	c = rh_client(false);
	rh_drain(c.port);
	rh_send(&c, RTE_TCP_SYN_FLAG, c.isn, 0, NULL, 0); /* the old port: no listener now */
	CU_ASSERT_EQUAL(rh_event(DP_EV_syn_in), to_host);
	CU_ASSERT_PTR_NULL(rh_next_tcp(c.port).m);
	run(MR_CTL_PUSH, 9, text);
	free(moved);
}

/* meshrelay-cp (client 7) claims the configuration: a push from anyone else is refused,
 * saying why, and nothing changes; its own pushes apply; a second claim is refused; once
 * it is gone, anyone's push applies again. Before, another client's push said "applied"
 * and meshrelay-cp put its own file back at its next ping. */
static void test_claimed_configuration(void)
{
	const char *text = rh_config_text();
	uint32_t gen = mgmt_generation(&rh_app);

	run_from(7, MR_CTL_CLAIM, 0, "");
	CU_ASSERT_STRING_EQUAL(ans.text, "claimed");
	run_from(2, MR_CTL_PING, 0, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "\"managed\": 1"));
	run_from(2, MR_CTL_PUSH, gen + 1, text);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "refused: meshrelay-cp manages"));
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), gen);
	run_from(3, MR_CTL_CLAIM, 0, "");
	CU_ASSERT_EQUAL(strncmp(ans.text, "refused: ", 9), 0);
	run_from(7, MR_CTL_PUSH, gen + 2, text);
	CU_ASSERT_EQUAL(strncmp(ans.text, "applied", 7), 0);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), gen + 2);
	mgmt_command_client_gone(&rh_app, 2);  /* not the claimant: nothing changes */
	run_from(2, MR_CTL_PUSH, gen + 3, text);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), gen + 2);
	mgmt_command_client_gone(&rh_app, 7);
	run_from(2, MR_CTL_PING, 0, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "\"managed\": 0"));
	run_from(2, MR_CTL_PUSH, gen + 3, text);
	CU_ASSERT_EQUAL(strncmp(ans.text, "applied", 7), 0);
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), gen + 3);
}

/* A push that changes settings the data plane reads only as it starts: applied (its
 * routes are in force) and saying which it keeps for the next start, by their names in
 * the file; the same file without them says nothing more. Before, "applied" alone. */
static void test_push_names_restart_settings(void)
{
	const char *text = rh_config_text();
	size_t len = strlen(text) + 256;
	char *changed = malloc(len), *at;

	CU_ASSERT_PTR_NOT_NULL_FATAL(changed);
	at = strstr(text, "relay = { ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	snprintf(changed, len, "%.*srelay = { idle_timeout_ms = 5000; source_ports = \"20000-29999\"; "
		 "%s", (int)(at - text), text, at + strlen("relay = { "));
	run(MR_CTL_PUSH, 21, changed);
	CU_ASSERT_EQUAL(strncmp(ans.text, "applied generation 21 in ", 25), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "; not in force before a restart: "
					     "relay.idle_timeout_ms, relay.source_ports"));
	CU_ASSERT_EQUAL(mgmt_generation(&rh_app), 21);
	CU_ASSERT_EQUAL(relay_live_get(&rh_app)->conf.relay.idle_timeout_ms, 5000);
	CU_ASSERT_NOT_EQUAL(rh_app.conf->relay.idle_timeout_ms, 5000);
	run(MR_CTL_PUSH, 22, text);
	CU_ASSERT_EQUAL(strncmp(ans.text, "applied generation 22 in ", 25), 0);
	CU_ASSERT_PTR_NULL(strstr(ans.text, "restart"));
	free(changed);
}

static volatile bool serving;

/* The worker's lcore, as far as its mailbox goes, while the test thread asks it. */
static void *serve_mailbox(void *arg)
{
	(void)arg;
	while (serving)
		dp_mailbox_serve(rh_w);
	return NULL;
}

/* More flows than a list shows a worker: the list says how many more, never a part of
 * them as if it were all. */
static void test_flow_list_says_more(void)
{
	pthread_t th;
	struct flow *f[70];
	const char *at;
	unsigned int lines = 0;

	for (unsigned int i = 0; i < RTE_DIM(f); i++) {
		struct rh_peer c = rh_client(false);

		f[i] = rh_client_start(&c, rh_hello_api, 10); /* a hello not whole: kept */
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
	}
	serving = true;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, serve_mailbox, NULL) == 0);
	run(MR_CTL_QUERY, 0, "flow_list");
	serving = false;
	pthread_join(th, NULL);
	for (at = ans.text; (at = strstr(at, " client=")) != NULL; at++)
		lines++;
	CU_ASSERT_EQUAL(lines, 64);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans.text, "worker=0: 6 more not listed (64 a worker at most)"));
	for (unsigned int i = 0; i < RTE_DIM(f); i++)
		relay_abort(rh_w, f[i], false, false, DP_DROP_none);
}

/* busy_pct is the share of the time the polls that found work took, not a share of polls:
 * 9 s of busy cycles in 10 s is 90 %, however many idle polls there were. */
static void test_lcores_busy_time(void)
{
	uint64_t started = rh_app.started_ms;
	typeof(rh_w->load) load = rh_w->load;
	const char *pct;

	rh_app.started_ms = mr_clock_ms() - 10000;
	rh_w->load.busy_cycles = 9 * rte_get_tsc_hz();
	rh_w->load.busy_polls = 1000;
	rh_w->load.idle_polls = 9000;
	run(MR_CTL_QUERY, 0, "lcores");
	rh_app.started_ms = started;
	rh_w->load = load;
	pct = strstr(ans.text, " busy_pct=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pct);
	/* 90 %, less the moment between setting the start and the report (a loaded host) */
	CU_ASSERT(strtod(pct + 10, NULL) > 88.0 && strtod(pct + 10, NULL) <= 90.0);
}

/* A regular file at path holding text. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* Whether a file is at path. */
static bool file_there(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A stop with no start before it (the data plane failing before its control socket is
 * up) closes nothing: before, every client slot said fd 0, and stdin, or whatever
 * descriptor had taken its number, was closed sixteen times. In a child, before any start
 * in this process (the cases after this one start the server). */
static void test_stop_without_start(void)
{
	pid_t pid = fork();
	int status = -1;

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(2);
		mgmt_server_stop();
		_exit(fcntl(0, F_GETFD) < 0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The control socket's path: a file there that is no socket (a setting naming the
 * configuration file by mistake) is refused and left as it is (before, it was removed:
 * connecting to it is refused as to a dead socket); at the stop, only the socket this run
 * bound is removed, not a file put in its place since. */
static void test_socket_path_claimed_with_care(void)
{
	char dir[] = "/tmp/mr-ctlsock-XXXXXX", path[64], err[256] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	write_text(path, "settings = 1;\n");
	CU_ASSERT_EQUAL(mgmt_server_start(&rh_app, path, NULL, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a socket"));
	mgmt_server_stop();
	CU_ASSERT_TRUE(file_there(path));
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(mgmt_server_start(&rh_app, path, NULL, err, sizeof(err)), 0);
	unlink(path);
	write_text(path, "another's\n");
	mgmt_server_stop();
	CU_ASSERT_TRUE(file_there(path));
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(mgmt_server_start(&rh_app, path, NULL, err, sizeof(err)), 0);
	mgmt_server_stop();
	CU_ASSERT_FALSE(file_there(path));
	rmdir(dir);
}

/* A client that asks and never reads holds only its own slot: another's PING is answered
 * while the first's answers wait (before, this thread waited up to 2 s on each of them,
 * long enough for meshrelay-cp to call the data plane lost and drop its claim). */
static void test_silent_reader_holds_only_itself(void)
{
	char dir[] = "/tmp/mr-ctlsock-XXXXXX", path[64], err[256] = "";
	static uint8_t pings[2000 * MR_CTL_HDR_LEN];
	struct mr_ctl_hdr h = { MR_CTL_VERSION, MR_CTL_PING, 0, 0 };
	struct mr_ctl_hdr got;
	char *answer = NULL;
	int silent, other;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	CU_ASSERT_EQUAL_FATAL(mgmt_server_start(&rh_app, path, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(pings); i += MR_CTL_HDR_LEN)
		mr_ctl_hdr_encode(&h, pings + i);
	silent = mr_ctl_connect(path, 1000);
	CU_ASSERT_FATAL(silent >= 0);
	/* Two thousand status answers: more than its socket holds. */
	CU_ASSERT_EQUAL(send(silent, pings, sizeof(pings), MSG_NOSIGNAL), (ssize_t)sizeof(pings));
	usleep(200000); /* the server has filled its socket */
	other = mr_ctl_connect(path, 1000);
	CU_ASSERT_FATAL(other >= 0);
	/* A hang bound, not a speed: the old wait was 2 s an answer. */
	CU_ASSERT_EQUAL(mr_ctl_exchange(other, MR_CTL_PING, 0, NULL, 0, 1500, &got, &answer), 0);
	CU_ASSERT_EQUAL(got.type, MR_CTL_PONG);
	free(answer);
	close(other);
	close(silent);
	mgmt_server_stop();
	rmdir(dir);
}

int test_mgmt_command_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "unknown or malformed requests refused, nothing changed", test_refusals },
		{ "PING answers the status", test_ping_status },
		{ "an answer longer than a client reads refused, saying so", test_answer_too_long },
		{ "a push applies whole or not at all", test_push_whole_or_nothing },
		{ "a push that moves a listener keeps its open flows",
		  test_push_keeps_flows_of_a_moved_listener },
		{ "a claimed configuration takes no one else's push", test_claimed_configuration },
		{ "a push names the settings it keeps for the next start",
		  test_push_names_restart_settings },
		{ "a flow list longer than a worker's lines says how many more",
		  test_flow_list_says_more },
		{ "a worker's busy share is of its time, not of its polls", test_lcores_busy_time },
		{ "a stop without a start closes nothing", test_stop_without_start },
		{ "a client that never reads holds only its own slot",
		  test_silent_reader_holds_only_itself },
		{ "the control socket's path: no other file removed",
		  test_socket_path_claimed_with_care },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite_with("mgmt_command", suite_init, rh_down, tests);
}
