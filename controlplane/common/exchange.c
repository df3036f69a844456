#include "exchange.h"

#include <errno.h>

/* A peer that refuses us says why and closes at once: our send may fail before we read. */
#define LEFT_BEHIND_MS 200

int exchange_one(int fd, uint16_t type, uint32_t generation, const void *body, uint32_t len,
		 int timeout_ms, struct mr_ctl_hdr *h, char **payload)
{
	int send_errno;

	*payload = NULL;
	if (mr_ctl_send(fd, type, generation, body, len) == 0)
		return mr_ctl_recv(fd, h, payload, MR_CTL_MAX_PAYLOAD, timeout_ms);
	send_errno = errno;
	if ((send_errno == EPIPE || send_errno == ECONNRESET) &&
	    mr_ctl_recv(fd, h, payload, MR_CTL_MAX_PAYLOAD, LEFT_BEHIND_MS) == 0)
		return 0;
	errno = send_errno;
	return -1;
}
