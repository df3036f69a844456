/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "ctl": meshrelayctl's command line (modes, defaults, refusals) and the lines it
 * prints for people from the data plane's JSON (control socket and telemetry), and how
 * long it waits for telemetry. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl_args.h"
#include "ctl_print.h"
#include "ctl_sock.h"
#include "ctl_telemetry.h"
#include "ctl_top.h"
#include "json.h"
#include "mr_clock.h"
#include "mr_config.h"
#include "mr_ctl_proto.h"
#include "mr_pidfile.h"
#include "unit.h"

static int parse(char **argv, struct ctl_opts *o, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return ctl_args_parse(argc, argv, o, err, 128);
}

static void test_args_modes(void)
{
	char *dflt[] = { "meshrelayctl", "status", NULL };
	char *sock[] = { "meshrelayctl", "-s", "/x.sock", "--json", "show", "port", "edge", NULL };
	char *conf[] = { "meshrelayctl", "-c", "a.conf", "push", "b.conf", NULL };
	char *tele[] = { "meshrelayctl", "-p", "pfx", "show", "counters", "--json", NULL };
	char *reload[] = { "meshrelayctl", "--pidfile", "/p", "reload", NULL };
	char *check[] = { "meshrelayctl", "-p", "pfx", "check", "f.conf", NULL };
	char *pause[] = { "meshrelayctl", "port", "edge", "pause", NULL };
	char *top[] = { "meshrelayctl", "top", "1000000", NULL };
	char *top_once[] = { "meshrelayctl", "top", "1", NULL };
	struct ctl_opts o;
	char err[128];

	CU_ASSERT_EQUAL(parse(dflt, &o, err), 0);
	CU_ASSERT_EQUAL(o.mode, CTL_MODE_SOCKET);
	CU_ASSERT_STRING_EQUAL(o.socket, MR_CONTROL_SOCKET);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_STATUS);
	CU_ASSERT_FALSE(o.json);
	CU_ASSERT_EQUAL(parse(sock, &o, err), 0);
	CU_ASSERT_STRING_EQUAL(o.socket, "/x.sock");
	CU_ASSERT_TRUE(o.json);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_SHOW);
	CU_ASSERT_STRING_EQUAL(o.what, "port");
	CU_ASSERT_STRING_EQUAL(o.arg, "edge");
	CU_ASSERT_EQUAL(parse(conf, &o, err), 0);
	CU_ASSERT_PTR_NULL(o.socket);
	CU_ASSERT_STRING_EQUAL(o.config, "a.conf");
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_PUSH);
	CU_ASSERT_STRING_EQUAL(o.what, "b.conf");
	CU_ASSERT_EQUAL(parse(tele, &o, err), 0);
	CU_ASSERT_EQUAL(o.mode, CTL_MODE_TELEMETRY);
	CU_ASSERT_STRING_EQUAL(o.prefix, "pfx");
	CU_ASSERT_TRUE(o.json);
	CU_ASSERT_EQUAL(parse(reload, &o, err), 0);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_RELOAD);
	CU_ASSERT_STRING_EQUAL(o.pidfile, "/p");
	CU_ASSERT_EQUAL(parse(check, &o, err), 0);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_CHECK);
	CU_ASSERT_EQUAL(parse(pause, &o, err), 0);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_PORT);
	CU_ASSERT_STRING_EQUAL(o.what, "edge");
	CU_ASSERT_STRING_EQUAL(o.arg, "pause");
	CU_ASSERT_EQUAL(parse(top, &o, err), 0);
	CU_ASSERT_EQUAL(o.cmd, CTL_CMD_TOP);
	CU_ASSERT_EQUAL(parse(top_once, &o, err), 0);
}

