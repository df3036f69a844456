/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol's wire format, without I/O (mr_ctl_io.c sends and receives). */
#include "mr_ctl_proto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "json.h"
#include "mr_bytes.h"
#include "stun_msg.h"

_Static_assert(sizeof(((struct mr_ctl_bind *)0)->tid) == STUN_TID_LEN, "a STUN transaction id");

/* BIND's refusals, as the data plane has always worded them (it sends them back). */
#define BIND_ERR_FIELDS "bind needs server=IP:PORT source=IP tid=HEX bind=HEX"
#define BIND_ERR_ADDRESS "bind: server is IPv4:PORT, source an IPv4 address"
#define BIND_ERR_HEX "bind: tid is 24 hex digits, bind a STUN message in hex"
#define BIND_ERR_PEER "bind: peer is IPv4:PORT or [IPv6]:PORT"
/* Longest values read: anything longer cannot be "IPV4:PORT" or "IPV4". */
#define BIND_SERVER_MAX (INET_ADDRSTRLEN + 7)
#define BIND_SOURCE_MAX (INET_ADDRSTRLEN - 1)

void mr_ctl_hdr_encode(const struct mr_ctl_hdr *h, uint8_t out[MR_CTL_HDR_LEN])
{
	mr_store_be32(out, MR_CTL_MAGIC);
	mr_store_be16(out + 4, h->version);
	mr_store_be16(out + 6, h->type);
	mr_store_be32(out + 8, h->generation);
	mr_store_be32(out + 12, h->length);
}

enum mr_ctl_decode mr_ctl_hdr_decode(const uint8_t *buf, size_t len, uint32_t max_payload,
				     struct mr_ctl_hdr *h)
{
	if (len < MR_CTL_HDR_LEN)
		return MR_CTL_SHORT;
	if (mr_load_be32(buf) != MR_CTL_MAGIC)
		return MR_CTL_BAD_MAGIC;
	h->version = mr_load_be16(buf + 4);
	h->type = mr_load_be16(buf + 6);
	h->generation = mr_load_be32(buf + 8);
	h->length = mr_load_be32(buf + 12);
	if (h->version != MR_CTL_VERSION)
		return MR_CTL_BAD_VERSION;
	if (h->length > max_payload)
		return MR_CTL_TOO_LARGE;
	return MR_CTL_OK;
}

const char *mr_ctl_decode_str(enum mr_ctl_decode d)
{
	switch (d) {
	case MR_CTL_OK: return "ok";
	case MR_CTL_SHORT: return "short header";
	case MR_CTL_BAD_MAGIC: return "bad magic";
	case MR_CTL_BAD_VERSION: return "unsupported protocol version";
	case MR_CTL_TOO_LARGE: return "message too large";
	}
	return "unknown verdict";
}

uint32_t mr_ctl_pong_generation(const struct mr_ctl_hdr *h, const char *payload)
{
	struct json_value *status = json_parse(payload, strlen(payload), NULL, 0);
	uint64_t g;
	bool found = json_uint64(json_get(status, "generation"), &g);

	json_free(status);
	return found ? (uint32_t)g : h->generation;
}

bool mr_ctl_pong_says(const char *payload, const char *key)
{
	struct json_value *status = json_parse(payload, strlen(payload), NULL, 0);
	uint64_t v;
	bool says = json_uint64(json_get(status, key), &v) && v != 0;

	json_free(status);
	return says;
}

/* " peer=IPV4:PORT" or " peer=[IPV6]:PORT" at out (cap bytes); its length, or -1. */
static int put_peer(const struct mr_ctl_bind *b, char *out, size_t cap)
{
	bool v6 = b->peer_family == MR_CTL_PEER_V6;
	char addr[INET6_ADDRSTRLEN];
	int n;

	if ((!v6 && b->peer_family != MR_CTL_PEER_V4) || b->peer_port == 0 ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, b->peer, addr, sizeof(addr)))
		return -1;
	n = snprintf(out, cap, v6 ? " peer=[%s]:%u" : " peer=%s:%u", addr, ntohs(b->peer_port));
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int mr_ctl_bind_encode(const struct mr_ctl_bind *b, char *out, size_t cap)
{
	char server[INET_ADDRSTRLEN], source[INET_ADDRSTRLEN];
	size_t at, need;
	int n;

	if (b->server_port == 0 || b->len < STUN_HDR_LEN || b->len > MR_CTL_BIND_MSG_MAX ||
	    !inet_ntop(AF_INET, &b->server, server, sizeof(server)) ||
	    !inet_ntop(AF_INET, &b->source, source, sizeof(source)))
		return -1;
	n = snprintf(out, cap, "server=%s:%u source=%s tid=", server, ntohs(b->server_port),
		     source);
	if (n < 0)
		return -1;
	at = (size_t)n;
	need = at + 2 * sizeof(b->tid) + strlen(" bind=") + 2 * (size_t)b->len + 1;
	if (need > cap)
		return -1;
	hex_encode(b->tid, sizeof(b->tid), out + at);
	at += 2 * sizeof(b->tid);
	memcpy(out + at, " bind=", strlen(" bind="));
	at += strlen(" bind=");
	hex_encode(b->msg, b->len, out + at);
	at += 2 * (size_t)b->len;
	out[at] = '\0';
	if (b->peer_family) {
		n = put_peer(b, out + at, cap - at);
		if (n < 0)
			return -1;
		at += (size_t)n;
	}
	return (int)at;
}

