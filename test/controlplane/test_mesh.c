/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "mesh": the mesh side of meshrelay-cp without servers: the gateway, turn,
 * discovery and gateways sections of the schema (and each refusal), the credentials file
 * (permissions, format, no password in any message), learned gateways turned into pushed
 * text (generations, reloads), registrations read from the store (hostile ones ignored),
 * and which of them become routes. Against real coturn and etcd: integration test 41. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cp_backoff.h"
#include "cp_conf.h"
#include "cp_discovery.h"
#include "cp_mesh.h"
#include "cp_secrets.h"
#include "etcd_conn.h"
#include "mr_clock.h"
#include "mr_config.h"
#include "unit.h"

static const char base_conf[] =
	"dataplane = { control_socket = \"/tmp/x.sock\"; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
	"networks = ( { name = \"blue\"; local = true; allow = [ \"10.0.0.0/24\" ]; },\n"
	"             { name = \"red\"; }, { name = \"green\"; } );\n";

static const char mesh_conf[] =
	"gateway = { id = \"gw-blue.1\"; };\n"
	"turn = { credentials = \"/etc/meshrelay/turn.secrets\"; lifetime = 300; refresh = 5;\n"
	"  servers = ( { name = \"red-turn\"; network = \"red\"; address = \"192.0.2.7\";\n"
	"                peers = [ \"10.9.0.1\", \"fd00::1\" ]; },\n"
	"              { name = \"green-turn\"; network = \"green\"; address = \"fd00::7\";\n"
	"                port = 5349; transport = \"tls\"; relay = \"udp\";\n"
	"                server_name = \"turn.green.example\"; } ); };\n"
	"discovery = { endpoints = [ \"http://127.0.0.1:2379\", \"http://[::1]:2379\" ];\n"
	"              prefix = \"/mesh\"; lease_ttl = 7; };\n";

/* load base + extra; 0 or -1 with err */
static int load(const char *extra, struct mr_config *c, char *err, size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", base_conf, extra);
	mr_config_free(c);
	return mr_config_load_string(text, "t.conf", c, err, errlen);
}

static void test_mesh_schema(void)
{
	struct mr_config c = { 0 };
	char err[512];
	const struct mr_turn_server_conf *s;

	CU_ASSERT_EQUAL_FATAL(load(mesh_conf, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.gateway.id, "gw-blue.1");
	CU_ASSERT_EQUAL(c.gateway.network, 0);
	CU_ASSERT_EQUAL(c.turn.lifetime_s, 300);
	CU_ASSERT_EQUAL(c.turn.refresh_s, 5);
	CU_ASSERT_EQUAL_FATAL(c.turn.n_servers, 2);
	s = &c.turn.servers[0];
	CU_ASSERT_EQUAL(s->network, 1);
	CU_ASSERT_EQUAL(s->port, 3478);
	CU_ASSERT_EQUAL(s->transport, MR_TURN_TCP);
	CU_ASSERT_EQUAL(s->relay_protocol, 6);
	CU_ASSERT_EQUAL(s->n_peers, 2);
	s = &c.turn.servers[1];
	CU_ASSERT_EQUAL(s->transport, MR_TURN_TLS);
	CU_ASSERT_EQUAL(s->relay_protocol, 17);
	CU_ASSERT_EQUAL(s->port, 5349);
	CU_ASSERT_EQUAL(c.discovery.n_endpoints, 2);
	CU_ASSERT_STRING_EQUAL(c.discovery.prefix, "/mesh");
	CU_ASSERT_EQUAL(c.discovery.lease_ttl_s, 7);
	CU_ASSERT_EQUAL(c.discovery.timeout_ms, 2000);
	CU_ASSERT_EQUAL(load("", &c, err, sizeof(err)), 0); /* all of it optional */
	CU_ASSERT_EQUAL(c.turn.n_servers, 0);
	CU_ASSERT_EQUAL(c.discovery.n_endpoints, 0);
	mr_config_free(&c);
}

static void test_mesh_refusals(void)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "gateway = { id = \"Big\"; };", "may hold only" },
		{ "gateway = { network = \"blue\"; };", "missing required setting 'id'" },
		{ "gateway = { id = \"g\"; network = \"red\"; };", "marked local" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"blue\"; "
		  "address = \"192.0.2.1\"; } ); }; gateway = { id = \"g\"; };", "this gateway's own" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"pink\"; "
		  "address = \"192.0.2.1\"; } ); }; gateway = { id = \"g\"; };", "unknown network" },
		{ "turn = { servers = ( { name = \"t\"; network = \"red\"; address = \"192.0.2.1\"; "
		  "} ); }; gateway = { id = \"g\"; };", "need 'credentials'" },
		{ "turn = { credentials = \"s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"192.0.2.1\"; } ); }; gateway = { id = \"g\"; };", "absolute path" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"turn.example\"; } ); }; gateway = { id = \"g\"; };", "not an IPv4" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"192.0.2.1\"; transport = \"tls\"; } ); }; gateway = { id = \"g\"; };",
		  "server_name" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"192.0.2.1\"; relay = \"sctp\"; } ); }; gateway = { id = \"g\"; };",
		  "'relay' must be tcp or udp" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"192.0.2.1\"; peers = [ \"x\" ]; } ); }; gateway = { id = \"g\"; };",
		  "peer 0" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"192.0.2.1\"; }, { name = \"t\"; network = \"red\"; address = "
		  "\"192.0.2.1\"; } ); }; gateway = { id = \"g\"; };", "declared twice" },
		{ "turn = { credentials = \"/s\"; servers = ( { name = \"t\"; network = \"red\"; "
		  "address = \"192.0.2.1\"; } ); };", "need a 'gateway'" },
		{ "turn = { lifetime = 5; };", "out of range" },
		{ "discovery = { endpoints = [ \"https://127.0.0.1:2379\" ]; }; gateway = { id = \"g\"; };",
		  "only plain http" },
		{ "discovery = { endpoints = [ \"http://etcd:2379\" ]; }; gateway = { id = \"g\"; };",
		  "an address, not a name" },
		{ "discovery = { endpoints = [ \"http://127.0.0.1:2379/v3\" ]; }; gateway = { id = \"g\"; };",
		  "not http://ADDRESS:PORT" },
		{ "discovery = { endpoints = [ ]; }; gateway = { id = \"g\"; };", "1 to 8" },
		{ "discovery = { endpoints = [ \"http://127.0.0.1:1\" ]; prefix = \"/a/\"; }; "
		  "gateway = { id = \"g\"; };", "does not end" },
		{ "discovery = { endpoints = [ \"http://127.0.0.1:1\" ]; lease_ttl = 1; }; "
		  "gateway = { id = \"g\"; };", "out of range" },
		{ "discovery = { endpoints = [ \"http://127.0.0.1:1\" ]; lease_ttl = 3; "
		  "timeout_ms = 1001; }; gateway = { id = \"g\"; };", "over a third of 'lease_ttl'" },

		{ "gateways = ( { id = \"g\"; network = \"blue\"; address = \"10.0.0.5\"; port = 1; } );",
		  "this gateway's own" },
		{ "gateways = ( { id = \"g\"; network = \"red\"; address = \"10.0.0.5\"; } );",
		  "missing required setting 'port'" },
		{ "gateways = ( { id = \"g\"; network = \"red\"; address = \"fd00::5\"; port = 1; } );",
		  "'fd00::5': other gateways are reached over IPv4 only" },
		{ "gateways = ( { id = \"g\"; network = \"red\"; address = \"0.0.0.0\"; port = 1; } );",
		  "'0.0.0.0' is no address to connect to" },
		{ "gateways = ( { id = \"a\"; network = \"red\"; address = \"10.0.0.5\"; port = 7; },\n"
		  "  { id = \"b\"; network = \"red\"; address = \"10.0.0.6\"; port = 7; },\n"
		  "  { id = \"c\"; network = \"red\"; address = \"10.0.0.5\"; port = 7; } );",
		  "gateway 'c' has the address and port of gateway 'a'" },
		{ "gateways = ( { id = \"g\"; network = \"red\"; address = \"10.0.0.5\"; port = 1; "
		  "via = 2; } );", "unknown setting 'via'" },
	};
	struct mr_config c = { 0 };
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(load(bad[i].text, &c, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].want));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:"));
	}
	mr_config_free(&c);
}

