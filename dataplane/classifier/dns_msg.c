/* SPDX-License-Identifier: BSD-3-Clause */
#include "dns_msg.h"

#include <stdint.h>
#include <string.h>

#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_OPCODE 0x7800u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_CD 0x0010u
#define DNS_WIRE_NAME_MAX 255
#define DNS_OPT_LEN 11 /* root name, type, class, TTL, empty rdata */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

#define NAME_SHORT SIZE_MAX

/* A question's byte as q->name holds it: lower-cased, a dot or NUL as DNS_NAME_ODD_BYTE.
 * A table, not tests: labels are a few bytes, and the compiler's vector loop of tests
 * cost more than it saved (2,568 instructions a DNS answer with it, 2,404 with the
 * table; callgrind). */
#define QB1(c) ((uint8_t)((c) == '.' || (c) == 0 ? DNS_NAME_ODD_BYTE                      \
					       : (c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))
#define QB4(c) QB1(c), QB1((c) + 1), QB1((c) + 2), QB1((c) + 3)
#define QB16(c) QB4(c), QB4((c) + 4), QB4((c) + 8), QB4((c) + 12)
#define QB64(c) QB16(c), QB16((c) + 16), QB16((c) + 32), QB16((c) + 48)
static const uint8_t qname_byte[256] = { QB64(0), QB64(64), QB64(128), QB64(192) };

/* The question's name at off: no pointer (nothing before it could be pointed at), labels
 * of 1 to 63 bytes, 255 wire bytes at most. Lower-cased and dotted into q->name, a dot or
 * NUL inside a label (legal, RFC 2181 11) as DNS_NAME_ODD_BYTE, which no name the gateway
 * serves holds: such a name is in a zone or not by its labels, and never routed. The
 * offset just past it, 0 when it is bad, NAME_SHORT when the message ends first. */
static size_t read_qname(const uint8_t *msg, size_t len, size_t off, struct dns_query *q)
{
	size_t start = off, out = 0;

	for (;;) {
		uint8_t l;

		if (off >= len)
			return NAME_SHORT;
		l = msg[off++];
		if (l == 0)
			break;
		if (l > 63 || off - start + l > DNS_WIRE_NAME_MAX - 1)
			return 0; /* a pointer (0xc0), a reserved label type, or too long */
		if (off + l > len)
			return NAME_SHORT;
		if (out)
			q->name[out++] = '.';
		for (unsigned int i = 0; i < l; i++)
			q->name[out++] = (char)qname_byte[msg[off + i]];
		off += l;
	}
	q->name[out] = '\0';
	q->name_len = (uint16_t)out;
	return off;
}

/* Past the (possibly compressed) owner name of a record at off; 0 when it runs out. */
static size_t skip_name(const uint8_t *msg, size_t len, size_t off)
{
	while (off < len) {
		uint8_t l = msg[off];

		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (l > 63)
			return 0;
		off += 1u + l;
	}
	return 0;
}

/* The records after the question: answers and authority skipped, the additional section
 * searched for one OPT record. */
static enum dns_parse_status read_records(const uint8_t *msg, size_t len, size_t off,
					  struct dns_query *q)
{
	unsigned int skip = rd16(msg + 6) + rd16(msg + 8), extra = rd16(msg + 10);

	for (unsigned int i = 0; i < skip + extra; i++) {
		size_t name_at = off;
		uint16_t type, rdlen;

		off = skip_name(msg, len, off);
		if (!off || off + 10 > len)
			return DNS_PARSE_SHORT;
		type = rd16(msg + off);
		rdlen = rd16(msg + off + 8);
		if (off + 10 + rdlen > len)
			return DNS_PARSE_SHORT;
		if (i >= skip && type == DNS_TYPE_OPT) {
			if (q->edns || msg[name_at] != 0)
				return DNS_PARSE_EDNS; /* RFC 6891 6.1.1: one, owned by the root */
			q->edns = true;
			q->edns_udp_size = rd16(msg + off + 2) < DNS_UDP_PLAIN ? DNS_UDP_PLAIN
									 : rd16(msg + off + 2);
			q->edns_version = msg[off + 5];
			q->edns_do = (msg[off + 6] & 0x80) != 0;
		}
		off += 10u + rdlen;
	}
	return DNS_PARSE_OK;
}