/* 61 bytes: two make a socket path or a telemetry prefix too long. */
#define LONG_NAME "a-name-of-sixty-bytes-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
static void test_args_refusals(void)
{
	static const struct { const char *argv[8]; const char *why; } cases[] = {
		{ { "meshrelayctl", NULL }, "no command" },
		{ { "meshrelayctl", "frobnicate", NULL }, "unknown command" },
		{ { "meshrelayctl", "status", "extra", NULL }, "operands" },
		{ { "meshrelayctl", "push", NULL }, "operands" },
		{ { "meshrelayctl", "show", "port", "a", "b", NULL }, "operands" },
		{ { "meshrelayctl", "show", "port", NULL }, "port name" },
		{ { "meshrelayctl", "show", "routes", "x", NULL }, "port name" },
		{ { "meshrelayctl", "show", "nonsense", NULL }, "unknown object" },
		{ { "meshrelayctl", "-p", "x", "push", "f", NULL }, "read-only" },
		{ { "meshrelayctl", "-p", "x", "status", NULL }, "read-only" },
		{ { "meshrelayctl", "-p", "a/b", "show", "counters", NULL }, "bad prefix" },
		{ { "meshrelayctl", "-s", "/a", "-c", "b", "status", NULL }, "at most one" },
		{ { "meshrelayctl", "-s", "/a", "-p", "b", "status", NULL }, "at most one" },
		{ { "meshrelayctl", "--bogus", "status", NULL }, "unknown option" },
		{ { "meshrelayctl", "status", "-s", NULL }, "needs a value" },
		{ { "meshrelayctl", "port", "edge", NULL }, "operands" },
		{ { "meshrelayctl", "port", "edge", "stop", NULL }, "pause or resume" },
		{ { "meshrelayctl", "port", "a-name-longer-than-thirty-one-bytes", "pause", NULL },
		  "pause or resume" },
		{ { "meshrelayctl", "-p", "x", "port", "edge", "pause", NULL }, "read-only" },
		/* A name with a space was sent whole: "edge resume" paused read as "edge"
		 * resumed, exit 0. */
		{ { "meshrelayctl", "port", "edge resume", "pause", NULL }, "pause or resume" },
		{ { "meshrelayctl", "port", "", "pause", NULL }, "pause or resume" },
		{ { "meshrelayctl", "show", "port", "a b", NULL }, "port name" },
		/* Rounds past 32 bits wrapped: 4294967296 became 0, until stopped. */
		{ { "meshrelayctl", "top", "4294967296", NULL }, "number of rounds" },
		{ { "meshrelayctl", "top", "99999999999999999999", NULL }, "number of rounds" },
		{ { "meshrelayctl", "top", "0", NULL }, "number of rounds" },
		{ { "meshrelayctl", "top", "1e3", NULL }, "number of rounds" },
		/* Paths cut to fit a socket address reached whatever their first bytes named;
		 * an empty one, the abstract namespace; --json was ignored by top. */
		{ { "meshrelayctl", "-s", "", "status", NULL }, "socket path" },
		{ { "meshrelayctl", "-s", "/run/" LONG_NAME LONG_NAME, "status", NULL },
		  "socket path" },
		{ { "meshrelayctl", "-p", LONG_NAME LONG_NAME, "show", "counters", NULL },
		  "prefix longer" },
		{ { "meshrelayctl", "-p", "", "show", "counters", NULL }, "bad prefix" },
		{ { "meshrelayctl", "--json", "top", NULL }, "--json" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8]; /* getopt reorders the array: it must be writable */
		struct ctl_opts o;
		char err[128] = "";

		memcpy(argv, cases[i].argv, sizeof(argv));
		CU_ASSERT_EQUAL(parse(argv, &o, err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].why));
	}
}

/* What a printer writes for json, in a static buffer. */
static const char *printed(void (*print)(FILE *, const char *), const char *json)
{
	static char out[1024];
	FILE *f;

	out[0] = '\0'; /* fmemopen writes no NUL when nothing is printed */
	f = fmemopen(out, sizeof(out), "w");
	print(f, json);
	fclose(f);
	return out;
}

static const char *human(const char *json)
{
	return printed(ctl_print_human, json);
}

/* A telemetry answer's value as ctl_telemetry prints it: lines, or the text as it came. */
static void print_telemetry(FILE *out, const char *json)
{
	struct json_value *doc = json_parse(json, strlen(json), NULL, 0);

	if (!doc || doc->type != JSON_OBJECT || json_len(doc) != 1 ||
	    ctl_print_telemetry(out, json_at(doc, 0)) < 0)
		fprintf(out, "%s\n", json);
	json_free(doc);
}

static const char *telemetry(const char *json)
{
	return printed(print_telemetry, json);
}

