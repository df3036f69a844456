/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The splice's burst-staged path for the common case, in two steps per burst. The stage
 * step reads every frame's headers against a template of what nearly every spliced
 * segment is (for our MAC, IPv4 without options or fragments, a TCP segment with ACK and
 * maybe PSH, no options or only the aligned NOP-NOP-timestamp) and looks the keys of the
 * frames that fit up in one bulk lookup. The forward step then takes the frames in their
 * order: one of a spliced flow in its plain state is rewritten from the flow's template
 * (addresses, ports and their checksum change computed once per flow) plus its sequence,
 * acknowledgement, window and timestamp deltas; every other frame is left to the full
 * path (net_input, relay_input), handed in by the caller. Worker lcores only.
 */
#ifndef SPLICE_FAST_H
#define SPLICE_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "relay.h"

/* What takes a frame the burst path leaves: the full path (dp_worker_rx_frame). */
typedef void (*splice_fast_other_fn)(struct dp_worker *w, const struct dp_port *p,
				     struct rte_mbuf *m);

/* Handle pkts[0..n) received on p, in order: frames of the common case forwarded here,
 * every other one given to other(w, p, m) at its turn, with what the lookup found for it
 * in w->looked_up while that still holds (other may end or replace flows; what follows it
 * is checked again). Counters are added once per burst. */
void splice_fast_burst(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf **pkts,
		       unsigned int n, splice_fast_other_fn other);

#endif