/* A message refused before its records were read (another opcode, not one question):
 * its OPT looked for all the same, past every question, so that the refusal carries one
 * as RFC 6891 section 7 wants. What cannot be read leaves q without EDNS. */
static enum dns_parse_status refused_with_edns(const uint8_t *msg, size_t len,
					       struct dns_query *q, enum dns_parse_status st)
{
	size_t off = DNS_HEADER_LEN;

	for (unsigned int i = 0; i < rd16(msg + 4); i++) {
		off = skip_name(msg, len, off);
		if (!off || off + 4 > len)
			return st;
		off += 4;
	}
	if (read_records(msg, len, off, q) != DNS_PARSE_OK)
		q->edns = false;
	return st;
}

enum dns_parse_status dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *q)
{
	size_t off;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_LEN)
		return DNS_PARSE_SHORT;
	q->id = rd16(msg);
	q->flags = rd16(msg + 2);
	if (q->flags & DNS_FLAG_QR)
		return DNS_PARSE_RESPONSE;
	if ((q->flags >> 11) & 0xf)
		return refused_with_edns(msg, len, q, DNS_PARSE_OPCODE);
	if (rd16(msg + 4) != 1)
		return refused_with_edns(msg, len, q, DNS_PARSE_QDCOUNT);
	off = read_qname(msg, len, DNS_HEADER_LEN, q);
	if (off == 0)
		return DNS_PARSE_NAME;
	if (off == NAME_SHORT)
		return DNS_PARSE_SHORT;
	if (off + 4 > len)
		return DNS_PARSE_SHORT;
	q->qtype = rd16(msg + off);
	q->qclass = rd16(msg + off + 2);
	off += 4;
	q->question_len = (uint16_t)(off - DNS_HEADER_LEN);
	return read_records(msg, len, off, q);
}

size_t dns_udp_room(const struct dns_query *q)
{
	if (!q->edns)
		return DNS_UDP_PLAIN;
	return q->edns_udp_size < DNS_UDP_OURS ? q->edns_udp_size : DNS_UDP_OURS;
}

/* Where the question's wire name holds the labels of zone (a dotted suffix of it), as an
 * offset in the message for a compression pointer; 0 when it does not. */
static size_t zone_offset(const uint8_t *query, const struct dns_query *q, const char *zone)
{
	size_t zlen = strlen(zone), off = DNS_HEADER_LEN, dotted = 0;

	if (zlen > q->name_len)
		return 0;
	while (query[off] != 0) {
		size_t rest = q->name_len - dotted;

		if (rest == zlen && strcmp(q->name + dotted, zone) == 0)
			return off;
		dotted += query[off] + 1u;
		off += query[off] + 1u;
	}
	return 0;
}

/* The zone's SOA at p (owner by pointer when it is a suffix of the question's name, else
 * written out); its length, or 0 when room is short. */
static size_t write_soa(uint8_t *p, size_t room, const uint8_t *query, const struct dns_query *q,
			const struct dns_zone *zone)
{
	size_t zoff = zone_offset(query, q, zone->name), n = 0, rd;

	if (!zoff || room < 2 + 10 + 2 * (1 + 10 + 2) + 20)
		return 0;
	wr16(p, 0xc000u | (unsigned)zoff);
	n = 2;
	wr16(p + n, DNS_TYPE_SOA);
	wr16(p + n + 2, DNS_CLASS_IN);
	wr32(p + n + 4, zone->minimum_ttl);
	rd = n + 10;
	n = rd;
	/* MNAME ns.ZONE, RNAME hostmaster.ZONE: labels then a pointer to the zone. */
	p[n++] = 2;
	memcpy(p + n, "ns", 2);
	n += 2;
	wr16(p + n, 0xc000u | (unsigned)zoff);
	n += 2;
	p[n++] = 10;
	memcpy(p + n, "hostmaster", 10);
	n += 10;
	wr16(p + n, 0xc000u | (unsigned)zoff);
	n += 2;
	wr32(p + n, zone->serial);
	wr32(p + n + 4, 3600);   /* refresh */
	wr32(p + n + 8, 600);    /* retry */
	wr32(p + n + 12, 86400); /* expire */
	wr32(p + n + 16, zone->minimum_ttl);
	n += 20;
	wr16(p + rd - 2, (unsigned)(n - rd));
	return n;
}

