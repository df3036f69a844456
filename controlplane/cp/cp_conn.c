/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

void cp_conn_init(struct cp_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int fail(struct cp_conn *c, const char *what, const char *why)
{
	snprintf(c->error, sizeof(c->error), "%s %s: %.120s", what, c->peer, why);
	return -1;
}

static int fill_sockaddr(const char *address, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
		return 0;
	}
	return -1;
}

static int setup_tls(struct cp_conn *c, SSL_CTX *tls, const char *server_name)
{
	c->ssl = SSL_new(tls);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, server_name) != 1 ||
	    SSL_set1_host(c->ssl, server_name) != 1)
		return fail(c, "TLS set-up for", "out of memory");
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
	SSL_set_connect_state(c->ssl);
	return 0;
}

/* TCP keepalives on a connection that may idle for hours (an etcd watch, a TURN
 * allocation between refreshes): a peer gone without a word (a NAT or balancer that
 * dropped the connection, a host that died) shows as an error within about a minute, and
 * the probes keep such middleboxes' state alive meanwhile. */
static void keep_alive(int fd)
{
	int on = 1, idle = CP_CONN_KEEPIDLE_S, interval = 10, count = 3;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

int cp_conn_open(struct cp_conn *c, const char *address, uint16_t port, SSL_CTX *tls,
		 const char *server_name)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	cp_conn_close(c);
	snprintf(c->peer, sizeof(c->peer), strchr(address, ':') ? "[%s]:%u" : "%s:%u", address,
		 port);
	if (!c->in)
		c->in = malloc(CP_CONN_IN_MAX);
	if (!c->out)
		c->out = malloc(CP_CONN_OUT_MAX);
	if (!c->in || !c->out)
		return fail(c, "connecting to", "out of memory");
	if (fill_sockaddr(address, port, &ss, &len) < 0)
		return fail(c, "connecting to", "not an address");
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, "socket for", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	keep_alive(c->fd);
	if (connect(c->fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		fail(c, "connecting to", strerror(errno));
		cp_conn_close(c);
		return -1;
	}
	if (tls && setup_tls(c, tls, server_name) < 0) {
		char keep[sizeof(c->error)];

		memcpy(keep, c->error, sizeof(keep));
		cp_conn_close(c);
		memcpy(c->error, keep, sizeof(keep));
		return -1;
	}
	c->state = CP_CONN_CONNECTING;
	return 0;
}

short cp_conn_events(const struct cp_conn *c)
{
	switch (c->state) {
	case CP_CONN_CONNECTING:
		return POLLOUT;
	case CP_CONN_HANDSHAKE:
		return c->ssl_wants_write ? POLLOUT : POLLIN;
	case CP_CONN_OPEN:
		return (short)(POLLIN | (c->out_len || c->ssl_wants_write ? POLLOUT : 0));
	default:
		return 0;
	}
}

/* The last TLS error as text, for c->error. */
static const char *tls_reason(void)
{
	static char buf[120];
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (!e)
		return "TLS failure";
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}

/* -1 on a hard failure; 0 when the operation must wait (ssl_wants_write says for what). */
static int tls_wait(struct cp_conn *c, int rc, const char *what)
{
	int e = SSL_get_error(c->ssl, rc);

	c->ssl_wants_write = e == SSL_ERROR_WANT_WRITE;
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN) {
		c->peer_closed = true;
		return 0;
	}
	if (e == SSL_ERROR_SYSCALL && errno)
		return fail(c, what, strerror(errno));
	if (e == SSL_ERROR_SSL && SSL_get_verify_result(c->ssl) != X509_V_OK)
		return fail(c, what, X509_verify_cert_error_string(SSL_get_verify_result(c->ssl)));
	if (e == SSL_ERROR_SYSCALL) {
		c->peer_closed = true; /* EOF without close_notify */
		return 0;
	}
	return fail(c, what, tls_reason());
}

static int finish_connect(struct cp_conn *c)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr == EINPROGRESS)
		return 0;
	if (soerr)
		return fail(c, "connecting to", strerror(soerr));
	c->state = c->ssl ? CP_CONN_HANDSHAKE : CP_CONN_OPEN;
	return 0;
}

static int handshake(struct cp_conn *c)
{
	int rc;

	ERR_clear_error();
	rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		c->ssl_wants_write = false;
		c->state = CP_CONN_OPEN;
		return 0;
	}
	if (tls_wait(c, rc, "TLS handshake with") < 0)
		return -1;
	return c->peer_closed ? fail(c, "TLS handshake with", "closed by the peer") : 0;
}

