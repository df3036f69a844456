/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turn-probe: drives meshrelay-cp's TURN client against a real TURN server to check the
 * RFC 6062 data paths end to end (integration test 41):
 *   turn-probe connect SERVER PORT USER PASSWORD PEER_IP PEER_PORT
 *       allocate (TCP), Connect to the peer, bind a data connection, then send 64 KiB of
 *       counted bytes and expect them echoed back unchanged;
 *   turn-probe accept SERVER PORT USER PASSWORD PEER_IP RELAYFILE
 *       allocate (TCP) with permission for PEER_IP, write the relayed address to
 *       RELAYFILE, take the first ConnectionAttempt, bind it, and echo what arrives until
 *       the peer closes.
 * Exit 0 when all of it worked; the reason on stderr otherwise. Bounded to 20 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mr_clock.h"
#include "mr_log.h"
#include "turn_client.h"

#define PROBE_BYTES (64 * 1024)
#define PROBE_DEADLINE_MS 20000

struct probe {
	struct turn_client turn;
	bool want_connect;
	bool connected, attempted;
	uint32_t id;
	int error_code;
	struct stun_addr peer;
};

static void on_connected(void *arg, struct turn_client *t, const struct stun_addr *peer,
			 uint32_t id, int error_code)
{
	struct probe *p = arg;

	(void)t, (void)peer;
	p->connected = true;
	p->id = id;
	p->error_code = error_code;
}

static void on_attempt(void *arg, struct turn_client *t, uint32_t id, const struct stun_addr *peer)
{
	struct probe *p = arg;

	(void)t, (void)peer;
	if (!p->attempted) {
		p->attempted = true;
		p->id = id;
	}
}

/* Run the client until done() or the deadline. */
static int pump(struct probe *p, bool (*done)(const struct probe *), int64_t deadline)
{
	while (!done(p)) {
		int64_t now = (int64_t)mr_clock_ms();
		int wait = turn_client_tick(&p->turn, now);
		struct pollfd pfd = { .fd = p->turn.conn.fd, .events = turn_client_events(&p->turn) };

		if (now >= deadline)
			return -1;
		if (p->want_connect && p->turn.state == TURN_ALLOCATED && !p->turn.tx.active &&
		    p->turn.perm.due_ms > now) {
			turn_client_connect(&p->turn, &p->peer);
			p->want_connect = false;
		}
		if (poll(&pfd, pfd.fd >= 0 ? 1 : 0, wait > 50 ? 50 : wait) > 0)
			turn_client_handle(&p->turn, pfd.revents, mr_clock_ms());
	}
	return 0;
}

static bool is_allocated(const struct probe *p)
{
	return p->turn.state == TURN_ALLOCATED && p->turn.perm.due_ms > (int64_t)mr_clock_ms();
}
static bool has_connected(const struct probe *p) { return p->connected; }
static bool has_attempt(const struct probe *p) { return p->attempted; }

/* A new TCP connection to the server carrying the ConnectionBind for id; its fd once the
 * success answer is read (anything after it is the peer's stream), or -1. */
