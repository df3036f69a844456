/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_seg.h"

#include <rte_common.h>

#include "mr_bytes.h"

void gen_seg_parse(struct rte_tcp_hdr *tcp, uint32_t tcp_len, struct seg_in *s)
{
	uint32_t hl = (uint32_t)(tcp->data_off >> 4) * 4;
	const uint8_t *opt = (const uint8_t *)(tcp + 1);

	s->flags = tcp->tcp_flags;
	s->seq = rte_be_to_cpu_32(tcp->sent_seq);
	s->ack = rte_be_to_cpu_32(tcp->recv_ack);
	s->win = rte_be_to_cpu_16(tcp->rx_win);
	s->mss = 0;
	s->has_ts = s->sack_perm = false;
	s->wscale = 0xff;
	s->tsval = 0;
	s->n_sack = 0;
	s->data = (const uint8_t *)tcp + hl;
	s->len = tcp_len > hl ? tcp_len - hl : 0;
	for (uint32_t i = 0; i + sizeof(*tcp) < hl && i + sizeof(*tcp) + 1 < tcp_len;) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (opt[i] == 2 && opt[i + 1] == 4)
			s->mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
		if (opt[i] == 3 && opt[i + 1] == 3)
			s->wscale = opt[i + 2];
		if (opt[i] == 4 && opt[i + 1] == 2)
			s->sack_perm = true;
		if (opt[i] == 8 && opt[i + 1] == 10 && i + sizeof(*tcp) + 10 <= hl) {
			s->has_ts = true;
			s->tsval = mr_load_be32(opt + i + 2);
		}
		if (opt[i] == 5 && opt[i + 1] >= 10 && (opt[i + 1] - 2) % 8 == 0 &&
		    i + sizeof(*tcp) + opt[i + 1] <= hl) {
			for (unsigned int k = 0; k < (opt[i + 1] - 2u) / 8 && k < 4; k++) {
				const uint8_t *e = opt + i + 2 + 8 * k;

				s->sack_left[k] = mr_load_be32(e);
				s->sack_right[k] = mr_load_be32(e + 4);
				s->n_sack = (uint8_t)(k + 1);
			}
		}
		if (opt[i + 1] < 2)
			break;
		i += opt[i + 1];
	}
}

void gen_sack_check(struct gen *g, struct gen_half *h, const struct seg_in *s)
{
	uint32_t sent_top = h->isn + 1 + (uint32_t)h->max_sent;
	uint32_t una_seq = h->isn + 1 + (uint32_t)h->una;

	for (unsigned int i = 0; i < s->n_sack; i++) {
		int32_t l = (int32_t)(s->sack_left[i] - s->ack), r = (int32_t)(s->sack_right[i] - s->ack);

		g->st.sack_rx++;
		if (!h->sack_ok || l <= 0 || r <= l || r > (int32_t)(sent_top - s->ack)) {
			g->st.sack_bad++;
		} else if (i == 0) {
			h->held_lo = h->una + (uint64_t)(int64_t)(int32_t)(s->sack_left[0] - una_seq);
			h->held_hi = h->una + (uint64_t)(int64_t)(int32_t)(s->sack_right[0] - una_seq);
		}
	}
}

void gen_sack_hold(struct gen_half *h, uint64_t off, uint32_t len)
{
	uint64_t end = off + len;

	if (h->sack_hi > h->sack_lo && off <= h->sack_hi && end >= h->sack_lo) {
		h->sack_lo = RTE_MIN(h->sack_lo, off);
		h->sack_hi = RTE_MAX(h->sack_hi, end);
	} else if (h->sack_hi <= h->sack_lo || off < h->sack_lo) {
		h->sack_lo = off;
		h->sack_hi = end;
	}
}

void gen_sack_take(struct gen *g, struct gen_half *h)
{
	if (h->sack_hi <= h->sack_lo || h->rcvd < h->sack_lo)
		return;
	if (h->sack_hi > h->rcvd) {
		g->st.data_bytes_rx[h->port] += h->sack_hi - h->rcvd;
		h->rcvd = h->sack_hi;
	}
	h->sack_lo = h->sack_hi = 0;
}