static void write_mode(const char *path, const char *text, mode_t mode)
{
	unit_write_file(path, text);
	chmod(path, mode);
}

/* Opens the FIFO at *arg for writing after 2 s, freeing a reader blocked opening it. */
static void *fifo_writer(void *arg)
{
	int fd;

	usleep(2000 * 1000);
	fd = open(arg, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* A FIFO planted at the credentials' path is refused at once (not a regular file), not
 * waited on with the control plane's loop held until someone writes to it. */
static void secrets_fifo_refused(const char *path)
{
	struct cp_secrets s = { 0 };
	char err[512];
	pthread_t th;
	uint64_t start;

	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, fifo_writer, (void *)path) == 0);
	start = mr_clock_ms();
	CU_ASSERT_EQUAL(cp_secrets_load(path, &s, err, sizeof(err)), -1);
	CU_ASSERT(mr_clock_ms() - start < 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	pthread_join(th, NULL);
	unlink(path);
}

static void test_secrets(void)
{
	const char *path = unit_path("turn.secrets");
	struct cp_secrets s = { 0 };
	const struct cp_secret *e;
	char err[512];

	write_mode(path, "# server user password\n\nred-turn blue p@ss:w0rd\n"
		   "green-turn\tblue2  other\r\n", 0600);
	CU_ASSERT_EQUAL_FATAL(cp_secrets_load(path, &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.n, 2);
	e = cp_secrets_find(&s, "red-turn");
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_STRING_EQUAL(e->user, "blue");
	CU_ASSERT_STRING_EQUAL(e->password, "p@ss:w0rd");
	e = cp_secrets_find(&s, "green-turn");
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_STRING_EQUAL(e->password, "other");
	CU_ASSERT_PTR_NULL(cp_secrets_find(&s, "blue-turn"));
	cp_secrets_free(&s);
	CU_ASSERT_EQUAL(s.n, 0);

	chmod(path, 0640);
	CU_ASSERT_EQUAL(cp_secrets_load(path, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mode 640"));
	write_mode(path, "red-turn blue TopSecret extra\n", 0600);
	CU_ASSERT_EQUAL(cp_secrets_load(path, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: expected SERVER USER PASSWORD"));
	CU_ASSERT_PTR_NULL(strstr(err, "TopSecret"));
	write_mode(path, "a u TopSecret\na u TopSecret2\n", 0600);
	CU_ASSERT_EQUAL(cp_secrets_load(path, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: server 'a' appears twice"));
	CU_ASSERT_PTR_NULL(strstr(err, "TopSecret"));
	CU_ASSERT_EQUAL(s.n, 0);
	unlink(path);
	CU_ASSERT_EQUAL(cp_secrets_load(path, &s, err, sizeof(err)), -1);
	mkdir(path, 0700);
	CU_ASSERT_EQUAL(cp_secrets_load(path, &s, err, sizeof(err)), -1);
	rmdir(path);
	secrets_fifo_refused(path);
}

/* A reload compares the credentials file with what each running TURN client uses. */
static void test_credentials_changed(void)
{
	const char *path = unit_path("turn.secrets");
	struct turn_client clients[2];
	struct cp_mesh m = { .turn = clients, .n_turn = 2 };
	struct mr_config c = { 0 };
	char err[512] = "";

	memset(clients, 0, sizeof(clients));
	snprintf(clients[0].conf.name, sizeof(clients[0].conf.name), "red-turn");
	snprintf(clients[0].user, sizeof(clients[0].user), "blue");
	snprintf(clients[0].password, sizeof(clients[0].password), "Old-Secret");
	snprintf(clients[1].conf.name, sizeof(clients[1].conf.name), "green-turn");
	snprintf(clients[1].user, sizeof(clients[1].user), "blue");
	snprintf(clients[1].password, sizeof(clients[1].password), "Green-Secret");
	CU_ASSERT_EQUAL_FATAL(load(mesh_conf, &c, err, sizeof(err)), 0);
	snprintf(c.turn.credentials, sizeof(c.turn.credentials), "%s", path);

	write_mode(path, "green-turn blue Green-Secret\nred-turn blue Old-Secret\n", 0600);
	CU_ASSERT_EQUAL(cp_mesh_credentials_changed(&m, &c, err, sizeof(err)), 0);
	write_mode(path, "green-turn blue Green-Secret\nred-turn blue New-Secret\n", 0600);
	CU_ASSERT_EQUAL(cp_mesh_credentials_changed(&m, &c, err, sizeof(err)), 1);
	write_mode(path, "green-turn blue2 Green-Secret\nred-turn blue Old-Secret\n", 0600);
	CU_ASSERT_EQUAL(cp_mesh_credentials_changed(&m, &c, err, sizeof(err)), 1);
	write_mode(path, "green-turn blue Green-Secret\n", 0600);
	CU_ASSERT_EQUAL(cp_mesh_credentials_changed(&m, &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no credentials for TURN server 'red-turn'"));
	chmod(path, 0644);
	CU_ASSERT_EQUAL(cp_mesh_credentials_changed(&m, &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(strstr(err, "Secret"));
	m.n_turn = 0; /* no TURN running: nothing to compare, the file is not even read */
	CU_ASSERT_EQUAL(cp_mesh_credentials_changed(&m, &c, err, sizeof(err)), 0);
	/* A reload's file is checked whole first: a server without its line refuses it
	 * (before, TURN and discovery were stopped, and none started again). */
	chmod(path, 0600);
	CU_ASSERT_EQUAL(cp_mesh_start_check(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no credentials for TURN server 'red-turn'"));
	write_mode(path, "green-turn blue Green-Secret\nred-turn blue Old-Secret\n", 0600);
	CU_ASSERT_EQUAL(cp_mesh_start_check(&c, err, sizeof(err)), 0);
	/* ... and a TLS server's trust anchors that cannot be read refuse it too (before,
	 * that server's client failed at its start, after every other had stopped). */
	snprintf(c.turn.servers[1].ca_file, sizeof(c.turn.servers[1].ca_file), "%s",
		 unit_path("no-such-ca.pem"));
	CU_ASSERT_EQUAL(cp_mesh_start_check(&c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "TLS trust anchors"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-ca.pem"));

	unlink(path);
	mr_config_free(&c);
}

static struct mr_remote_gateway_conf gw(const char *id, int network, const char *addr,
					 uint16_t port)
{
	struct mr_remote_gateway_conf g;

	memset(&g, 0, sizeof(g));
	snprintf(g.id, sizeof(g.id), "%s", id);
	g.network = network;
	snprintf(g.address, sizeof(g.address), "%s", addr);
	g.port = port;
	return g;
}

static void test_learned_gateways(void)
{
	const char *path = unit_path("mesh.conf");
	struct cp_conf c = { 0 };
	struct mr_remote_gateway_conf two[2] = { gw("gw-red-1", 1, "10.0.0.9", 49152),
						 gw("gw-green.2", 2, "10.0.0.19", 49153) };
	char text[4096], err[512];

	snprintf(text, sizeof(text), "%s%s", base_conf,
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 1);
	two[1].client_header = true; /* its record says it reads a client's header */
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, two, 2, NULL, 0, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(c.generation, 2);
	CU_ASSERT_EQUAL_FATAL(c.conf.n_remote_gateways, 2);
	CU_ASSERT_STRING_EQUAL(c.conf.remote_gateways[1].address, "10.0.0.19");
	CU_ASSERT_EQUAL(c.conf.remote_gateways[1].network, 2);
	CU_ASSERT_FALSE(c.conf.remote_gateways[0].client_header);
	CU_ASSERT_TRUE(c.conf.remote_gateways[1].client_header); /* pushed as it was learned */
	CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "gateways = ("));
	CU_ASSERT_EQUAL(strncmp(c.text, text, strlen(text)), 0); /* the file's text comes first */
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, two, 2, NULL, 0, err, sizeof(err)), 0); /* same set */
	CU_ASSERT_EQUAL(c.generation, 2);

	/* A reload that drops network green keeps red's gateway, mapped to the new index. */
	snprintf(text, sizeof(text), "%s",
		 "dataplane = { control_socket = \"/tmp/x.sock\"; };\n"
		 "ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		 "networks = ( { name = \"red\"; }, { name = \"blue\"; local = true; } );\n"
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.generation, 3);
	CU_ASSERT_EQUAL_FATAL(c.conf.n_remote_gateways, 1);
	CU_ASSERT_STRING_EQUAL(c.conf.remote_gateways[0].id, "gw-red-1");
	CU_ASSERT_EQUAL(c.conf.remote_gateways[0].network, 0);

	/* Learned gateways would silently replace a hand-written list: refused. */
	strcat(text, "gateways = ( { id = \"x\"; network = \"red\"; address = \"10.0.0.8\"; "
	       "port = 9; } );\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "remove the list"));
	CU_ASSERT_EQUAL(c.generation, 3);
	/* ... so would an empty one, or an 'imported' list: every push refused after. */
	*strstr(text, "gateways = (") = '\0';
	strcat(text, "gateways = ();\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "remove the list"));
	*strstr(text, "gateways = (") = '\0';
	strcat(text, "imported = ();\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "remove the list"));
	CU_ASSERT_EQUAL(c.generation, 3);
	/* An address the schema refuses changes nothing. */
	two[0] = gw("gw-red-1", 0, "10.0.0.300", 1);
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, two, 1, NULL, 0, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(c.generation, 3);
	CU_ASSERT_EQUAL(c.conf.n_remote_gateways, 1);
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, NULL, 0, NULL, 0, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(c.conf.n_remote_gateways, 0);
	cp_conf_free(&c);
}

/* A reload's candidate is a copy: loading a file into it and learning gateways on it leave
 * the configuration in force alone, and once the candidate is dropped (the data plane
 * refused it) the next change in force gets a number past the candidate's, never the same
 * number for another text. */
static void test_reload_candidate(void)
{
	const char *path = unit_path("mesh-cand.conf");
	struct cp_conf c = { 0 }, next;
	struct mr_remote_gateway_conf red = gw("gw-red-1", 1, "10.0.0.9", 49152);
	char text[4096], err[512];
	char *in_force;

	snprintf(text, sizeof(text), "%s%s", base_conf,
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(cp_conf_set_learned(&c, &red, 1, NULL, 0, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(c.generation, 2);
	in_force = strdup(c.text);
	CU_ASSERT_EQUAL_FATAL(cp_conf_copy(&next, &c), 0);
	CU_ASSERT_STRING_EQUAL(next.text, c.text);
	CU_ASSERT_EQUAL(next.conf.n_remote_gateways, 1);

	/* The candidate: another file, its learned gateway carried over. */
	strcat(text, "log = { level = \"debug\"; };\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&next, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(next.generation, 3);
	CU_ASSERT_EQUAL(next.n_learned, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(next.text, "debug"));
	CU_ASSERT_EQUAL(cp_conf_set_learned(&next, NULL, 0, NULL, 0, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(next.generation, 4);
	/* ... which left the one in force whole. */
	CU_ASSERT_EQUAL(c.generation, 2);
	CU_ASSERT_STRING_EQUAL(c.text, in_force);
	CU_ASSERT_EQUAL_FATAL(c.n_learned, 1);
	CU_ASSERT_STRING_EQUAL(c.learned[0].id, "gw-red-1");
	CU_ASSERT_EQUAL(c.conf.n_remote_gateways, 1);

	/* Refused: dropped, its numbers not given again. */
	c.issued = next.issued;
	cp_conf_free(&next);
	red.port = 49153;
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, &red, 1, NULL, 0, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(c.generation, 5);
	CU_ASSERT_PTR_NULL(strstr(c.text, "debug"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "49153"));
	free(in_force);
	unlink(path);
	cp_conf_free(&c);
}

/* A configuration with a local network and a TURN server of a remote one, by name, after
 * the networks of before (a list of { name = ...; } blocks, each with its comma). */
static int load_listed(const char *before, const char *local, const char *remote,
		       struct mr_config *c)
{
	char text[1024], err[512];

	snprintf(text, sizeof(text),
		 "dataplane = { control_socket = \"/tmp/x.sock\"; };\n"
		 "ports = ( { name = \"edge\"; device = \"net_null0\"; ipv4 = \"10.0.0.1/24\"; } );\n"
		 "networks = ( %s { name = \"%s\"; local = true; }, { name = \"%s\"; } );\n"
		 "gateway = { id = \"g\"; };\n"
		 "turn = { credentials = \"/etc/meshrelay/turn.secrets\";\n"
		 "  servers = ( { name = \"t\"; network = \"%s\"; address = \"192.0.2.7\"; } ); };\n",
		 before, local, remote, remote);
	mr_config_free(c);
	return mr_config_load_string(text, "m.conf", c, err, sizeof(err));
}

static int load_named(const char *local, const char *remote, struct mr_config *c)
{
	return load_listed("", local, remote, c);
}

/* A network added before the others moves every index after it, and changes nothing
 * TURN or discovery do: they go on (before, the indices were compared, and every
 * allocation was released, its data connections cut, the registration revoked). */
static void test_mesh_network_inserted(void)
{
	struct mr_config a = { 0 }, b = { 0 };

	CU_ASSERT_EQUAL_FATAL(load_named("blue", "red", &a), 0);
	CU_ASSERT_EQUAL_FATAL(load_listed("{ name = \"yellow\"; },", "blue", "red", &b), 0);
	CU_ASSERT_NOT_EQUAL(a.gateway.network, b.gateway.network);
	CU_ASSERT(cp_mesh_same(&a, &b));
	CU_ASSERT_EQUAL_FATAL(load_listed("{ name = \"yellow\"; },", "blue", "green", &b), 0);
	CU_ASSERT_FALSE(cp_mesh_same(&a, &b));
	mr_config_free(&a);
	mr_config_free(&b);
}

/* A network renamed in place (the same position in the file) changes TURN and discovery:
 * the registration's key and the relays' network are its name. Before, only indices were
 * compared, and the old name went on being published. */
static void test_mesh_network_renamed(void)
{
	struct mr_config a = { 0 }, b = { 0 };

	CU_ASSERT_EQUAL_FATAL(load_named("blue", "red", &a), 0);
	CU_ASSERT_EQUAL_FATAL(load_named("blue", "red", &b), 0);
	CU_ASSERT(cp_mesh_same(&a, &b));
	CU_ASSERT_EQUAL_FATAL(load_named("navy", "red", &b), 0);
	CU_ASSERT_FALSE(cp_mesh_same(&a, &b));
	CU_ASSERT_EQUAL_FATAL(load_named("blue", "crimson", &b), 0);
	CU_ASSERT_FALSE(cp_mesh_same(&a, &b));
	mr_config_free(&a);
	mr_config_free(&b);
}

static const char red_key[] = "/meshrelay/networks/red/gateways/gw-red-1";

static int parse(const char *key, const char *value, struct disc_gateway *g)
{
	const char *why = NULL;
	int rc = disc_parse_gateway("/meshrelay", key, strlen(key), value, strlen(value), g, &why);

	CU_ASSERT(rc == 0 || why != NULL);
	return rc;
}

static void test_registration_parse(void)
{
	static const char good[] =
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":["
		"{\"network\":\"blue\",\"server\":\"blue-turn\",\"transport\":\"tcp\","
		"\"address\":\"10.0.0.9\",\"port\":49152},"
		"{\"network\":\"green\",\"server\":\"g\",\"transport\":\"udp\","
		"\"address\":\"fd00::9\",\"port\":\"3\"}]}";
	static const char *const bad[] = {
		"{\"id\":\"gw-red-2\",\"network\":\"red\",\"relays\":[]}",     /* id is not the key's */
		"{\"id\":\"gw-red-1\",\"network\":\"blue\",\"relays\":[]}",    /* nor the network */
		"{\"id\":\"gw-red-1\",\"network\":\"red\"}",                   /* no relays */
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":{}}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[{\"network\":\"blue\","
		"\"server\":\"s\",\"transport\":\"tcp\",\"address\":\"10.0.0.256\",\"port\":1}]}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[{\"network\":\"blue\","
		"\"server\":\"s\",\"transport\":\"tcp\",\"address\":\"0.0.0.0\",\"port\":1}]}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[{\"network\":\"blue\","
		"\"server\":\"s\",\"transport\":\"tcp\",\"address\":\"224.0.0.1\",\"port\":1}]}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[{\"network\":\"blue\","
		"\"server\":\"s\",\"transport\":\"tcp\",\"address\":\"10.0.0.1\",\"port\":65536}]}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[{\"network\":\"Blue\\\"\","
		"\"server\":\"s\",\"transport\":\"tcp\",\"address\":\"10.0.0.1\",\"port\":1}]}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[{\"network\":\"blue\","
		"\"server\":\"s\",\"transport\":\"sctp\",\"address\":\"10.0.0.1\",\"port\":1}]}",
		"{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[] ",
		"not json",
	};
	struct disc_gateway g;

	CU_ASSERT_EQUAL_FATAL(parse(red_key, good, &g), 0);
	CU_ASSERT_STRING_EQUAL(g.id, "gw-red-1");
	CU_ASSERT_STRING_EQUAL(g.network, "red");
	CU_ASSERT_EQUAL_FATAL(g.n_relays, 2);
	CU_ASSERT_STRING_EQUAL(g.relays[0].network, "blue");
	CU_ASSERT_EQUAL(g.relays[0].port, 49152);
	CU_ASSERT(g.relays[0].tcp);
	CU_ASSERT(!g.relays[1].tcp);
	CU_ASSERT_EQUAL(g.relays[1].port, 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(parse(red_key, bad[i], &g), -1);
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/red/gateways/gw-red-1/x", good, &g), -1);
	CU_ASSERT_EQUAL(parse("/other/networks/red/gateways/gw-red-1", good, &g), -1);
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/red/gateways/", good, &g), -1);
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/RED/gateways/gw-red-1", good, &g), -1);
}

static void relay_set(struct disc_relay *r, const char *net, const char *server,
		      const char *address, uint16_t port, bool tcp)
{
	snprintf(r->network, sizeof(r->network), "%s", net);
	snprintf(r->server, sizeof(r->server), "%s", server);
	snprintf(r->address, sizeof(r->address), "%s", address);
	r->port = port;
	r->tcp = tcp;
}

/* What a gateway writes of itself, every other one reads back the same; a value that does
 * not fit is refused whole, not cut short. */
static void test_registration_round_trip(void)
{
	static const char names[] = "api.red.test\0*.web.red.test\0ssh.red.test:22";
	static struct disc_gateway g, back;
	char value[DISC_VALUE_MAX];
	int len;

	memset(&g, 0, sizeof(g));
	snprintf(g.id, sizeof(g.id), "gw-red-1");
	snprintf(g.network, sizeof(g.network), "red");
	/* Field by field into the zeroed struct: its padding stays zero, as the parser's. */
	relay_set(&g.relays[0], "blue", "blue-turn", "10.0.0.9", 49152, true);
	relay_set(&g.relays[1], "green", "g", "fd00::9", 3, false);
	g.n_relays = 2;
	memcpy(g.services, names, sizeof(names));
	g.n_services = 3;
	g.client_header = true;
	len = disc_write_gateway(value, sizeof(value), &g);
	CU_ASSERT_FATAL(len > 0 && (size_t)len == strlen(value));
	CU_ASSERT_PTR_NOT_NULL(strstr(value, ",\"client_header\":true}"));
	CU_ASSERT_EQUAL_FATAL(parse(red_key, value, &back), 0);
	CU_ASSERT_EQUAL(memcmp(&g, &back, sizeof(g)), 0);
	/* An older gateway writes no client_header: it reads no such header. One that is
	 * no boolean makes no registration. */
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\","
			      "\"relays\":[]}", &back), 0);
	CU_ASSERT_FALSE(back.client_header);
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\","
			      "\"relays\":[],\"client_header\":1}", &back), -1);
	/* Exactly its length and the NUL: written; a byte less: refused. */
	CU_ASSERT_EQUAL(disc_write_gateway(value, (size_t)len + 1, &g), len);
	CU_ASSERT_EQUAL(disc_write_gateway(value, (size_t)len, &g), -1);
	CU_ASSERT_EQUAL(disc_write_gateway(value, 10, &g), -1);
}

static void count_doc(void *arg, struct json_value *doc)
{
	(void)doc;
	++*(int *)arg;
}

/* A loopback "store" on listen_fd takes e's request whole (headers and Content-Length
 * bytes) into got, then answers {}; e counts the answers it parsed in *answers. The bytes
 * received; bounded by 3 s. */
static size_t store_exchange(struct etcd_conn *e, int listen_fd, char *got, size_t cap,
			     int *answers)
{
	uint64_t deadline = mr_clock_ms() + 3000;
	int fd = accept(listen_fd, NULL, NULL);
	size_t have = 0, want = 0;
	bool answered = false;

	CU_ASSERT_FATAL(fd >= 0);
	while (mr_clock_ms() < deadline && *answers == 0) {
		struct pollfd p[2] = { { .fd = e->conn.fd, .events = etcd_conn_events(e) },
				       { .fd = fd, .events = POLLIN } };

		if (poll(p, 2, 20) <= 0)
			continue;
		if (p[0].revents)
			CU_ASSERT_EQUAL_FATAL(etcd_conn_handle(e, p[0].revents, (int64_t)mr_clock_ms(),
							       count_doc, answers), 0);
		if ((p[1].revents & POLLIN) && have < cap) {
			ssize_t n = recv(fd, got + have, cap - have, 0);
			const char *end, *len;

			CU_ASSERT_FATAL(n > 0);
			have += (size_t)n;
			got[have < cap ? have : cap - 1] = '\0';
			end = strstr(got, "\r\n\r\n");
			len = strstr(got, "Content-Length: ");
			if (end && len && !want)
				want = (size_t)(end + 4 - got) + strtoul(len + 16, NULL, 10);
		}
		if (want && have >= want && !answered) {
			static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

			CU_ASSERT_EQUAL(send(fd, ok, sizeof(ok) - 1, 0), (ssize_t)sizeof(ok) - 1);
			answered = true;
		}
	}
	close(fd);
	return have;
}

/* A registration near DISC_VALUE_MAX goes to the store whole: its base64 and the request's
 * headers once had to fit 4 KB, and a larger one was refused at every retry. */
static void test_store_takes_large_requests(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	size_t body_len = 2 * DISC_VALUE_MAX + 100, have;
	char *body = malloc(body_len + 1), *got = malloc(body_len + 4096), endpoint[64];
	int listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), answers = 0;
	struct etcd_conn e;

	CU_ASSERT_FATAL(body && got && listen_fd >= 0);
	CU_ASSERT_FATAL(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(listen_fd, 1) == 0);
	getsockname(listen_fd, (struct sockaddr *)&sa, &sl);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	memset(body, 'A', body_len);
	memcpy(body, "{\"value\":\"", 10);
	memcpy(body + body_len - 2, "\"}", 2);
	body[body_len] = '\0';
	etcd_conn_init(&e);
	CU_ASSERT_EQUAL_FATAL(etcd_conn_request(&e, endpoint, "/v3/kv/put", body, false,
						(int64_t)mr_clock_ms(), 3000), 0);
	have = store_exchange(&e, listen_fd, got, body_len + 4096, &answers);
	CU_ASSERT(have > body_len);
	CU_ASSERT(have > body_len && memcmp(got + have - body_len, body, body_len) == 0);
	CU_ASSERT_EQUAL(answers, 1);
	etcd_conn_free(&e);
	close(listen_fd);
	free(got);
	free(body);
}

struct big_store {
	int listen_fd;
	const char *answer;
	size_t len;
};

/* The store's side of test_store_large_answer: take one request, answer it with a->answer,
 * written while the client reads (a thread of its own). */
static void *big_store_run(void *arg)
{
	struct big_store *a = arg;
	int fd = accept(a->listen_fd, NULL, NULL);
	char req[4096];
	size_t off = 0;

	if (fd < 0)
		return NULL;
	if (recv(fd, req, sizeof(req), 0) > 0) {
		while (off < a->len) {
			ssize_t n = send(fd, a->answer + off, a->len - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	shutdown(fd, SHUT_WR);
	usleep(200000);
	close(fd);
	return NULL;
}

/* A range answer four times the connection's input buffer (a large mesh's gateways, read
 * while the store writes): parsed whole, a buffer at a time. Before, the buffer filling
 * up in one read was taken for a protocol error and discovery never synced. */
static void test_store_large_answer(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	size_t body_len = 4 * CP_CONN_IN_MAX, at;
	char *answer = malloc(body_len + 128), endpoint[64];
	int listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), answers = 0;
	struct big_store st;
	struct etcd_conn e;
	uint64_t deadline = mr_clock_ms() + 5000;
	pthread_t th;

	CU_ASSERT_FATAL(answer && listen_fd >= 0);
	CU_ASSERT_FATAL(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(listen_fd, 1) == 0);
	getsockname(listen_fd, (struct sockaddr *)&sa, &sl);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	at = (size_t)snprintf(answer, 128, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			      body_len);
	memset(answer + at, ' ', body_len);
	memcpy(answer + at, "{\"kvs\":[", 8);
	memcpy(answer + at + body_len - 2, "]}", 2);
	st = (struct big_store){ listen_fd, answer, at + body_len };
	CU_ASSERT_FATAL(pthread_create(&th, NULL, big_store_run, &st) == 0);
	etcd_conn_init(&e);
	CU_ASSERT_EQUAL_FATAL(etcd_conn_request(&e, endpoint, "/v3/kv/range", "{}", false,
						(int64_t)mr_clock_ms(), 5000), 0);
	while (mr_clock_ms() < deadline && answers == 0 && e.conn.state != CP_CONN_CLOSED) {
		struct pollfd p = { .fd = e.conn.fd, .events = etcd_conn_events(&e) };

		if (poll(&p, 1, 20) > 0 &&
		    etcd_conn_handle(&e, p.revents, (int64_t)mr_clock_ms(), count_doc, &answers) < 0)
			fprintf(stderr, "\n  %s\n", e.error);
	}
	CU_ASSERT_EQUAL(answers, 1);
	pthread_join(th, NULL);
	etcd_conn_free(&e);
	close(listen_fd);
	free(answer);
}

/* The store's side of test_answer_then_reset: one request answered whole, then the
 * connection reset (SO_LINGER 0), both before the client reads. */
static void *answer_then_reset_run(void *arg)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	struct linger lg = { 1, 0 };
	int fd = accept(*(int *)arg, NULL, NULL);
	char req[4096];

	if (fd < 0)
		return NULL;
	if (recv(fd, req, sizeof(req), 0) > 0)
		send(fd, answer, strlen(answer), MSG_NOSIGNAL);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return NULL;
}

/* A whole answer with a reset right behind it (a balancer closing hard): the answer is
 * delivered, then the connection is over. Before, the reset read in the same call threw
 * the answer away with the connection. */
static void test_answer_then_reset(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), answers = 0, rc = 0;
	uint64_t deadline = mr_clock_ms() + 5000;
	struct etcd_conn e;
	char endpoint[64];
	pthread_t th;

	CU_ASSERT_FATAL(listen_fd >= 0);
	CU_ASSERT_FATAL(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(listen_fd, 1) == 0);
	getsockname(listen_fd, (struct sockaddr *)&sa, &sl);
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	CU_ASSERT_FATAL(pthread_create(&th, NULL, answer_then_reset_run, &listen_fd) == 0);
	etcd_conn_init(&e);
	CU_ASSERT_EQUAL_FATAL(etcd_conn_request(&e, endpoint, "/v3/kv/range", "{}", false,
						(int64_t)mr_clock_ms(), 5000), 0);
	/* Connected and the request out before the store answers and resets. */
	while (mr_clock_ms() < deadline && e.conn.state != CP_CONN_OPEN) {
		struct pollfd p = { .fd = e.conn.fd, .events = etcd_conn_events(&e) };

		if (poll(&p, 1, 20) > 0)
			rc = etcd_conn_handle(&e, p.revents, (int64_t)mr_clock_ms(), count_doc, &answers);
	}
	while (mr_clock_ms() < deadline && etcd_conn_events(&e) & POLLOUT) {
		struct pollfd p = { .fd = e.conn.fd, .events = POLLOUT };

		if (poll(&p, 1, 20) > 0)
			rc = etcd_conn_handle(&e, p.revents, (int64_t)mr_clock_ms(), count_doc, &answers);
	}
	pthread_join(th, NULL);
	usleep(20000); /* the answer and the reset both in */
	if (answers == 0 && rc == 0)
		rc = etcd_conn_handle(&e, POLLIN, (int64_t)mr_clock_ms(), count_doc, &answers);
	CU_ASSERT_EQUAL(answers, 1);
	etcd_conn_free(&e);
	close(listen_fd);
}

static void test_routes_from_registrations(void)
{
	struct cp_discovery d;
	struct mr_discovery_conf dc = { .n_endpoints = 1, .prefix = "/meshrelay",
					.lease_ttl_s = 5, .timeout_ms = 100 };
	struct mr_remote_gateway_conf out[8];
	struct mr_config c = { 0 };
	char err[512];
	struct disc_gateway *g;

	CU_ASSERT_EQUAL_FATAL(load("", &c, err, sizeof(err)), 0);
	snprintf(dc.endpoints[0], sizeof(dc.endpoints[0]), "http://127.0.0.1:9");
	CU_ASSERT_EQUAL_FATAL(cp_discovery_init(&d, &dc, "gw-blue-1", "blue", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"relays\":[]"));
	g = &d.gateways[d.n_gateways++]; /* green's: TCP relays in blue (one IPv6, left out),
					  * one UDP, one in red */
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/green/gateways/gw-g",
			      "{\"id\":\"gw-g\",\"network\":\"green\",\"relays\":["
			      "{\"network\":\"blue\",\"server\":\"b\",\"transport\":\"tcp\","
			      "\"address\":\"10.0.0.7\",\"port\":7},"
			      "{\"network\":\"blue\",\"server\":\"b\",\"transport\":\"udp\","
			      "\"address\":\"10.0.0.7\",\"port\":8},"
			      "{\"network\":\"blue\",\"server\":\"b6\",\"transport\":\"tcp\","
			      "\"address\":\"fd00::7\",\"port\":10},"
			      "{\"network\":\"red\",\"server\":\"r\",\"transport\":\"tcp\","
			      "\"address\":\"10.5.0.7\",\"port\":9}],\"client_header\":true}", g), 0);
	g = &d.gateways[d.n_gateways++];
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":["
			      "{\"network\":\"blue\",\"server\":\"b\",\"transport\":\"tcp\","
			      "\"address\":\"10.0.0.6\",\"port\":6}]}", g), 0);
	g = &d.gateways[d.n_gateways++]; /* red's relay again, under a new id (an old lease) */
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/red/gateways/gw-red-2",
			      "{\"id\":\"gw-red-2\",\"network\":\"red\",\"relays\":["
			      "{\"network\":\"blue\",\"server\":\"b\",\"transport\":\"tcp\","
			      "\"address\":\"10.0.0.6\",\"port\":6}]}", g), 0);
	g = &d.gateways[d.n_gateways++]; /* a network this gateway does not know */
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/pink/gateways/p",
			      "{\"id\":\"p\",\"network\":\"pink\",\"relays\":["
			      "{\"network\":\"blue\",\"server\":\"b\",\"transport\":\"tcp\","
			      "\"address\":\"10.0.0.5\",\"port\":5}]}", g), 0);
	CU_ASSERT_EQUAL_FATAL(cp_discovery_routes(&d, &c, out, 8), 2); /* red's once */
	CU_ASSERT_STRING_EQUAL(out[0].id, "gw-red-1"); /* sorted by network: red (1) first */
	CU_ASSERT_EQUAL(out[0].network, 1);
	CU_ASSERT_EQUAL(out[0].port, 6);
	CU_ASSERT_STRING_EQUAL(out[1].id, "gw-g");
	CU_ASSERT_EQUAL(out[1].network, 2);
	CU_ASSERT_EQUAL(out[1].port, 7);
	/* green's record says it reads a client's header, but our data plane has not said it
	 * takes the key (an older one under this meshrelay-cp would refuse every push): not
	 * pushed with it, nor said in our record; once it has, both. */
	CU_ASSERT_FALSE(out[1].client_header);
	CU_ASSERT_PTR_NULL(strstr(d.value, "client_header"));
	CU_ASSERT_TRUE(cp_discovery_set_client_header(&d, true));
	CU_ASSERT_FALSE(cp_discovery_set_client_header(&d, true)); /* no change */
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"client_header\":true"));
	CU_ASSERT_EQUAL_FATAL(cp_discovery_routes(&d, &c, out, 8), 2);
	CU_ASSERT_FALSE(out[0].client_header); /* red's record says nothing */
	CU_ASSERT_TRUE(out[1].client_header);
	CU_ASSERT_EQUAL(cp_discovery_routes(&d, &c, out, 1), 1);

	struct disc_relay r = { .network = "red", .server = "red-turn", .address = "10.5.0.1",
				.port = 49000, .tcp = true };
	d.put_needed = false;
	cp_discovery_set_relays(&d, &r, 1);
	CU_ASSERT(d.put_needed);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"address\":\"10.5.0.1\",\"port\":49000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"client_header\":true")); /* ours reads them */
	d.put_needed = false;
	cp_discovery_set_relays(&d, &r, 1); /* the same value: nothing to put */
	CU_ASSERT(!d.put_needed);
	cp_discovery_stop(&d);
	mr_config_free(&c);
}

/* A registration's exported names: read when they are names, the whole registration
 * refused when one is not. */
static void test_registration_services(void)
{
	struct disc_gateway g;
	const char *name;

	CU_ASSERT_EQUAL_FATAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\","
				    "\"relays\":[],\"services\":[\"api.red.mesh.test\","
				    "\"*.apps.red.mesh.test\"]}", &g), 0);
	CU_ASSERT_EQUAL_FATAL(g.n_services, 2);
	name = g.services;
	CU_ASSERT_STRING_EQUAL(name, "api.red.mesh.test");
	CU_ASSERT_STRING_EQUAL(name + strlen(name) + 1, "*.apps.red.mesh.test");
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[],"
			      "\"services\":[\"Api.red\"]}", &g), -1);
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[],"
			      "\"services\":[\"a..b\"]}", &g), -1);
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[],"
			      "\"services\":[\"x\\\"; pool = 1\"]}", &g), -1);
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[],"
			      "\"services\":\"api.red\"}", &g), -1);
}

