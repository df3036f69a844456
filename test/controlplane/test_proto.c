/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite "ctl_proto": the control protocol's wire format. Header encoding and every
 * refusal, the generation a PONG reports, the BIND request's text both ways (every
 * refusal, a signed ConnectionBind, a payload captured from a run). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "mr_ctl_proto.h"
#include "stun_msg.h"
#include "unit.h"

/* A STUN header (a ConnectionBind request, tid 00..0b) as the shortest bind=, in hex. */
#define BIND_STUN20 "000b00002112a442000102030405060708090a0b"
#define BIND_TID "000102030405060708090a0b"

static void encode(uint16_t type, uint32_t gen, uint32_t len, uint8_t out[MR_CTL_HDR_LEN])
{
	struct mr_ctl_hdr h = { MR_CTL_VERSION, type, gen, len };

	mr_ctl_hdr_encode(&h, out);
}

static void test_hdr_bytes(void)
{
	static const uint8_t want[MR_CTL_HDR_LEN] = { 'M', 'R', 'C', '1', 0, 1, 0, 3,
						      0x01, 0x02, 0x03, 0x04, 0, 0, 0x10, 0x20 };
	uint8_t out[MR_CTL_HDR_LEN];

	encode(MR_CTL_PUSH, 0x01020304, 0x1020, out);
	CU_ASSERT_EQUAL(memcmp(out, want, sizeof(want)), 0);
}

