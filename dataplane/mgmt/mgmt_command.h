/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a control message asks of the data plane, apart from the socket it came by
 * (mgmt_server): PING and QUERY answered with reports, PUSH (a whole configuration
 * validated, its tables built and swapped in under RCU: all or nothing), BIND (an RFC 6062
 * data connection handed to a worker), PORT (a data port paused or resumed), CLAIM
 * (meshrelay-cp manages the configuration while it stays connected). The control
 * socket's thread only: it is the one that swaps the live configuration, and reads it
 * here without the readers' lock.
 */
#ifndef MGMT_COMMAND_H
#define MGMT_COMMAND_H

#include <stdint.h>

#include "dp.h"
#include "mr_ctl_proto.h"

/* How a message is answered: send(ctx, type, generation, text) to the client that asked
 * (client: its connection's number, never 0); 0, or -1 when that client must go. An
 * answer longer than max_text (0: MR_CTL_MAX_PAYLOAD, what a client reads) is refused
 * in its place, saying its size. */
struct mgmt_reply {
	int (*send)(void *ctx, uint16_t type, uint32_t generation, const char *text);
	void *ctx;
	uint64_t client;
	size_t max_text;
};

/* The generation of the live configuration in force. */
uint32_t mgmt_generation(const struct dp_appliance *app);

/* Carry out one whole message (header h, NUL-terminated payload) on app and answer it
 * through r; an unknown type is refused. What r's send returned. */
int mgmt_command_run(struct dp_appliance *app, const struct mr_ctl_hdr *h, const char *payload,
		     const struct mgmt_reply *r);

/* Client number `client` is gone: its claim on the configuration, if any, goes with it. */
void mgmt_command_client_gone(struct dp_appliance *app, uint64_t client);

#endif