/* Which exports become imported routes: the file's own routes first, then the networks in
 * the file's order (red before green), a name exported twice going to the first; what a
 * gateway exports is published with its registration. */
static void test_imports_from_registrations(void)
{
	struct cp_discovery d;
	struct mr_discovery_conf dc = { .n_endpoints = 1, .prefix = "/meshrelay",
					.lease_ttl_s = 5, .timeout_ms = 100 };
	struct mr_route_conf out[8];
	struct mr_config c = { 0 };
	char err[512];

	CU_ASSERT_EQUAL_FATAL(load("pools = ( { name = \"p\"; members = ( { address = \"10.0.0.5\";"
				   " port = 443; } ); } );\n"
				   "routes = ( { sni = \"mine.blue.test\"; pool = \"p\"; export = true; },\n"
				   "           { sni = \"both.test\"; pool = \"p\"; } );\n",
				   &c, err, sizeof(err)), 0);
	snprintf(dc.endpoints[0], sizeof(dc.endpoints[0]), "http://127.0.0.1:9");
	CU_ASSERT_EQUAL_FATAL(cp_discovery_init(&d, &dc, "gw-blue-1", "blue", NULL, NULL), 0);
	cp_discovery_set_services(&d, &c);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.value, "\"services\":[\"mine.blue.test\"]"));
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/green/gateways/g1",
			      "{\"id\":\"g1\",\"network\":\"green\",\"relays\":[],"
			      "\"services\":[\"shared.test\",\"green.test\",\"both.test\"]}",
			      &d.gateways[d.n_gateways++]), 0);
	CU_ASSERT_EQUAL(parse(red_key, "{\"id\":\"gw-red-1\",\"network\":\"red\",\"relays\":[],"
			      "\"services\":[\"shared.test\",\"red.test\"]}",
			      &d.gateways[d.n_gateways++]), 0);
	CU_ASSERT_EQUAL(parse("/meshrelay/networks/red/gateways/gw-red-2",
			      "{\"id\":\"gw-red-2\",\"network\":\"red\",\"relays\":[],"
			      "\"services\":[\"red.test\"]}", &d.gateways[d.n_gateways++]), 0);
	CU_ASSERT_EQUAL_FATAL(cp_discovery_imports(&d, &c, out, 8), 3);
	CU_ASSERT_STRING_EQUAL(out[0].sni, "shared.test"); /* red is declared before green */
	CU_ASSERT_EQUAL(out[0].network, 1);
	CU_ASSERT_STRING_EQUAL(out[1].sni, "red.test");    /* once, though two red gateways */
	CU_ASSERT_STRING_EQUAL(out[2].sni, "green.test");  /* both.test: routed by the file */
	CU_ASSERT_EQUAL(out[2].network, 2);
	CU_ASSERT(out[0].imported && out[0].pool == -1);
	for (int i = 0; i < 3; i++)
		free(out[i].sni);
	CU_ASSERT_EQUAL(load("routes = ( { sni = \"a.test\"; network = \"red\"; export = true; } );\n",
			     &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:5: only a named route to a local pool is exported"));
	CU_ASSERT_EQUAL(load("imported = ( { sni = \"a.test\"; } );\n", &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:5: an imported name needs its 'network'"));
	cp_discovery_stop(&d);
	mr_config_free(&c);
}

/* Imported names pushed as an 'imported' list behind the file: routes to their networks,
 * after the file's; one whose network the file stopped declaring is left out. */
static void test_imports_pushed(void)
{
	const char *path = unit_path("imports.conf");
	struct cp_conf c = { 0 };
	struct cp_import imp[2] = { { "api.red.test", "red" }, { "x.pink.test", "pink" } };
	char text[4096], err[512];
	const struct mr_route_conf *last;

	snprintf(text, sizeof(text), "%s%s", base_conf,
		 "gateway = { id = \"g\"; };\n"
		 "discovery = { endpoints = [ \"http://127.0.0.1:2379\" ]; };\n");
	write_mode(path, text, 0644);
	CU_ASSERT_EQUAL_FATAL(cp_conf_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, NULL, 0, imp, 2, err, sizeof(err)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.text, "imported = (\n  { sni = \"api.red.test\"; "
					      "network = \"red\"; }\n);"));
	CU_ASSERT_PTR_NULL(strstr(c.text, "pink"));
	CU_ASSERT_EQUAL_FATAL(c.conf.n_routes, 1);
	last = &c.conf.routes[0];
	CU_ASSERT(last->imported && last->network == 1 && strcmp(last->sni, "api.red.test") == 0);
	CU_ASSERT_EQUAL(cp_conf_set_learned(&c, NULL, 0, imp, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cp_conf_load(&c, path, err, sizeof(err)), 0); /* a reload keeps them */
	CU_ASSERT_EQUAL(c.conf.n_routes, 1);
	cp_conf_free(&c);
	unlink(path);
}

static void test_backoff_cap(void)
{
	struct cp_backoff b = { 0 };

	b.max_ms = 60000;
	b.next_ms = 1000;
	CU_ASSERT_EQUAL(cp_backoff_next(&b), 1000);
	for (int i = 0; i < 10; i++)
		cp_backoff_next(&b);
	CU_ASSERT_EQUAL(cp_backoff_next(&b), 60000);
	b.max_ms = 0; /* back to the default cap */
	CU_ASSERT_EQUAL(cp_backoff_next(&b), CP_BACKOFF_MAX_MS);
}

int test_mesh_register(void)
{
	static const CU_TestInfo tests[] = {
		{ "schema of gateway, turn, discovery", test_mesh_schema },
		{ "a network renamed in place starts the mesh over", test_mesh_network_renamed },
		{ "a network added before the others: the mesh goes on", test_mesh_network_inserted },
		{ "schema refusals name file and line", test_mesh_refusals },
		{ "credentials file", test_secrets },
		{ "credentials changed under running TURN clients", test_credentials_changed },
		{ "learned gateways become pushed text", test_learned_gateways },
		{ "a reload's candidate leaves the configuration in force", test_reload_candidate },
		{ "registrations from the store", test_registration_parse },
		{ "a registration written reads back the same", test_registration_round_trip },
		{ "a request of twice the largest registration reaches the store",
		  test_store_takes_large_requests },
		{ "an answer larger than the input buffer", test_store_large_answer },
		{ "an answer with a reset right behind it: delivered", test_answer_then_reset },
		{ "registrations become routes", test_routes_from_registrations },
		{ "registrations' exported names", test_registration_services },
		{ "exports become imported routes", test_imports_from_registrations },
		{ "imported names pushed", test_imports_pushed },
		{ "back-off with its own cap", test_backoff_cap },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("mesh", tests);
}
