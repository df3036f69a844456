/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target for dns_msg. Input: two bytes choosing the answer's room and how many
 * records it carries, then a message. A query read as OK must answer within its room with
 * its own id and question; a truncated answer carries no record. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_dns_msg: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dns_zone zone = { "example", 1, 30 };
	struct dns_addr_rr rrs[64];
	uint8_t out[2048];
	struct dns_query q;
	size_t room, len;
	unsigned int n;

	if (size < 2)
		return 0;
	room = 12 + (size_t)data[0] * 8;
	n = data[1] % 65;
	data += 2;
	size -= 2;
	for (unsigned int i = 0; i < n; i++)
		rrs[i] = (struct dns_addr_rr){ i & 1 ? DNS_TYPE_AAAA : DNS_TYPE_A, { (uint8_t)i } };
	if (dns_parse_query(data, size, &q) != DNS_PARSE_OK)
		return 0;
	check(q.name_len <= DNS_NAME_MAX && strlen(q.name) == q.name_len, "name length");
	check(12u + q.question_len <= size, "question inside the message");
	for (int rcode = 0; rcode <= 5; rcode += 3) {
		len = dns_build_answer(out, room, data, size, &q, (enum dns_rcode)rcode, rrs, n, 60,
				       &zone);
		check(len <= room, "answer within its room");
		if (!len)
			continue;
		check(out[0] == data[0] && out[1] == data[1], "its id");
		check(memcmp(out + 12, data + 12, q.question_len) == 0, "its question");
		check(!(out[2] & 0x02) || (out[6] == 0 && out[7] == 0), "truncated: no record");
	}
	return 0;
}