/* Bytes moved by one TLS read or write, 0 when it must wait, -1 on failure. */
static ssize_t tls_io(struct cp_conn *c, void *buf, size_t len, bool writing)
{
	int rc;

	ERR_clear_error();
	rc = writing ? SSL_write(c->ssl, buf, (int)len) : SSL_read(c->ssl, buf, (int)len);
	if (rc > 0)
		return rc;
	return tls_wait(c, rc, writing ? "writing to" : "reading from") < 0 ? -1 : 0;
}

/* A plain socket's result the same way: EAGAIN is 0, errors are -1. */
static ssize_t sock_result(struct cp_conn *c, ssize_t n, const char *what)
{
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return fail(c, what, strerror(errno));
}

static ssize_t raw_write(struct cp_conn *c, const void *data, size_t len)
{
	ssize_t n;

	if (c->ssl)
		return tls_io(c, (void *)data, len, true);
	do {
		n = send(c->fd, data, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return sock_result(c, n, "writing to");
}

static int flush(struct cp_conn *c)
{
	while (c->state == CP_CONN_OPEN && c->out_len) {
		ssize_t n = raw_write(c, c->out, c->out_len);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	return 0;
}

static ssize_t raw_read(struct cp_conn *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->ssl)
		return tls_io(c, buf, len, false);
	do {
		n = recv(c->fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		c->peer_closed = true;
	return sock_result(c, n, "reading from");
}

static int fill(struct cp_conn *c)
{
	size_t had = c->in_len;

	if (c->in_full && c->in_len == CP_CONN_IN_MAX)
		return fail(c, "reading from", "input buffer full and nothing of it used");
	c->in_full = false;
	while (c->state == CP_CONN_OPEN && !c->peer_closed) {
		ssize_t n;

		if (c->in_len == CP_CONN_IN_MAX) {
			c->in_full = true; /* the rest once the protocol has used some */
			return 0;
		}
		n = raw_read(c, c->in + c->in_len, CP_CONN_IN_MAX - c->in_len);
		/* An error after bytes this call read (a reset right behind a server's last
		 * answer): the bytes are the protocol's to use first, and the connection ends
		 * as a close does (c->error says how). */
		if (n < 0 && c->in_len > had) {
			c->peer_closed = true;
			return 0;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		c->in_len += (size_t)n;
	}
	return 0;
}

int cp_conn_handle(struct cp_conn *c, short revents)
{
	if (c->state == CP_CONN_CONNECTING) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		if (finish_connect(c) < 0)
			return -1;
	}
	if (c->state == CP_CONN_HANDSHAKE && handshake(c) < 0)
		return -1;
	if (c->state != CP_CONN_OPEN)
		return 0;
	if (flush(c) < 0 || fill(c) < 0)
		return -1;
	return flush(c); /* TLS may have produced output while reading (key updates) */
}

int cp_conn_send(struct cp_conn *c, const void *data, size_t len)
{
	if (c->state == CP_CONN_CLOSED || !c->out)
		return fail(c, "sending to", "not connected");
	if (len > CP_CONN_OUT_MAX - c->out_len)
		return fail(c, "sending to", "output queue full");
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return flush(c);
}

void cp_conn_consume(struct cp_conn *c, size_t n)
{
	if (n >= c->in_len) {
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

void cp_conn_close(struct cp_conn *c)
{
	if (c->ssl) {
		if (c->state == CP_CONN_OPEN)
			SSL_shutdown(c->ssl); /* best effort close_notify; never waited for */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = CP_CONN_CLOSED;
	c->in_len = c->out_len = 0;
	c->peer_closed = c->ssl_wants_write = c->in_full = false;
}

int cp_conn_local(const struct cp_conn *c, char *addr, size_t addrlen, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *ip;

	if (c->fd < 0 || getsockname(c->fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		ip = &((struct sockaddr_in *)&ss)->sin_addr;
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		ip = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return inet_ntop(ss.ss_family, ip, addr, (socklen_t)addrlen) ? 0 : -1;
}

SSL_CTX *cp_conn_tls_context(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int ok;

	if (!ctx) {
		snprintf(err, errlen, "TLS context: %s", tls_reason());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	ok = ca_file && ca_file[0] ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
				   : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		snprintf(err, errlen, "TLS trust anchors %s: %s", ca_file && ca_file[0] ? ca_file :
			 "(system)", tls_reason());
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