/* Values as a person reads them: strings unescaped, numbers as written, literals. */
static void test_table_values(void)
{
	CU_ASSERT_STRING_EQUAL(human(" {\"generation\": 12, \"source\": \"a \\\"b\\\"\\n\","
				     " \"up\":true , \"neg\": -3, \"big\": 4294967296,"
				     " \"x\": null}\n"),
			       "generation 12\n"
			       "source     a \"b\"\n\n"
			       "up         true\n"
			       "neg        -3\n"
			       "big        4294967296\n"
			       "x          null\n");
	CU_ASSERT_STRING_EQUAL(human("{}"), "");
}

static void test_table_lists(void)
{
	CU_ASSERT_STRING_EQUAL(human("{\"items\": [\"a.example -> pool api\", \"\\u00e9\\t\","
				     " 7, \"\", \"\\ud83d\\ude00\", false]}"),
			       "a.example -> pool api\n\xc3\xa9\t\n7\n\n\xf0\x9f\x98\x80\nfalse\n");
	CU_ASSERT_STRING_EQUAL(human("{\"items\": []}"), "");
	CU_ASSERT_STRING_EQUAL(human("{\"n\": 10, \"empty\": [], \"list\": [\"x\"]}"),
			       "n 10\nempty:\nlist:\n  x\n");
}

/* Not JSON, or not one level deep: printed as it came. */
static void test_table_refusals(void)
{
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\": 1", "{\"a\" 1}", "{\"a\": {\"b\": 1}}", "{\"a\": [[1]]}",
		"{\"a\": 1} x", "{\"a\": \"\\q\"}", "{\"a\": \"\\u12\"}", "{a: 1}", "{\"a\": 1,}",
		"{\"a\": \"unterminated}", "{\"a\": }", "{\"a\": [1, 2}", "{\"a\": [{\"b\": 1}]}",
		"7", "\"text\"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s\n", bad[i]);
		CU_ASSERT_STRING_EQUAL(human(bad[i]), want);
	}
}

/* DPDK telemetry's answers: one object or list under the command's name, as lines that
 * scripts split on one space. */
static void test_telemetry_lines(void)
{
	CU_ASSERT_STRING_EQUAL(telemetry("{\"/meshrelay/port\": {\"driver\": \"net_memif\", "
					 "\"rx_q0_packets\": 12, \"link\": \"up 10 Gbps\"}}"),
			       "driver net_memif\nrx_q0_packets 12\nlink up 10 Gbps\n");
	CU_ASSERT_STRING_EQUAL(telemetry("{\"/meshrelay/neighbours\": [\"ip=10.0.0.1 state=ok\", "
					 "\"ip=10.0.0.2 state=failed\"]}"),
			       "ip=10.0.0.1 state=ok\nip=10.0.0.2 state=failed\n");
	CU_ASSERT_STRING_EQUAL(telemetry("{\"/meshrelay/drops\": {}}"), "\n");
	CU_ASSERT_STRING_EQUAL(telemetry("{\"/meshrelay/flow_list\": []}"), "\n");
	CU_ASSERT_STRING_EQUAL(telemetry("{\"/x\": {\"a\": {\"b\": 1}}}"),
			       "{\"/x\": {\"a\": {\"b\": 1}}}\n");
	CU_ASSERT_STRING_EQUAL(telemetry("{\"/x\": 1, \"/y\": 2}"), "{\"/x\": 1, \"/y\": 2}\n");
	CU_ASSERT_STRING_EQUAL(telemetry("not json"), "not json\n");
	CU_ASSERT_EQUAL(ctl_print_telemetry(stdout, NULL), -1);
}

static void test_print(void)
{
	char out[64];

	CU_ASSERT_STRING_EQUAL(human("{\"flows\": 3, \"backend_syn\": 120, \"source\": \"a b\"}"),
			       "flows       3\nbackend_syn 120\nsource      a b\n");
	CU_ASSERT_STRING_EQUAL(human("{\"items\": [\"one\", \"two\"]}"), "one\ntwo\n");
	CU_ASSERT_STRING_EQUAL(human("{\"n\": 2, \"list\": [\"x\"]}"), "n 2\nlist:\n  x\n");
	CU_ASSERT_STRING_EQUAL(human("not json"), "not json\n");
	/* push --json writes the data plane's result text with the one JSON escaper. */
	CU_ASSERT_EQUAL(json_escape(out, sizeof(out), "a\"b\\c\n"), 11);
	CU_ASSERT_STRING_EQUAL(out, "\"a\\\"b\\\\c\\n\"");
}

