/* SPDX-License-Identifier: BSD-3-Clause */
#include "turn_addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void turn_addr_str(const struct stun_addr *a, char *out, size_t outlen)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->ip, ip, sizeof(ip));
	snprintf(out, outlen, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, a->port);
}

int turn_addr_parse(const char *address, uint16_t port, struct stun_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, address, a->ip) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, address, a->ip) == 1)
		a->family = AF_INET6;
	else
		return -1;
	return 0;
}
