/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS messages as the gateway's resolver sees them (RFC 1035, EDNS0 of RFC 6891): a query
 * read into its one question, and an answer written from it. Plain C, no I/O and no
 * allocation: the data plane's workers call it per packet, the fuzzer per input.
 */
#ifndef MR_DNS_MSG_H
#define MR_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 253       /* dotted, without the final dot */
#define DNS_UDP_PLAIN 512      /* a UDP answer's room without EDNS0 */
#define DNS_UDP_OURS 1232      /* what we offer and use at most with EDNS0 (DNS flag day) */

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_HTTPS = 65,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_ANY = 255,
};

enum dns_class {
	DNS_CLASS_IN = 1,
	DNS_CLASS_ANY = 255, /* QCLASS * (RFC 1035 3.2.5) */
};

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16, /* extended: EDNS version not supported */
};

enum dns_parse_status {
	DNS_PARSE_OK = 0,
	DNS_PARSE_SHORT,       /* shorter than its header or its question says */
	DNS_PARSE_RESPONSE,    /* QR set: never answered (no reflection loops) */
	DNS_PARSE_OPCODE,      /* not a standard query: answer NOTIMP */
	DNS_PARSE_QDCOUNT,     /* not exactly one question: answer FORMERR */
	DNS_PARSE_NAME,        /* a bad name: label over 63, name over 255, a pointer, a loop */
	DNS_PARSE_EDNS,        /* a malformed or second OPT record: answer FORMERR */
};

/* What a dot or NUL inside a question's label reads as in dns_query.name: a byte no
 * name the gateway serves or answers for holds. */
#define DNS_NAME_ODD_BYTE 0xff

/* The one question of a query, and what of the rest an answer needs. */
struct dns_query {
	uint16_t id;
	uint16_t flags;            /* as sent: RD and CD are echoed */
	uint16_t qtype, qclass;
	char name[DNS_NAME_MAX + 1]; /* lower case, dotted, no final dot; "" for the root */
	uint16_t name_len;
	uint16_t question_len;     /* wire bytes of the question (name, type, class) */
	bool edns;                 /* an OPT record came with it */
	uint8_t edns_version;
	bool edns_do;              /* DNSSEC OK */
	uint16_t edns_udp_size;    /* what the client takes over UDP (at least 512) */
};

/* Read msg (len bytes) as a query. DNS_PARSE_OK and *q filled; otherwise what is wrong,
 * with q->id (and, from DNS_PARSE_OPCODE on, q->flags) set when the header was there. */
enum dns_parse_status dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q);

/* One record of an answer, owned by the question's name: an address, or the zone's SOA
 * when the question names the zone itself. */
struct dns_addr_rr {
	uint16_t type;             /* DNS_TYPE_A (4 bytes), DNS_TYPE_AAAA (16), DNS_TYPE_SOA */
	uint8_t addr[16];          /* not for an SOA: it comes from the zone */
};

/* The zone an answer comes from: its SOA goes with NXDOMAIN and NODATA answers (RFC
 * 2308) so that resolvers cache them for minimum_ttl. */
struct dns_zone {
	const char *name;          /* lower case, dotted, a suffix of the question's name */
	uint32_t serial;
	uint32_t minimum_ttl;
};

/* Write the answer to q (whose wire message is query, query_len bytes, for the question as
 * the client spelt it; with q->question_len 0 the header alone, as FORMERR needs) into
 * out: rcode and q's opcode, then n records with ttl (NOERROR), or the zone's SOA as
 * authority (NXDOMAIN, or NOERROR with n == 0; zone may be NULL), and an OPT record when
 * q had one; authoritative (AA) for NOERROR and NXDOMAIN only. At most room bytes: what
 * does not fit is left out and TC set (the client asks again over TCP). Returns the
 * length; 0 when not even the header and question fit. */
size_t dns_build_answer(uint8_t *out, size_t room, const uint8_t *query, size_t query_len,
			const struct dns_query *q, enum dns_rcode rcode,
			const struct dns_addr_rr *rrs, unsigned int n, uint32_t ttl,
			const struct dns_zone *zone);

/* Room for an answer to q over UDP: its EDNS0 size (at most ours) or 512. */
size_t dns_udp_room(const struct dns_query *q);

/* Short fixed texts for counters and logs. */
const char *dns_parse_status_str(enum dns_parse_status st);

#endif