static void test_hdr_round_trip(void)
{
	static const struct mr_ctl_hdr cases[] = {
		{ MR_CTL_VERSION, MR_CTL_PING, 0, 0 },
		{ MR_CTL_VERSION, MR_CTL_REPLY, 0xffffffffu, MR_CTL_MAX_PAYLOAD },
		{ MR_CTL_VERSION, 0xffff, 7, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[MR_CTL_HDR_LEN];
		struct mr_ctl_hdr h;

		mr_ctl_hdr_encode(&cases[i], buf);
		CU_ASSERT_EQUAL(mr_ctl_hdr_decode(buf, sizeof(buf), MR_CTL_MAX_PAYLOAD, &h), MR_CTL_OK);
		CU_ASSERT_EQUAL(h.version, cases[i].version);
		CU_ASSERT_EQUAL(h.type, cases[i].type);
		CU_ASSERT_EQUAL(h.generation, cases[i].generation);
		CU_ASSERT_EQUAL(h.length, cases[i].length);
	}
}

static void test_hdr_refusals(void)
{
	uint8_t buf[MR_CTL_HDR_LEN];
	struct mr_ctl_hdr h;

	encode(MR_CTL_PING, 1, 100, buf);
	for (size_t len = 0; len < MR_CTL_HDR_LEN; len++)
		CU_ASSERT_EQUAL(mr_ctl_hdr_decode(buf, len, 1000, &h), MR_CTL_SHORT);
	CU_ASSERT_EQUAL(mr_ctl_hdr_decode(buf, sizeof(buf), 100, &h), MR_CTL_OK);
	CU_ASSERT_EQUAL(mr_ctl_hdr_decode(buf, sizeof(buf), 99, &h), MR_CTL_TOO_LARGE);
	buf[5] = 2;
	CU_ASSERT_EQUAL(mr_ctl_hdr_decode(buf, sizeof(buf), 1000, &h), MR_CTL_BAD_VERSION);
	buf[3] = '2';
	CU_ASSERT_EQUAL(mr_ctl_hdr_decode(buf, sizeof(buf), 1000, &h), MR_CTL_BAD_MAGIC);
	CU_ASSERT_STRING_EQUAL(mr_ctl_decode_str(MR_CTL_OK), "ok");
	for (int d = MR_CTL_SHORT; d <= MR_CTL_TOO_LARGE; d++)
		CU_ASSERT_STRING_NOT_EQUAL(mr_ctl_decode_str((enum mr_ctl_decode)d),
					   mr_ctl_decode_str((enum mr_ctl_decode)(d - 1)));
}

/* The generation a PONG reports: its status object's number, else the header's. */
static void test_pong_generation(void)
{
	static const struct { const char *payload; uint32_t want; } cases[] = {
		{ " {\"generation\": 12, \"uptime_s\": 3, \"source\": \"a \\\"b\\\"\"}\n", 12 },
		{ "{\"ports\": {\"edge\": 1}, \"generation\": 0}", 0 },
		{ "{\"generation\": 4294967295}", 4294967295u },
		{ "{\"generation\": \"12\"}", 7 },     /* a string is not a number */
		{ "{\"generation\": -3}", 7 },
		{ "{\"generation\": 1.5}", 7 },
		{ "{\"generation\": 18446744073709551616}", 7 },
		{ "{\"uptime_s\": 3}", 7 },
		{ "[12]", 7 },
		{ "{\"generation\": 12", 7 },
		{ "", 7 },
	};
	struct mr_ctl_hdr h = { MR_CTL_VERSION, MR_CTL_PONG, 7, 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(mr_ctl_pong_generation(&h, cases[i].payload), cases[i].want);
	/* A capability the status says: a number other than 0; an older data plane's status
	 * says nothing of it. */
	CU_ASSERT_TRUE(mr_ctl_pong_says("{\"generation\": 3, \"client_header\": 1}",
					"client_header"));
	CU_ASSERT_FALSE(mr_ctl_pong_says("{\"client_header\": 0}", "client_header"));
	CU_ASSERT_FALSE(mr_ctl_pong_says("{\"generation\": 3}", "client_header"));
	CU_ASSERT_FALSE(mr_ctl_pong_says("{\"client_header\": \"1\"}", "client_header"));
	CU_ASSERT_FALSE(mr_ctl_pong_says("", "client_header"));
}

/* A BIND as meshrelay-cp fills it: the TURN server 10.0.0.3:3478, our address 10.0.0.2,
 * and a ConnectionBind of len bytes (the first 20 a STUN header, the rest a pattern). */
static void bind_example(struct mr_ctl_bind *b, uint16_t len)
{
	static const uint8_t hdr[STUN_HDR_LEN] = { 0x00, 0x0b, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
						   0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

	memset(b, 0, sizeof(*b));
	b->server = htonl(0x0a000003);
	b->server_port = htons(3478);
	b->source = htonl(0x0a000002);
	memcpy(b->tid, hdr + 8, sizeof(b->tid));
	b->len = len;
	memcpy(b->msg, hdr, sizeof(hdr));
	for (size_t i = sizeof(hdr); i < len; i++)
		b->msg[i] = (uint8_t)(i * 7);
}

static bool bind_equal(const struct mr_ctl_bind *a, const struct mr_ctl_bind *b)
{
	return a->server == b->server && a->server_port == b->server_port &&
	       a->source == b->source && a->peer_family == b->peer_family &&
	       memcmp(a->peer, b->peer, sizeof(a->peer)) == 0 && a->peer_port == b->peer_port &&
	       memcmp(a->tid, b->tid, sizeof(a->tid)) == 0 && a->len == b->len &&
	       memcmp(a->msg, b->msg, a->len) == 0;
}

/* The peer a ConnectionAttempt named: family, address literal, port. */
static void bind_peer(struct mr_ctl_bind *b, uint8_t family, const char *addr, uint16_t port)
{
	memset(b->peer, 0, sizeof(b->peer));
	b->peer_family = family;
	b->peer_port = htons(port);
	CU_ASSERT_FATAL(inet_pton(family == MR_CTL_PEER_V6 ? AF_INET6 : AF_INET, addr,
				  b->peer) == 1);
}

/* The text, byte for byte, and what a reader makes of it. */
static void test_bind_text(void)
{
	static const char want[] = "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID
				   " bind=" BIND_STUN20;
	struct mr_ctl_bind b, back;
	char text[MR_CTL_BIND_TEXT_MAX], err[128] = "";

	bind_example(&b, STUN_HDR_LEN);
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), (int)strlen(want));
	CU_ASSERT_STRING_EQUAL(text, want);
	CU_ASSERT_EQUAL_FATAL(mr_ctl_bind_decode(want, &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.server, htonl(0x0a000003));
	CU_ASSERT_EQUAL(back.server_port, htons(3478));
	CU_ASSERT_EQUAL(back.source, htonl(0x0a000002));
	CU_ASSERT_EQUAL(back.tid[11], 0x0b);
	CU_ASSERT_EQUAL(back.len, 20);
	CU_ASSERT_EQUAL(back.msg[0], 0x00);
	CU_ASSERT_EQUAL(back.msg[1], 0x0b);
	CU_ASSERT_STRING_EQUAL(err, ""); /* no reason without a refusal */
}

/* Every length a ConnectionBind may have, and the extremes of addresses and ports. */
static void test_bind_round_trip(void)
{
	static const uint32_t addrs[][2] = { { 0, 0 }, { 0xffffffffu, 0x7f000001 },
					     { 0xc0a80101, 0x0a000002 } };
	static const uint16_t ports[] = { 1, 3478, 65535 };
	char text[MR_CTL_BIND_TEXT_MAX], err[128];
	struct mr_ctl_bind b, back;

	for (uint16_t len = STUN_HDR_LEN; len <= MR_CTL_BIND_MSG_MAX; len++) {
		size_t k = len % 3;
		int n;

		bind_example(&b, len);
		b.server = htonl(addrs[k][0]);
		b.source = htonl(addrs[k][1]);
		b.server_port = htons(ports[k]);
		if (len % 5 == 1)
			bind_peer(&b, MR_CTL_PEER_V4, "255.255.255.255", ports[k]);
		if (len % 5 == 2) /* the longest IPv6 literal: the longest text */
			bind_peer(&b, MR_CTL_PEER_V6, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
				  ports[k]);
		n = mr_ctl_bind_encode(&b, text, sizeof(text));
		CU_ASSERT(n > 0 && (size_t)n == strlen(text) && (size_t)n < sizeof(text));
		CU_ASSERT_EQUAL(mr_ctl_bind_decode(text, &back, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(bind_equal(&b, &back));
	}
}

/* A reader takes the fields from anywhere in the text, the first of each name, and skips
 * the rest; hex digits in either case. */
static void test_bind_fields(void)
{
	static const char *const good[] = {
		"bind=" BIND_STUN20 " tid=" BIND_TID " source=10.0.0.2 server=10.0.0.3:3478",
		"server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20 "\n",
		"v=2 server=10.0.0.3:3478 source=10.0.0.2 xtid=ff tid=" BIND_TID " bind=" BIND_STUN20,
		"server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20
		" server=10.9.9.9:1 tid=ffffffffffffffffffffffff",
		"server=10.0.0.3:03478 source=10.0.0.2 tid=000102030405060708090A0B bind="
		"000B00002112A442000102030405060708090A0B",
		"server=10.0.0.3:3478  source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20 " ",
		"server=10.0.0.3:00000000003478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20,
	};
	struct mr_ctl_bind want, b;
	char err[128];

	bind_example(&want, STUN_HDR_LEN);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(mr_ctl_bind_decode(good[i], &b, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(bind_equal(&want, &b));
	}
}

/* Every refusal, with its reason: the data plane sends it back as "refused: REASON". */
static void test_bind_refusals(void)
{
	static const char fields[] = "bind needs server=IP:PORT source=IP tid=HEX bind=HEX";
	static const char address[] = "bind: server is IPv4:PORT, source an IPv4 address";
	static const char hex[] = "bind: tid is 24 hex digits, bind a STUN message in hex";
	static const struct { const char *text, *why; } bad[] = {
		{ "", fields },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID, fields },
		{ "server=10.0.0.3:3478 tid=" BIND_TID " bind=" BIND_STUN20, fields },
		{ "source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, fields },
		{ "server=10.0.0.3:3478 source=10.0.0.2 bind=" BIND_STUN20, fields },
		{ "xserver=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, fields },
		{ "server=10.0.0.3:3478\nsource=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, fields },
		{ "server = 10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, fields },
		{ "server=10.0.0.3:000000000003478 source=10.0.0.2 tid=" BIND_TID " bind="
		  BIND_STUN20, fields }, /* 24 characters: longer than any IPV4:PORT */
		{ "server=10.0.0.3:3478 source=0010.000.000.002 tid=" BIND_TID " bind=" BIND_STUN20,
		  fields }, /* 16 characters: longer than any IPV4 */
		{ "server=10.0.0.3 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3: source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:0 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:65536 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:70000 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:+3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:3478x source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=fd00::3:3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.256:3478 source=10.0.0.2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:3478 source=host tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:3478 source=fd00::2 tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:3478 source= tid=" BIND_TID " bind=" BIND_STUN20, address },
		{ "server=10.0.0.3:3478 source=010.000.000.002 tid=" BIND_TID " bind=" BIND_STUN20,
		  address }, /* 15 characters: read, and no IPv4 literal */
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=0001 bind=" BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID "0c bind=" BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=00010203040506070809 0a0b bind="
		  BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=0001020304050607080g0a0b bind="
		  BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=0011", hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=", hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=zz" BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=0" BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=-1" BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind=0g" BIND_STUN20, hex },
		{ "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID " bind="
		  "000b00002112a442000102030405060708090a", hex }, /* 19 bytes */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mr_ctl_bind b;
		char err[128] = "";

		CU_ASSERT_EQUAL(mr_ctl_bind_decode(bad[i].text, &b, err, sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err, bad[i].why);
	}
}

/* The peer of the ConnectionAttempt, both families, byte for byte and read back; a
 * request without one (as before) reads with peer_family 0. */
static void test_bind_peer(void)
{
	static const char head[] = "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID
				   " bind=" BIND_STUN20;
	static const struct { uint8_t family; const char *addr; uint16_t port; const char *text; }
	cases[] = {
		{ MR_CTL_PEER_V4, "192.0.2.33", 40001, " peer=192.0.2.33:40001" },
		{ MR_CTL_PEER_V4, "0.0.0.0", 1, " peer=0.0.0.0:1" },
		{ MR_CTL_PEER_V6, "2001:db8::21", 443, " peer=[2001:db8::21]:443" },
		{ MR_CTL_PEER_V6, "::ffff:10.0.0.9", 65535, " peer=[::ffff:10.0.0.9]:65535" },
	};
	char text[MR_CTL_BIND_TEXT_MAX], want[MR_CTL_BIND_TEXT_MAX], err[128];
	struct mr_ctl_bind b, back;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bind_example(&b, STUN_HDR_LEN);
		bind_peer(&b, cases[i].family, cases[i].addr, cases[i].port);
		snprintf(want, sizeof(want), "%s%s", head, cases[i].text);
		CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), (int)strlen(want));
		CU_ASSERT_STRING_EQUAL(text, want);
		CU_ASSERT_EQUAL(mr_ctl_bind_decode(want, &back, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(bind_equal(&b, &back));
	}
	CU_ASSERT_EQUAL(mr_ctl_bind_decode("peer=[fd00::7]:80 bind=" BIND_STUN20 " tid=" BIND_TID
					   " source=10.0.0.2 server=10.0.0.3:3478", &back, err,
					   sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.peer_family, MR_CTL_PEER_V6);
	CU_ASSERT_EQUAL(back.peer[0], 0xfd);
	CU_ASSERT_EQUAL(back.peer[15], 7);
	CU_ASSERT_EQUAL(back.peer_port, htons(80));
	memset(&back, 0xa5, sizeof(back));
	CU_ASSERT_EQUAL(mr_ctl_bind_decode(head, &back, err, sizeof(err)), 0);
	bind_example(&b, STUN_HDR_LEN);
	CU_ASSERT_TRUE(bind_equal(&b, &back)); /* no peer: family, address and port 0 */
}

/* A peer= that is there but malformed refuses the request, with its reason. */
static void test_bind_peer_refusals(void)
{
	static const char *const bad[] = {
		"", "10.0.0.9", "10.0.0.9:", "10.0.0.9:0", "10.0.0.9:65536", "10.0.0.9:+80",
		"10.0.0.9:80x", "10.0.0.256:80", "host:80", "::1:80", "[::1]", "[::1]:",
		"[::1]80", "[::1]:0", "[::1:80", "::1]:80", "[10.0.0.9]:80", "[]:80",
		"[fe80::1%eth0]:80", "[::1]:99999999999999999999",
		"[0000:0000:0000:0000:0000:0000:0000:0000:0000]:80",
	};
	char text[256], err[128];
	struct mr_ctl_bind b;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "server=10.0.0.3:3478 source=10.0.0.2 tid=" BIND_TID
			 " bind=" BIND_STUN20 " peer=%s", bad[i]);
		err[0] = '\0';
		CU_ASSERT_EQUAL(mr_ctl_bind_decode(text, &b, err, sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err, "bind: peer is IPv4:PORT or [IPv6]:PORT");
	}
}

/* A ConnectionBind one byte longer than the data plane sends: refused as hex. */
static void test_bind_too_long(void)
{
	char text[MR_CTL_BIND_TEXT_MAX + 2], err[128];
	struct mr_ctl_bind b;
	int n;

	bind_example(&b, MR_CTL_BIND_MSG_MAX);
	n = mr_ctl_bind_encode(&b, text, sizeof(text));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(mr_ctl_bind_decode(text, &b, err, sizeof(err)), 0);
	memcpy(text + n, "00", 3);
	CU_ASSERT_EQUAL(mr_ctl_bind_decode(text, &b, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "bind: tid is 24 hex digits, bind a STUN message in hex");
}

/* The writer: a short buffer at every length, and values no reader takes. */
static void test_bind_encode_refusals(void)
{
	char text[MR_CTL_BIND_TEXT_MAX];
	struct mr_ctl_bind b;
	int n;

	bind_example(&b, 100);
	n = mr_ctl_bind_encode(&b, text, sizeof(text));
	CU_ASSERT_FATAL(n > 0);
	for (int cap = 0; cap <= n; cap++)
		CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, (size_t)cap), -1);
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, (size_t)n + 1), n);
	b.server_port = 0;
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), -1);
	bind_example(&b, STUN_HDR_LEN - 1);
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), -1);
	bind_example(&b, MR_CTL_BIND_MSG_MAX);
	b.len = MR_CTL_BIND_MSG_MAX + 1;
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), -1);
	bind_example(&b, 100);
	bind_peer(&b, MR_CTL_PEER_V6, "2001:db8::21", 443);
	n = mr_ctl_bind_encode(&b, text, sizeof(text));
	CU_ASSERT_FATAL(n > 0);
	for (int cap = n - 20; cap <= n; cap++) /* short for the peer alone */
		CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, (size_t)cap), -1);
	b.peer_port = 0;
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), -1);
	b.peer_port = htons(443);
	b.peer_family = 5;
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), -1);
}