static int bind_data_connection(struct probe *p, const char *server, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t req[1024], ans[1024], tid[STUN_TID_LEN];
	int len = turn_client_connection_bind(&p->turn, p->id, req, sizeof(req), tid);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 5 };
	size_t have = 0;
	struct stun_msg m = { 0 };
	long need = 0;

	inet_pton(AF_INET, server, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (len < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, req, (size_t)len, MSG_NOSIGNAL) != len) {
		fprintf(stderr, "turn-probe: data connection: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	/* Read exactly one STUN message: the peer's bytes may follow in the same segment. */
	while ((need = stun_frame_length(ans, have)) == 0 || (need > 0 && (size_t)need > have)) {
		size_t want = need > 0 ? (size_t)need - have : STUN_HDR_LEN - have;
		ssize_t n = recv(fd, ans + have, want, 0);

		if (n <= 0 || have + (size_t)n > sizeof(ans))
			break;
		have += (size_t)n;
	}
	if (need <= 0 || (size_t)need != have || stun_decode(ans, have, &m, NULL) < 0 ||
	    !turn_client_bind_ok(&p->turn, &m, tid)) {
		fprintf(stderr, "turn-probe: ConnectionBind not answered with success (%zu bytes, "
			"class %d, error %d %s)\n", have, need > 0 && (size_t)need == have ? (int)m.cls : -1,
			need > 0 && (size_t)need == have ? m.error_code : 0,
			need > 0 && (size_t)need == have ? m.reason : "");
		close(fd);
		return -1;
	}
	return fd;
}

static int send_and_check_echo(int fd)
{
	static uint8_t out[PROBE_BYTES], in[PROBE_BYTES];
	size_t got = 0;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + i / 251);
	if (send(fd, out, sizeof(out), MSG_NOSIGNAL) != (ssize_t)sizeof(out))
		return -1;
	while (got < sizeof(in)) {
		ssize_t n = recv(fd, in + got, sizeof(in) - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return memcmp(in, out, sizeof(in)) == 0 ? 0 : -1;
}

/* Echo until the peer leaves; the relay carries no half-close, so its going may come as a
 * reset. The peer checks the bytes; here only that some came. */
static int echo_until_closed(int fd)
{
	uint8_t buf[16384];
	ssize_t n;
	size_t total = 0;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
		total += (size_t)n;
	}
	return total > 0 ? 0 : -1;
}

static int write_relay(const struct turn_client *t, const char *path)
{
	char text[64];
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	turn_addr_str(&t->relayed, text, sizeof(text));
	fprintf(f, "%s\n", text);
	return fclose(f);
}

int main(int argc, char **argv)
{
	static struct probe p;
	struct mr_turn_server_conf sc = { .name = "probe", .relay_protocol = 6, .n_peers = 1 };
	struct mr_turn_conf tc = { .lifetime_s = 600 };
	struct turn_events ev = { .arg = &p, .connected = on_connected,
				  .connection_attempt = on_attempt };
	int64_t deadline = (int64_t)mr_clock_ms() + PROBE_DEADLINE_MS;
	bool active = argc == 8 && strcmp(argv[1], "connect") == 0;
	char err[256];
	int fd, rc;

	if (argc != 8 || (!active && strcmp(argv[1], "accept") != 0)) {
		fprintf(stderr, "usage: turn-probe connect|accept SERVER PORT USER PASSWORD PEER_IP "
			"PEER_PORT|RELAYFILE\n");
		return 2;
	}
	mr_log_init("turn-probe", MR_LOG_WARN, false);
	snprintf(sc.address, sizeof(sc.address), "%s", argv[2]);
	sc.port = (uint16_t)atoi(argv[3]);
	snprintf(sc.peers[0], sizeof(sc.peers[0]), "%s", argv[6]);
	if (turn_client_init(&p.turn, &sc, argv[4], argv[5], &tc, &ev, err, sizeof(err)) < 0 ||
	    pump(&p, is_allocated, deadline) < 0) {
		fprintf(stderr, "turn-probe: no allocation: %s\n", p.turn.last_error);
		return 1;
	}
	if (active) {
		turn_addr_parse(argv[6], (uint16_t)atoi(argv[7]), &p.peer);
		p.want_connect = true;
		if (pump(&p, has_connected, deadline) < 0 || p.error_code) {
			fprintf(stderr, "turn-probe: Connect failed: %d\n", p.error_code);
			return 1;
		}
	} else if (write_relay(&p.turn, argv[7]) < 0 || pump(&p, has_attempt, deadline) < 0) {
		fprintf(stderr, "turn-probe: no ConnectionAttempt\n");
		return 1;
	}
	/* coturn can take a bind that arrives right after the Connect answer or the attempt
	 * for an unknown id ("400 Wrong connection id", then a reset): bind again shortly. */
	fd = bind_data_connection(&p, argv[2], sc.port);
	for (int retry = 0; fd < 0 && retry < 5; retry++) {
		usleep(20000 << retry);
		fprintf(stderr, "turn-probe: binding again\n");
		fd = bind_data_connection(&p, argv[2], sc.port);
	}
	if (fd < 0)
		return 1;
	rc = active ? send_and_check_echo(fd) : echo_until_closed(fd);
	close(fd);
	turn_client_free(&p.turn);
	if (rc < 0)
		fprintf(stderr, "turn-probe: the bytes through the relay were not right\n");
	return rc < 0 ? 1 : 0;
}