/* The value of field key in a BIND text (see mr_ctl_proto.h): its first character and
 * length, or NULL when no word names it. */
static const char *bind_field(const char *text, const char *key, size_t *len)
{
	size_t klen = strlen(key);

	for (const char *w = text; w; w = strchr(w, ' ')) {
		w += *w == ' '; /* past the space that starts every word but the first */
		if (strncmp(w, key, klen) == 0 && w[klen] == '=') {
			*len = strcspn(w + klen + 1, " \n");
			return w + klen + 1;
		}
	}
	return NULL;
}

/* n characters at s as an address literal of family af, into network order. 0 or -1. */
static int addr_of(int af, const char *s, size_t n, void *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (n >= sizeof(text))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	return inet_pton(af, text, addr) == 1 ? 0 : -1;
}

/* The decimal digits from s to end as a port, 1 to 65535, into network order. 0 or -1. */
static int port_of(const char *s, const char *end, uint16_t *port)
{
	uint32_t v = 0;

	if (s == end)
		return -1;
	for (const char *d = s; d < end; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		v = v * 10 + (uint32_t)(*d - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = htons((uint16_t)v);
	return 0;
}

/* "IPV4:PORT", or "[IPV6]:PORT" when af is AF_INET6 (n characters at s), into network
 * order. 0 or -1. */
static int endpoint_of(int af, const char *s, size_t n, void *addr, uint16_t *port)
{
	const char *end = s + n, *first = s, *last, *digits = NULL;

	if (af == AF_INET6) {
		last = n && *s == '[' ? memchr(s, ']', n) : NULL;
		first = s + 1;
		if (last && last + 1 < end && last[1] == ':')
			digits = last + 2;
	} else {
		last = memchr(s, ':', n);
		digits = last ? last + 1 : NULL;
	}
	if (!digits || port_of(digits, end, port) < 0)
		return -1;
	return addr_of(af, first, (size_t)(last - first), addr);
}

/* The optional peer= field (n characters at s) into b. 0 or -1. */
static int peer_of(const char *s, size_t n, struct mr_ctl_bind *b)
{
	bool v6 = n && *s == '[';

	b->peer_family = v6 ? MR_CTL_PEER_V6 : MR_CTL_PEER_V4;
	return endpoint_of(v6 ? AF_INET6 : AF_INET, s, n, b->peer, &b->peer_port);
}

int mr_ctl_bind_decode(const char *text, struct mr_ctl_bind *b, char *err, size_t errlen)
{
	size_t n_server = 0, n_source = 0, n_tid = 0, n_msg = 0, n_peer = 0;
	const char *server = bind_field(text, "server", &n_server);
	const char *source = bind_field(text, "source", &n_source);
	const char *tid = bind_field(text, "tid", &n_tid), *msg = bind_field(text, "bind", &n_msg);
	const char *peer = bind_field(text, "peer", &n_peer);
	int len;

	memset(b, 0, sizeof(*b));
	if (!server || !source || !tid || !msg || n_server > BIND_SERVER_MAX ||
	    n_source > BIND_SOURCE_MAX) {
		snprintf(err, errlen, "%s", BIND_ERR_FIELDS);
		return -1;
	}
	if (endpoint_of(AF_INET, server, n_server, &b->server, &b->server_port) < 0 ||
	    addr_of(AF_INET, source, n_source, &b->source) < 0) {
		snprintf(err, errlen, "%s", BIND_ERR_ADDRESS);
		return -1;
	}
	len = hex_decode(msg, n_msg, b->msg, sizeof(b->msg));
	if (hex_decode(tid, n_tid, b->tid, sizeof(b->tid)) != (int)sizeof(b->tid) ||
	    len < STUN_HDR_LEN) {
		snprintf(err, errlen, "%s", BIND_ERR_HEX);
		return -1;
	}
	b->len = (uint16_t)len;
	if (peer && peer_of(peer, n_peer, b) < 0) {
		snprintf(err, errlen, "%s", BIND_ERR_PEER);
		return -1;
	}
	return 0;
}
