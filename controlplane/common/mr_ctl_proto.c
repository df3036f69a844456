/* The control protocol's wire format, without I/O (mr_ctl_io.c sends and receives). */
#include "mr_ctl_proto.h"

#include <string.h>

#include "json.h"
#include "mr_bytes.h"

void mr_ctl_hdr_encode(const struct mr_ctl_hdr *h, uint8_t out[MR_CTL_HDR_LEN])
{
	mr_store_be32(out, MR_CTL_MAGIC);
	mr_store_be16(out + 4, h->version);
	mr_store_be16(out + 6, h->type);
	mr_store_be32(out + 8, h->generation);
	mr_store_be32(out + 12, h->length);
}

enum mr_ctl_decode mr_ctl_hdr_decode(const uint8_t *buf, size_t len, uint32_t max_payload,
				     struct mr_ctl_hdr *h)
{
	if (len < MR_CTL_HDR_LEN)
		return MR_CTL_SHORT;
	if (mr_load_be32(buf) != MR_CTL_MAGIC)
		return MR_CTL_BAD_MAGIC;
	h->version = mr_load_be16(buf + 4);
	h->type = mr_load_be16(buf + 6);
	h->generation = mr_load_be32(buf + 8);
	h->length = mr_load_be32(buf + 12);
	if (h->version != MR_CTL_VERSION)
		return MR_CTL_BAD_VERSION;
	if (h->length > max_payload)
		return MR_CTL_TOO_LARGE;
	return MR_CTL_OK;
}

const char *mr_ctl_decode_str(enum mr_ctl_decode d)
{
	switch (d) {
	case MR_CTL_OK: return "ok";
	case MR_CTL_SHORT: return "short header";
	case MR_CTL_BAD_MAGIC: return "bad magic";
	case MR_CTL_BAD_VERSION: return "unsupported protocol version";
	case MR_CTL_TOO_LARGE: return "message too large";
	}
	return "unknown verdict";
}

uint32_t mr_ctl_pong_generation(const struct mr_ctl_hdr *h, const char *payload)
{
	struct json_value *status = json_parse(payload, strlen(payload), NULL, 0);
	uint64_t g;
	uint32_t gen = json_uint64(json_get(status, "generation"), &g) ? (uint32_t)g : h->generation;

	json_free(status);
	return gen;
}
