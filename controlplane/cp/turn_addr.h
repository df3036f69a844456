/* SPDX-License-Identifier: BSD-3-Clause */
/* STUN addresses as text: written for logs and discovery, read from configuration. */
#ifndef TURN_ADDR_H
#define TURN_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "stun_msg.h"

/* "ADDRESS:PORT" of a STUN address, for logs and discovery. */
void turn_addr_str(const struct stun_addr *a, char *out, size_t outlen);

/* Parse an address literal and port into a STUN address. 0 or -1. */
int turn_addr_parse(const char *address, uint16_t port, struct stun_addr *a);

#endif
