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
 * path (net_input, relay_input), which splice_fast never calls. Worker lcores only.
 */
#ifndef SPLICE_FAST_H
#define SPLICE_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "relay.h"

/* Frames one stage holds (callers cut longer bursts). */
#define SPLICE_FAST_BURST FLOW_LOOKUP_BULK

struct splice_fast_stage {
	struct rte_mbuf **pkts;
	unsigned int n;
	unsigned int forwarded[2];              /* per flow_dir, counted once per burst */
	struct flow *flow[SPLICE_FAST_BURST];   /* NULL: the frame takes the full path */
	uint8_t dir[SPLICE_FAST_BURST];
	struct flow_key key[SPLICE_FAST_BURST]; /* to check the flow is still the frame's */
};

/* Stage pkts[0..n) (n <= SPLICE_FAST_BURST) from port p: template check and one lookup. */
void splice_fast_stage(struct dp_worker *w, const struct dp_port *p, struct rte_mbuf **pkts,
		       unsigned int n, struct splice_fast_stage *st);

/* Forward staged frame i when it and its flow are the common case (true: consumed); false
 * leaves it untouched for the full path. Frames must be offered in order, and a full-path
 * frame handled before the next is offered (it may end or replace flows). */
bool splice_fast_forward(struct dp_worker *w, const struct dp_port *p,
			 struct splice_fast_stage *st, unsigned int i);

/* Count what the stage forwarded (once per burst, not per frame). */
void splice_fast_done(struct dp_worker *w, struct splice_fast_stage *st);

#endif