/* A ConnectionBind made as the TURN client makes it (CONNECTION-ID, long-term credentials,
 * both MACs, FINGERPRINT) survives the trip: the data plane sends what was signed. */
static void test_bind_connection_bind(void)
{
	struct mr_ctl_bind b = { .server = htonl(0xc6336401), .server_port = htons(5349),
				 .source = htonl(0xc0000205) };
	char text[MR_CTL_BIND_TEXT_MAX], err[128];
	struct mr_ctl_bind back;
	struct stun_builder sb;
	struct stun_msg m;
	uint8_t key[32];
	size_t keylen = stun_long_term_key(STUN_PW_SHA256, "gw-blue", "red.example", "pw", key);
	int len;

	stun_new_tid(b.tid);
	stun_build_start(&sb, b.msg, sizeof(b.msg), TURN_CONNECTION_BIND, STUN_REQUEST, b.tid);
	stun_put_u32(&sb, STUN_ATTR_CONNECTION_ID, 0x6e7a0001);
	stun_put_string(&sb, STUN_ATTR_USERNAME, "gw-blue");
	stun_put_string(&sb, STUN_ATTR_REALM, "red.example");
	stun_put_string(&sb, STUN_ATTR_NONCE, "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
	stun_put_password_algorithm(&sb, STUN_PW_SHA256);
	stun_put_integrity(&sb, key, keylen);
	stun_put_integrity_sha256(&sb, key, keylen);
	stun_put_fingerprint(&sb);
	len = stun_build_finish(&sb);
	CU_ASSERT_FATAL(len > 0);
	b.len = (uint16_t)len;
	CU_ASSERT_FATAL(mr_ctl_bind_encode(&b, text, sizeof(text)) > 0);
	CU_ASSERT_EQUAL_FATAL(mr_ctl_bind_decode(text, &back, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(bind_equal(&b, &back));
	CU_ASSERT_EQUAL_FATAL(stun_decode(back.msg, back.len, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.method, TURN_CONNECTION_BIND);
	CU_ASSERT_EQUAL(m.cls, STUN_REQUEST);
	CU_ASSERT_EQUAL(memcmp(m.tid, back.tid, STUN_TID_LEN), 0);
	CU_ASSERT_TRUE(m.has_connection_id && m.connection_id == 0x6e7a0001);
	CU_ASSERT_TRUE(m.fingerprint_ok);
	CU_ASSERT_TRUE(stun_check_integrity_sha256(&m, key, keylen));
}

/* A BIND that meshrelay-cp sent to its data plane in a run of the cross-network test
 * (integration test 50: a peer's ConnectionAttempt on gateway B's relay at 10.50.0.3),
 * written by the encoder before the control protocol took it over. */
static const char bind_captured[] =
	"server=10.50.0.3:3478 source=10.50.0.2 tid=3d5ade1b5b765385fd2d5b85 bind="
	"000b00542112a4423d5ade1b5b765385fd2d5b85002a00045213bc000006000467772d6200140009"
	"6d6573682e74657374000000001500103931656238653536633662353238333300080014dbe7272b"
	"e3a4163cc6ee3d82d03cf37de0b20e6280280004c99b36a3";

/* A BIND that meshrelay-cp sent to its data plane in a run of the TURN test (integration
 * test 41: a peer at 127.0.0.1 connecting to gateway blue's relay on coturn), with the
 * peer its ConnectionAttempt named. */
static const char bind_captured_peer[] =
	"server=127.0.0.1:34781 source=127.0.0.1 tid=06f0f124fd6fd59181da1d0f bind="
	"000b00542112a44206f0f124fd6fd59181da1d0f002a0004f7fbed0100060004626c756500140009"
	"6d6573682e746573740000000015001062656637386666333236636565663232000800144eef2cc9"
	"0e55bbb5d6beb7df4d0058d01b048ca580280004cc06939c"
	" peer=127.0.0.1:51654";

/* The same request with an IPv6 peer in its place, for the fuzzer's seeds too (fuzz.sh
 * takes every bind_captured* text): the TURN servers here relay IPv4 only. */
static const char bind_captured_peer6[] =
	"server=127.0.0.1:34781 source=127.0.0.1 tid=06f0f124fd6fd59181da1d0f bind="
	"000b00542112a44206f0f124fd6fd59181da1d0f002a0004f7fbed0100060004626c756500140009"
	"6d6573682e746573740000000015001062656637386666333236636565663232000800144eef2cc9"
	"0e55bbb5d6beb7df4d0058d01b048ca580280004cc06939c"
	" peer=[2001:db8:50::7]:51654";

/* The captured text reads as that run's ConnectionBind, and is written back to the same
 * bytes. */
static void test_bind_captured(void)
{
	static const uint8_t tid[STUN_TID_LEN] = { 0x3d, 0x5a, 0xde, 0x1b, 0x5b, 0x76, 0x53, 0x85,
						   0xfd, 0x2d, 0x5b, 0x85 };
	char text[MR_CTL_BIND_TEXT_MAX], err[128];
	struct mr_ctl_bind b;
	struct stun_msg m;

	CU_ASSERT_EQUAL_FATAL(mr_ctl_bind_decode(bind_captured, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.server, htonl(0x0a320003));
	CU_ASSERT_EQUAL(b.server_port, htons(3478));
	CU_ASSERT_EQUAL(b.source, htonl(0x0a320002));
	CU_ASSERT_EQUAL(memcmp(b.tid, tid, sizeof(tid)), 0);
	CU_ASSERT_EQUAL(b.len, 104);
	CU_ASSERT_EQUAL_FATAL(stun_decode(b.msg, b.len, &m, NULL), 0);
	CU_ASSERT_EQUAL(m.method, TURN_CONNECTION_BIND);
	CU_ASSERT_EQUAL(m.cls, STUN_REQUEST);
	CU_ASSERT_EQUAL(memcmp(m.tid, tid, sizeof(tid)), 0);
	CU_ASSERT_TRUE(m.has_connection_id && m.connection_id == 0x5213bc00);
	CU_ASSERT_STRING_EQUAL(m.realm, "mesh.test");
	CU_ASSERT_TRUE(m.has_integrity && m.fingerprint_ok);
	CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), (int)strlen(bind_captured));
	CU_ASSERT_STRING_EQUAL(text, bind_captured);
}

/* The captured requests with a peer: that run's ConnectionBind and its peer, and the
 * same bytes written back. */
static void test_bind_captured_peer(void)
{
	static const char *const texts[] = { bind_captured_peer, bind_captured_peer6 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x50, [15] = 7 };
	char text[MR_CTL_BIND_TEXT_MAX], err[128];
	struct mr_ctl_bind b;
	struct stun_msg m;

	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(mr_ctl_bind_decode(texts[i], &b, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(b.server, htonl(0x7f000001));
		CU_ASSERT_EQUAL(b.server_port, htons(34781));
		CU_ASSERT_EQUAL(b.len, 104);
		CU_ASSERT_EQUAL_FATAL(stun_decode(b.msg, b.len, &m, NULL), 0);
		CU_ASSERT_EQUAL(m.method, TURN_CONNECTION_BIND);
		CU_ASSERT_TRUE(m.has_connection_id && m.connection_id == 0xf7fbed01);
		CU_ASSERT_EQUAL(b.peer_port, htons(51654));
		CU_ASSERT_EQUAL(mr_ctl_bind_encode(&b, text, sizeof(text)), (int)strlen(texts[i]));
		CU_ASSERT_STRING_EQUAL(text, texts[i]);
	}
	CU_ASSERT_EQUAL(b.peer_family, MR_CTL_PEER_V6);
	CU_ASSERT_EQUAL(memcmp(b.peer, v6, sizeof(v6)), 0);
	CU_ASSERT_EQUAL(mr_ctl_bind_decode(bind_captured_peer, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.peer_family, MR_CTL_PEER_V4);
	CU_ASSERT_EQUAL(b.peer[0], 127);
	CU_ASSERT_EQUAL(b.peer[3], 1);
	CU_ASSERT_EQUAL(b.peer[4], 0);
}

int test_proto_register(void)
{
	static CU_TestInfo tests[] = {
		{ "header bytes in network order", test_hdr_bytes },
		{ "header round trips", test_hdr_round_trip },
		{ "header refusals: short, magic, version, too large", test_hdr_refusals },
		{ "PONG: the generation in force", test_pong_generation },
		{ "BIND text: byte for byte, and read back", test_bind_text },
		{ "BIND text: round trips, every message length", test_bind_round_trip },
		{ "BIND text: fields in any order, first one counts", test_bind_fields },
		{ "BIND text: every refusal and its reason", test_bind_refusals },
		{ "BIND text: the peer, IPv4 and IPv6, or none", test_bind_peer },
		{ "BIND text: a malformed peer refused", test_bind_peer_refusals },
		{ "BIND text: a ConnectionBind above 512 bytes", test_bind_too_long },
		{ "BIND text: the writer's refusals", test_bind_encode_refusals },
		{ "BIND text: a signed ConnectionBind survives", test_bind_connection_bind },
		{ "BIND text: a payload captured from a run", test_bind_captured },
		{ "BIND text: a payload with its peer, captured from a run", test_bind_captured_peer },
		CU_TEST_INFO_NULL,
	};

	return unit_add_suite("ctl_proto", tests);
}