/* A telemetry server that accepts one client and never says a word: what a stopped data
 * plane's socket looks like to a client already in its backlog. It lets the client go
 * (closes) only when told through stop, or after 3 s, so that a client that would wait
 * for ever fails the test instead of hanging the run. */
struct mute_server {
	int listen_fd, stop[2];
};

static void *mute_server_run(void *arg)
{
	struct mute_server *m = arg;
	struct pollfd stop = { .fd = m->stop[0], .events = POLLIN };
	int fd = accept(m->listen_fd, NULL, NULL);

	poll(&stop, 1, 3000);
	close(fd);
	return NULL;
}

static void test_telemetry_no_answer(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct mute_server m;
	char reply[256];
	pthread_t th;
	uint64_t t0;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", unit_path("telemetry.sock"));
	m.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CU_ASSERT_FATAL(bind(m.listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
			listen(m.listen_fd, 1) == 0 && pipe(m.stop) == 0);
	pthread_create(&th, NULL, mute_server_run, &m);
	t0 = mr_clock_ms();
	CU_ASSERT_EQUAL(ctl_telemetry_query(sun.sun_path, "/meshrelay/counters", reply,
					    sizeof(reply), 300), -1);
	CU_ASSERT(mr_clock_ms() - t0 >= 300 && mr_clock_ms() - t0 < 2000);
	CU_ASSERT_EQUAL(write(m.stop[1], "x", 1), 1);
	pthread_join(th, NULL);
	close(m.stop[0]);
	close(m.stop[1]);
	close(m.listen_fd);
	unlink(sun.sun_path);
}

/* Writes text to the scratch file name; its path. */
static const char *scratch(const char *name, const char *text)
{
	const char *path = unit_path(name);
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* The control socket a file names, read alone: a file the full schema refuses (a route to
 * a pool it lacks: a file half edited) still says where the data plane listens; the
 * default where it says nothing; refused for a syntax error or a relative path. */
static void test_socket_of_a_file(void)
{
	char out[256], err[256];

	CU_ASSERT_EQUAL(mr_config_control_socket(
		scratch("half.conf", "dataplane = { control_socket = \"/run/x/dp.sock\"; };\n"
			"routes = ( { sni = \"a.example\"; pool = \"nowhere\"; } );\n"),
		out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "/run/x/dp.sock");
	CU_ASSERT_EQUAL(mr_config_control_socket(scratch("none.conf", "ports = ();\n"), out,
						 sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, MR_CONTROL_SOCKET);
	CU_ASSERT_EQUAL(mr_config_control_socket(scratch("syntax.conf", "dataplane = {\n"), out,
						 sizeof(out), err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "syntax.conf:"));
	CU_ASSERT_EQUAL(mr_config_control_socket(
		scratch("rel.conf", "dataplane = { control_socket = \"dp.sock\"; };\n"), out,
		sizeof(out), err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "absolute"));
}

/* top's view of two samples a second apart, into a string (freed by the caller). */
static char *top_view(const char *routes_a, const char *routes_b)
{
	char err[64];
	struct ctl_top_sample a = { .ms = 1000 }, b = { .ms = 2000 };
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	a.routes = json_parse(routes_a, strlen(routes_a), err, sizeof(err));
	b.routes = json_parse(routes_b, strlen(routes_b), err, sizeof(err));
	CU_ASSERT_FATAL(out && a.routes && b.routes);
	ctl_top_render(out, &a, &b);
	fclose(out);
	ctl_top_sample_free(&a);
	ctl_top_sample_free(&b);
	return text;
}

/* top ranks pools, once each, by their connections: a route's count is its pool's, and
 * before every route to one pool showed the pool's rate as its own; a route new since
 * the last sample showed the pool's whole count as one second's (1010.0/s). */
static void test_top_pools_once(void)
{
	char *view = top_view(
		"{\"items\": [\"a.example -> pool api pool_connections=1000\"]}",
		"{\"items\": [\"a.example -> pool api pool_connections=1010\", "
		"\"b.example -> pool api proxy-v2 pool_connections=1010\", "
		"\"c.example -> pool web pool_connections=7\", "
		"\"d.example -> network far pool_connections=0\"]}");

	CU_ASSERT_PTR_NOT_NULL(strstr(view, "busiest pools"));
	CU_ASSERT_PTR_NOT_NULL(strstr(view, "10.0/s  pool api\n"));
	CU_ASSERT_PTR_NULL(strstr(view, "1010.0/s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(view, "0.0/s  pool web\n")); /* new: 0 this time */
	CU_ASSERT_PTR_NULL(strstr(view, "b.example"));
	CU_ASSERT_PTR_NULL(strstr(view, "network far"));
	/* One row for api, however many routes lead there. */
	CU_ASSERT_PTR_NULL(strstr(strstr(view, "pool api\n") + 1, "pool api\n"));
	free(view);
}

/* A port name of 31 bytes (the longest a name may be) keeps its row's figures under their
 * headings: the name column is as wide as the longest name (it was 12, and the row
 * shifted right by the rest). */
static void test_top_long_port_name(void)
{
	static const char name[] = "a-port-name-of-thirty-one-bytes";
	struct ctl_top_sample a = { .ms = 1000 }, b = { .ms = 2000 };
	char *text = NULL, err[64];
	const char *head, *row;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	CU_ASSERT_FATAL(out != NULL && strlen(name) == 31);
	snprintf(a.port_names[0], sizeof(a.port_names[0]), "%s", name);
	snprintf(b.port_names[0], sizeof(b.port_names[0]), "%s", name);
	a.ports[0] = json_parse("{\"rx_packets\": 0}", 17, err, sizeof(err));
	b.ports[0] = json_parse("{\"rx_packets\": 5}", 17, err, sizeof(err));
	a.n_ports = b.n_ports = 1;
	ctl_top_render(out, &a, &b);
	fclose(out);
	head = strstr(text, "\nport ");
	row = strstr(text, name);
	CU_ASSERT_FATAL(head && row);
	/* The end of "rx pkt/s" and the end of its figure (5) fall in the same column. */
	CU_ASSERT_EQUAL(strstr(head, "rx pkt/s") + 8 - (head + 1), strstr(row, " 5 ") + 2 - row);
	ctl_top_sample_free(&a);
	ctl_top_sample_free(&b);
	free(text);
}

/* A data plane that refuses every connection as it is accepted, as one whose control
 * slots are all busy does. */
static void *refusing_dp(void *arg)
{
	static const char why[] = "refused: every control socket slot is busy";
	int listen_fd = *(int *)arg, fd = accept(listen_fd, NULL, NULL);

	if (fd >= 0) {
		mr_ctl_send(fd, MR_CTL_RESULT, 0, why, sizeof(why) - 1);
		usleep(100000); /* the client reads it before the close */
		close(fd);
	}
	return NULL;
}

/* A listening socket in a fresh directory (dir filled); its fd. */
static int listen_in(char dir[], struct sockaddr_un *sun)
{
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/ctl.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)sun, sizeof(*sun)), 0);
	CU_ASSERT_EQUAL_FATAL(listen(fd, 1), 0);
	return fd;
}

/* A connection refused at once (every slot busy, a user not admitted) exits 3, "not
 * reached", as the usage says, so that a script may try again, whatever the command; before,
 * it exited 1 as a refused request does for all but status (show, port and top asked
 * their question first and took the refusal for its answer). */
static void test_refused_connection_unreachable(void)
{
	static const char *const commands[][3] = {
		{ "status" }, { "show", "counters" }, { "port", "edge", "pause" }, { "top", "1" },
	};
	char dir[] = "/tmp/mr-ctl-XXXXXX", err[128];
	struct sockaddr_un sun;
	int fd = listen_in(dir, &sun);

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char *argv[7] = { "meshrelayctl", "-s", sun.sun_path };
		struct ctl_opts o;
		pthread_t th;

		for (int k = 0; k < 3 && commands[i][k]; k++)
			argv[3 + k] = (char *)commands[i][k];
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, refusing_dp, &fd), 0);
		CU_ASSERT_EQUAL_FATAL(parse(argv, &o, err), 0);
		CU_ASSERT_EQUAL(ctl_sock_run(&o), CTL_EXIT_UNREACHABLE);
		pthread_join(th, NULL);
	}
	close(fd);
	unlink(sun.sun_path);
	rmdir(dir);
}

