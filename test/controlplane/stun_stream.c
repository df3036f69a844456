/* SPDX-License-Identifier: BSD-3-Clause */
#include "stun_stream.h"

#include <sys/socket.h>

#include "stun_msg.h"

int stun_stream_read(int fd, uint8_t *buf, size_t cap)
{
	size_t have = 0;
	long need;

	while ((need = stun_frame_length(buf, have)) == 0 || (need > 0 && (size_t)need > have)) {
		size_t want = need > 0 ? (size_t)need - have : STUN_HDR_LEN - have;
		ssize_t n = have + want <= cap ? recv(fd, buf + have, want, 0) : -1;

		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return need > 0 ? (int)need : -1;
}
