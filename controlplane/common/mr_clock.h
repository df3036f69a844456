/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one monotonic clock of meshrelay's processes: every timeout, deadline and measured
 * duration reads it, so that two modules never disagree about what "now" is. It starts at
 * an arbitrary point and ignores changes of the date: never use it for wall time.
 */
#ifndef MR_CLOCK_H
#define MR_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: for timeouts, never for wall time. */
uint64_t mr_clock_ms(void);

/* Microseconds of the same clock, for durations a millisecond would blur (a request's
 * round trip). */
uint64_t mr_clock_us(void);

#endif
