/* SPDX-License-Identifier: BSD-3-Clause */
/* The scripted TURN servers' side of a STUN stream (test_turn.c, test_turn_nonce.c). */
#ifndef TEST_STUN_STREAM_H
#define TEST_STUN_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* One whole STUN message from stream socket fd into buf (cap bytes at most): its length,
 * or -1 at the stream's end, on an error, or for what is not STUN or does not fit. */
int stun_stream_read(int fd, uint8_t *buf, size_t cap);

#endif