/* A data plane whose generation moves while a reload is asked for, as meshrelay-cp's push
 * of what discovery learned moves it: answers every PING, with generation 1, then 2. */
static void *moving_dp(void *arg)
{
	int listen_fd = *(int *)arg, fd = accept(listen_fd, NULL, NULL);
	struct mr_ctl_hdr h;
	uint32_t gen = 1;
	char *body;

	while (fd >= 0 && mr_ctl_recv(fd, &h, &body, 4096, 10000) == 0) {
		char status[64];
		int len = snprintf(status, sizeof(status), "{\"generation\": %u}", gen);

		free(body);
		mr_ctl_send(fd, MR_CTL_PONG, gen, status, (uint32_t)len);
		gen = 2;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* A meshrelay-cp that takes the pid file at path, then answers the first SIGHUP by noting
 * "reload ID refused 1 WHY" (ID: the value the signal carried) and waits to be ended. */
static pid_t refusing_cp(const char *path)
{
	int ready[2];
	pid_t pid;
	char c;

	CU_ASSERT_FATAL(pipe(ready) == 0);
	pid = fork();
	if (pid == 0) {
		sigset_t set;
		siginfo_t si;
		char err[128], note[128];

		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if (mr_pidfile_write(path, err, sizeof(err)) < 0 || write(ready[1], "r", 1) != 1 ||
		    sigwaitinfo(&set, &si) < 0)
			_exit(1);
		snprintf(note, sizeof(note), "reload %d refused 1 edge.conf:3: syntax error",
			 si.si_code == SI_QUEUE ? si.si_value.sival_int : 0);
		mr_pidfile_note(note);
		pause();
		_exit(0);
	}
	close(ready[1]);
	CU_ASSERT_EQUAL(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* reload is what meshrelay-cp made of the file, not any move of the generation: a file it
 * refused while discovery's push moved the generation exits 1 (before: "reloaded", 0). */
static void test_reload_refused_while_generation_moves(void)
{
	char dir[] = "/tmp/mr-ctl-XXXXXX", err[128], pidfile[80];
	char *argv[] = { "meshrelayctl", "-s", NULL, "--pidfile", pidfile, "reload", NULL };
	struct sockaddr_un sun;
	int fd = listen_in(dir, &sun);
	struct ctl_opts o;
	pthread_t th;
	uint64_t t0;
	pid_t cp;

	snprintf(pidfile, sizeof(pidfile), "%s/cp.pid", dir);
	cp = refusing_cp(pidfile);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, moving_dp, &fd), 0);
	argv[2] = sun.sun_path;
	CU_ASSERT_EQUAL_FATAL(parse(argv, &o, err), 0);
	t0 = mr_clock_ms();
	CU_ASSERT_EQUAL(ctl_sock_run(&o), CTL_EXIT_FAILED);
	/* By the note, not by giving up waiting for one (35 s): a hang bound, not a speed. */
	CU_ASSERT(mr_clock_ms() - t0 < 10000);
	kill(cp, SIGTERM);
	waitpid(cp, NULL, 0);
	pthread_join(th, NULL);
	close(fd);
	unlink(sun.sun_path);
	unlink(pidfile);
	CU_ASSERT_EQUAL(unlink(strcat(pidfile, ".reload")), 0); /* the note, beside it */
	rmdir(dir);
}

int test_ctl_register(void)
{
	static CU_TestInfo tests[] = {
		{ "command line: modes and defaults", test_args_modes },
		{ "command line: refusals", test_args_refusals },
		{ "tables: values as people read them", test_table_values },
		{ "tables: lists, escapes, surrogate pairs", test_table_lists },
		{ "tables: what is not one is printed as it came", test_table_refusals },
		{ "human tables", test_print },
		{ "telemetry answers as lines", test_telemetry_lines },
		{ "telemetry that never answers: given up in time", test_telemetry_no_answer },
		{ "the control socket of a file that does not load whole", test_socket_of_a_file },
		{ "a connection refused by the data plane: not reached", test_refused_connection_unreachable },
		{ "top: pools ranked once each, a new one not as a spike", test_top_pools_once },
		{ "top: a long port name keeps the columns", test_top_long_port_name },
		{ "reload: meshrelay-cp's word, not the generation's move",
		  test_reload_refused_while_generation_moves },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("ctl", tests);
}
