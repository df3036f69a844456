/* One request and its answer over the control socket, for meshrelay-cp and meshrelayctl. */
#ifndef EXCHANGE_H
#define EXCHANGE_H

#include <stdint.h>

#include "mr_ctl_proto.h"

/* Send a request and receive the answer (payload malloc'd, freed by the caller). When the
 * peer closed before taking the request, an answer it left behind (a refusal) is still
 * read. 0, or -1 with errno as mr_ctl_send/mr_ctl_recv set it. */
int exchange_one(int fd, uint16_t type, uint32_t generation, const void *body, uint32_t len,
		 int timeout_ms, struct mr_ctl_hdr *h, char **payload);

#endif