size_t dns_build_answer(uint8_t *out, size_t room, const uint8_t *query, size_t query_len,
			const struct dns_query *q, enum dns_rcode rcode,
			const struct dns_addr_rr *rrs, unsigned int n, uint32_t ttl,
			const struct dns_zone *zone)
{
	size_t head = DNS_HEADER_LEN + q->question_len, len, opt = q->edns ? DNS_OPT_LEN : 0;
	unsigned int answers = 0, authority = 0;
	bool truncated = false;
	uint16_t flags;

	if (query_len < head || room < head + opt)
		return 0;
	if (q->edns && q->edns_version > 0)
		rcode = DNS_RCODE_BADVERS;
	memcpy(out + DNS_HEADER_LEN, query + DNS_HEADER_LEN, q->question_len);
	len = head;
	for (unsigned int i = 0; rcode == DNS_RCODE_NOERROR && i < n; i++) {
		size_t alen = rrs[i].type == DNS_TYPE_AAAA ? 16 : 4;

		if (rrs[i].type == DNS_TYPE_SOA) { /* the zone's own, at its apex */
			size_t soa = zone && len + opt < room
				     ? write_soa(out + len, room - len - opt, query, q, zone) : 0;

			if (!soa) {
				truncated = true;
				answers = 0;
				len = head;
				break;
			}
			len += soa;
			answers++;
			continue;
		}
		if (len + 12 + alen + opt > room) {
			truncated = true; /* nothing partial: the client asks again over TCP */
			answers = 0;
			len = head;
			break;
		}
		wr16(out + len, 0xc000u | DNS_HEADER_LEN);
		wr16(out + len + 2, rrs[i].type);
		wr16(out + len + 4, DNS_CLASS_IN);
		wr32(out + len + 6, ttl);
		wr16(out + len + 10, (unsigned)alen);
		memcpy(out + len + 12, rrs[i].addr, alen);
		len += 12 + alen;
		answers++;
	}
	if (!truncated && zone && answers == 0 &&
	    (rcode == DNS_RCODE_NXDOMAIN || rcode == DNS_RCODE_NOERROR)) {
		size_t soa = write_soa(out + len, room - len - opt, query, q, zone);

		authority = soa ? 1 : 0;
		len += soa;
		/* A negative answer without its SOA cannot be cached for its time (RFC 2308):
		 * one cut short by the room (a rate-limited slip) says so and is asked again
		 * over TCP. No SOA for a name outside the zone is no cut. */
		truncated = !soa && zone_offset(query, q, zone->name) != 0;
	}
	if (q->edns) {
		out[len] = 0; /* the root */
		wr16(out + len + 1, DNS_TYPE_OPT);
		wr16(out + len + 3, DNS_UDP_OURS);
		wr32(out + len + 5, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? 0x8000u : 0));
		wr16(out + len + 9, 0);
		len += DNS_OPT_LEN;
	}
	/* The opcode as asked (RFC 1035 4.1.1); authoritative only for what the zones say,
	 * not for a refusal or an error (BADVERS too: its low four bits are zero). */
	flags = DNS_FLAG_QR | (q->flags & (DNS_FLAG_OPCODE | DNS_FLAG_RD | DNS_FLAG_CD)) |
		(rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN ? DNS_FLAG_AA : 0) |
		(truncated ? DNS_FLAG_TC : 0) | (rcode & 0xf);
	wr16(out, q->id);
	wr16(out + 2, flags);
	wr16(out + 4, q->question_len ? 1 : 0);
	wr16(out + 6, answers);
	wr16(out + 8, authority);
	wr16(out + 10, q->edns ? 1 : 0);
	return len;
}

const char *dns_parse_status_str(enum dns_parse_status st)
{
	switch (st) {
	case DNS_PARSE_OK: return "ok";
	case DNS_PARSE_SHORT: return "short";
	case DNS_PARSE_RESPONSE: return "response";
	case DNS_PARSE_OPCODE: return "opcode";
	case DNS_PARSE_QDCOUNT: return "qdcount";
	case DNS_PARSE_NAME: return "name";
	case DNS_PARSE_EDNS: return "edns";
	}
	return "unknown";
}
