/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One non-blocking TCP (optionally TLS) client connection of meshrelay-cp, driven from its
 * poll loop: connect, TLS handshake with the server's name verified, buffered writes, and
 * reads into a bounded input buffer that the protocol above consumes. Used for TURN
 * servers and for the discovery store.
 */
#ifndef CP_CONN_H
#define CP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

enum cp_conn_state {
	CP_CONN_CLOSED,
	CP_CONN_CONNECTING,
	CP_CONN_HANDSHAKE,       /* TLS */
	CP_CONN_OPEN,
};

#define CP_CONN_IN_MAX (256u * 1024)   /* input read ahead of the protocol above */
#define CP_CONN_OUT_MAX (256u * 1024)
#define CP_CONN_KEEPIDLE_S 30          /* idle seconds before TCP keepalive probes */

struct cp_conn {
	int fd;
	enum cp_conn_state state;
	SSL *ssl;                 /* NULL on plain TCP */
	bool ssl_wants_write;     /* the TLS layer waits for POLLOUT to make progress */
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len;
	bool peer_closed;         /* orderly end of stream seen */
	bool in_full;             /* reading stopped at CP_CONN_IN_MAX: more may wait (in the
				   * socket or TLS's buffer), read once the input is consumed */
	char peer[64];            /* "ADDRESS:PORT", for messages */
	char error[256];          /* why the last operation failed */
};

/* A closed connection (no buffers yet). */
void cp_conn_init(struct cp_conn *c);

/* Start connecting to address:port (IPv4/IPv6 literal). With tls, a TLS session verifying
 * server_name follows the TCP connect. 0, or -1 with c->error set (c stays closed). */
int cp_conn_open(struct cp_conn *c, const char *address, uint16_t port, SSL_CTX *tls,
		 const char *server_name);

/* The poll events c waits for (0 when closed). */
short cp_conn_events(const struct cp_conn *c);

/* Make progress after poll reported revents on c->fd: finish connecting or the handshake,
 * flush output, read input up to CP_CONN_IN_MAX (in_full set when it stopped there: the
 * caller consumes and calls again, as poll may not wake for bytes TLS holds already).
 * 0, or -1 with c->error set (the caller closes; also when a full input was not consumed
 * at all). A peer that closed sets peer_closed and returns 0 once the input is read. */
int cp_conn_handle(struct cp_conn *c, short revents);

/* Queue bytes and try to send them. 0, or -1 with c->error when the queue would overflow
 * or the socket failed. Allowed while connecting: sent once open. */
int cp_conn_send(struct cp_conn *c, const void *data, size_t len);

/* Drop the first n bytes of the input, which the caller has used. */
void cp_conn_consume(struct cp_conn *c, size_t n);

/* Close and drop buffered data; c can be opened again. */
void cp_conn_close(struct cp_conn *c);

/* The connection's own address ("ADDRESS" and port), once connected. 0 or -1. */
int cp_conn_local(const struct cp_conn *c, char *addr, size_t addrlen, uint16_t *port);

/* A TLS client context verifying against ca_file (or the system's trust store when empty
 * or NULL). NULL with err set on failure. */
SSL_CTX *cp_conn_tls_context(const char *ca_file, char *err, size_t errlen);

#endif
