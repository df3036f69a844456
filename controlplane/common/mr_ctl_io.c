/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol's blocking socket helpers for clients (and tests): see mr_ctl_proto.h. */
#include "mr_ctl_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "mr_clock.h"

/* A peer that takes none of our bytes for this long is treated as gone: a client must
 * never hang on a data plane that stopped reading. */
#define MR_CTL_SEND_TIMEOUT_MS 5000
/* A peer that refuses us says why and closes at once: our send may fail before we read. */
#define MR_CTL_LEFT_BEHIND_MS 200
/* How often a connect refused by a full listen backlog is tried again. */
#define MR_CTL_CONNECT_RETRY_MS 10

/* A deadline timeout_ms from now, in mr_clock_ms time; -1 (none) for a negative timeout. */
static int64_t deadline_in(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : (int64_t)mr_clock_ms() + timeout_ms;
}

/* Wait until fd is ready for events or the deadline (ms, monotonic; < 0: none) passes.
 * 0 when ready, -1 with errno (ETIMEDOUT). Signals restart the wait on the same deadline. */
static int wait_ready(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int left = -1;
		int n;

		if (deadline >= 0) {
			int64_t d = deadline - (int64_t)mr_clock_ms();

			if (d <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			left = d > INT32_MAX ? INT32_MAX : (int)d;
		}
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0; /* errors and hang-ups surface in the next send or recv */
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Advance an iovec array past n bytes already written. */
static void iov_consume(struct iovec **iov, int *cnt, size_t n)
{
	while (*cnt > 0 && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*cnt)--;
	}
	if (*cnt > 0) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

int mr_ctl_send_within(int fd, uint16_t type, uint32_t generation, const void *payload,
		       uint32_t len, int idle_ms)
{
	struct mr_ctl_hdr h = { MR_CTL_VERSION, type, generation, len };
	uint8_t hdr[MR_CTL_HDR_LEN];
	struct iovec vec[2] = { { hdr, sizeof(hdr) }, { (void *)payload, len } };
	struct iovec *iov = vec;
	int cnt = len ? 2 : 1;
	int64_t deadline = deadline_in(idle_ms);

	mr_ctl_hdr_encode(&h, hdr);
	while (cnt > 0) {
		/* Never block inside the kernel: the wait happens in poll, bounded. */
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0) {
			/* A peer that takes something is not gone: a large push to a data
			 * plane busy with other clients goes on as long as it moves. */
			iov_consume(&iov, &cnt, (size_t)n);
			if (n > 0)
				deadline = deadline_in(idle_ms);
			continue;
		}
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || wait_ready(fd, POLLOUT, deadline) < 0)
			return -1;
	}
	return 0;
}

int mr_ctl_send(int fd, uint16_t type, uint32_t generation, const void *payload, uint32_t len)
{
	return mr_ctl_send_within(fd, type, generation, payload, len, MR_CTL_SEND_TIMEOUT_MS);
}

/* Read exactly len bytes before the deadline. A close by the peer is ECONNRESET. */
static int recv_exact(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || wait_ready(fd, POLLIN, deadline) < 0)
			return -1;
	}
	return 0;
}

int mr_ctl_recv(int fd, struct mr_ctl_hdr *h, char **payload, uint32_t max_payload,
		int timeout_ms)
{
	int64_t deadline = deadline_in(timeout_ms);
	uint8_t hdr[MR_CTL_HDR_LEN];
	char *body;

	*payload = NULL;
	if (recv_exact(fd, hdr, sizeof(hdr), deadline) < 0)
		return -1;
	if (mr_ctl_hdr_decode(hdr, sizeof(hdr), max_payload, h) != MR_CTL_OK) {
		errno = EPROTO;
		return -1;
	}
	body = malloc((size_t)h->length + 1);
	if (!body)
		return -1;
	if (recv_exact(fd, (uint8_t *)body, h->length, deadline) < 0) {
		int e = errno;

		free(body);
		errno = e;
		return -1;
	}
	body[h->length] = '\0';
	*payload = body;
	return 0;
}

/* A connect that goes on in the background: wait for its outcome until the deadline. */
static int connect_finish(int fd, int64_t deadline)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	if (wait_ready(fd, POLLOUT, deadline) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return -1;
	errno = err;
	return err ? -1 : 0;
}

/* Sleep up to ms, never past the deadline (< 0: none); -1 with ETIMEDOUT once it passed. */
static int pause_before(int64_t deadline, int ms)
{
	if (deadline >= 0) {
		int64_t left = deadline - (int64_t)mr_clock_ms();

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (left < ms)
			ms = (int)left;
	}
	poll(NULL, 0, ms); /* a signal only ends the pause early */
	return 0;
}

/* Connect the non-blocking fd before the deadline. A listener whose backlog is full (a
 * frozen data plane) refuses with EAGAIN and offers nothing to poll for until it accepts,
 * so the connect is tried again every few milliseconds. */
static int connect_by(int fd, const struct sockaddr_un *sun, int64_t deadline)
{
	for (;;) {
		if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
			return 0;
		if (errno == EINPROGRESS || errno == EINTR)
			return connect_finish(fd, deadline);
		if (errno != EAGAIN || pause_before(deadline, MR_CTL_CONNECT_RETRY_MS) < 0)
			return -1;
	}
}

int mr_ctl_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t plen = strlen(path);
	int fd, e;

	if (plen >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, plen + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Handed back blocking, as it always was: only the connect needed to be bounded. */
	if (connect_by(fd, &sun, deadline_in(timeout_ms)) == 0 &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int mr_ctl_exchange(int fd, uint16_t type, uint32_t generation, const void *body, uint32_t len,
		    int timeout_ms, struct mr_ctl_hdr *h, char **payload)
{
	int send_errno;

	*payload = NULL;
	if (mr_ctl_send(fd, type, generation, body, len) == 0)
		return mr_ctl_recv(fd, h, payload, MR_CTL_MAX_PAYLOAD, timeout_ms);
	send_errno = errno;
	if ((send_errno == EPIPE || send_errno == ECONNRESET) &&
	    mr_ctl_recv(fd, h, payload, MR_CTL_MAX_PAYLOAD, MR_CTL_LEFT_BEHIND_MS) == 0)
		return 0;
	errno = send_errno;
	return -1;
}
