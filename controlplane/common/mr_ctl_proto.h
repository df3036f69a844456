/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket protocol between meshrelay-dp (server), meshrelay-cp and
 * meshrelayctl (clients): framed messages over a UNIX stream socket. Every message is a
 * 16-byte header in network byte order followed by `length` payload bytes. One module,
 * linked by all three programs: the wire format in mr_ctl_proto.c (no I/O), the blocking
 * helpers of the clients in mr_ctl_io.c.
 *
 *   magic (4) 'M' 'R' 'C' '1' | version (2) | type (2) | generation (4) | length (4)
 *
 * Requests and their replies:
 *   PING                 -> PONG     payload: status JSON (generation applied, uptime, ...)
 *   PUSH (config text)   -> RESULT   the whole libconfig file; generation is the client's
 *   QUERY (object name)  -> REPLY    payload: JSON of status|counters|drops|flows|ports|
 *                                    port:NAME|flow_list|neighbours|routes|pools|
 *                                    services|listeners|lcores|steering|learned
 *   BIND (text)          -> RESULT   "server=IP:PORT source=IP tid=HEX bind=HEX [peer=..]":
 *                                    open an RFC 6062 data connection, send the
 *                                    ConnectionBind (hex), relay what follows; "started" or
 *                                    "refused: ..." (struct mr_ctl_bind below)
 *   PORT (text)          -> RESULT   "NAME pause" or "NAME resume": the workers stop (or
 *                                    go back to) polling and sending on the data port;
 *                                    "port NAME paused|resumed" or "refused: ..."
 *   CLAIM                -> RESULT   "claimed": the asking client (meshrelay-cp) manages
 *                                    the configuration while it stays connected, and a
 *                                    PUSH from any other is refused; "refused: ..." when
 *                                    another client holds the claim
 * RESULT payload to a PUSH: "applied generation N in X us" (and "; not in force before a
 * restart: ..." when it names such settings) or "refused: FILE:LINE: reason" (text); its
 * generation is the one now in force. Unknown types get RESULT "refused: unknown request".
 */
#ifndef MR_CTL_PROTO_H
#define MR_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MR_CTL_MAGIC 0x4d524331u      /* "MRC1" */
#define MR_CTL_VERSION 1
#define MR_CTL_HDR_LEN 16
#define MR_CTL_MAX_PAYLOAD (16u << 20) /* a config with 100k+ routes fits */

enum mr_ctl_type {
	MR_CTL_PING = 1,
	MR_CTL_PONG = 2,
	MR_CTL_PUSH = 3,
	MR_CTL_RESULT = 4,
	MR_CTL_QUERY = 5,
	MR_CTL_REPLY = 6,
	MR_CTL_BIND = 7,
	MR_CTL_PORT = 8,
	MR_CTL_CLAIM = 9,
};

struct mr_ctl_hdr {
	uint16_t version;
	uint16_t type;       /* enum mr_ctl_type */
	uint32_t generation;
	uint32_t length;     /* payload bytes that follow */
};

enum mr_ctl_decode {
	MR_CTL_OK = 0,
	MR_CTL_SHORT,        /* fewer than MR_CTL_HDR_LEN bytes so far */
	MR_CTL_BAD_MAGIC,
	MR_CTL_BAD_VERSION,
	MR_CTL_TOO_LARGE,    /* length above the receiver's cap */
};

/* Write the 16-byte header for h into out. */
void mr_ctl_hdr_encode(const struct mr_ctl_hdr *h, uint8_t out[MR_CTL_HDR_LEN]);

/* Read a header from the first len bytes of buf; payloads above max_payload are refused. */
enum mr_ctl_decode mr_ctl_hdr_decode(const uint8_t *buf, size_t len, uint32_t max_payload,
				     struct mr_ctl_hdr *h);

/* Text of a decode verdict, for messages. */
const char *mr_ctl_decode_str(enum mr_ctl_decode d);

/* The generation in force that a PONG (header h, NUL-terminated payload) reports: the
 * "generation" number of its status object, else the header's. */
uint32_t mr_ctl_pong_generation(const struct mr_ctl_hdr *h, const char *payload);

/* Whether the PONG's status object holds key with a number other than 0 (a capability
 * the data plane says it has; one that does not know it says nothing). */
bool mr_ctl_pong_says(const char *payload, const char *key);

/*
 * BIND's payload: the TURN server to open a data connection to, the address to open it
 * from (the one meshrelay-cp's TURN control connection uses), and the ConnectionBind to
 * send on it, as one line of text:
 *
 *   server=IPV4:PORT source=IPV4 tid=HEX bind=HEX peer=IPV4:PORT
 *   server=IPV4:PORT source=IPV4 tid=HEX bind=HEX peer=[IPV6]:PORT
 *
 * tid: 24 hex digits, the ConnectionBind's transaction id (the answer must carry it);
 * bind: the ConnectionBind, a STUN message of 20 to MR_CTL_BIND_MSG_MAX bytes, in hex;
 * peer (optional): the peer the ConnectionAttempt named (XOR-PEER-ADDRESS), the real
 * client behind the relayed address, as the address literal it was (an IPv4-mapped IPv6
 * stays IPv6). The TURN server and source are IPv4 only. A reader takes the fields in
 * any order, each from the first word that starts with its name and '=' (a word starts
 * the text or follows a space, and ends at a space or a newline), and ignores other
 * words.
 */
#define MR_CTL_BIND_MSG_MAX 512
#define MR_CTL_BIND_TEXT_MAX (160 + 2 * MR_CTL_BIND_MSG_MAX) /* the longest text, NUL included */
#define MR_CTL_PEER_V4 4                 /* peer_family: the classifier's IP_ADDR_FAMILY_V4 */
#define MR_CTL_PEER_V6 6                 /* ... and IP_ADDR_FAMILY_V6 */

struct mr_ctl_bind {                 /* addresses and ports in network byte order */
	uint32_t server;                 /* the TURN server ... */
	uint16_t server_port;
	uint32_t source;                 /* ... and the address to connect from */
	uint8_t peer_family;             /* MR_CTL_PEER_V4 or _V6; 0 when the request names none */
	uint8_t peer[16];                /* the peer; IPv4 in the first 4 bytes, the rest 0 */
	uint16_t peer_port;
	uint8_t tid[12];                 /* of the ConnectionBind in msg */
	uint16_t len;                    /* bytes in msg */
	uint8_t msg[MR_CTL_BIND_MSG_MAX];
};

/* The BIND payload text for b, NUL-terminated in out (cap bytes), with peer= when
 * peer_family is not 0: its length, or -1 when cap is too small or b holds what a reader
 * refuses (a port 0, len outside 20..512, a peer_family other than 0, 4 or 6). */
int mr_ctl_bind_encode(const struct mr_ctl_bind *b, char *out, size_t cap);

/* Read a BIND payload (NUL-terminated text) into b (zeroed first, so no peer= leaves
 * peer_family 0): 0, or -1 with the reason in err ("bind needs ..." for a missing or
 * overlong field, "bind: ..." for a bad one). */
int mr_ctl_bind_decode(const char *text, struct mr_ctl_bind *b, char *err, size_t errlen);

/* Blocking helpers for clients (and tests), on blocking or non-blocking sockets, safe
 * against signals and partial transfers: send one message (a peer that takes nothing for
 * 5 s fails it with ETIMEDOUT; never raises SIGPIPE); receive one message into a malloc'd
 * payload (NUL-terminated, *payload freed by the caller, NULL on failure). timeout_ms
 * bounds the whole receive (< 0: no bound). 0 on success, -1 with errno (EPROTO for a bad
 * frame or one above max_payload, ETIMEDOUT, ECONNRESET when the peer closes first). */
int mr_ctl_send(int fd, uint16_t type, uint32_t generation, const void *payload, uint32_t len);
int mr_ctl_recv(int fd, struct mr_ctl_hdr *h, char **payload, uint32_t max_payload,
		int timeout_ms);

/* mr_ctl_send with its own bound: a peer that takes nothing for idle_ms fails it. */
int mr_ctl_send_within(int fd, uint16_t type, uint32_t generation, const void *payload,
		       uint32_t len, int idle_ms);

/* One request and its answer: send, then receive the answer (payload malloc'd, freed by
 * the caller). When the peer closed before taking the request, an answer it left behind
 * (a refusal) is still read. 0, or -1 with errno as mr_ctl_send/mr_ctl_recv set it. */
int mr_ctl_exchange(int fd, uint16_t type, uint32_t generation, const void *body, uint32_t len,
		    int timeout_ms, struct mr_ctl_hdr *h, char **payload);

/* Connect to the UNIX socket at path within timeout_ms (< 0: no bound); a listener that
 * accepts nothing in time (its backlog full) fails it with ETIMEDOUT. A blocking fd, or
 * -1 with errno. */
int mr_ctl_connect(const char *path, int timeout_ms);

#endif
