/* SPDX-License-Identifier: BSD-3-Clause */
/* Decoder for host names that carry their destination ("mangled" names). */
#ifndef MR_SNI_MANGLE_H
#define MR_SNI_MANGLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_addr.h"
#include "sni_name.h"

/* The three encodings; a configured suffix accepts any combination of them. */
#define MANGLE_FORM_UNDERSCORE 0x1u /* _PORT._IP[._NETWORK].<suffix> */
#define MANGLE_FORM_LABEL 0x2u      /* [nNET-]iPORT-A-B-C-D.<suffix>, [nNET-]pPORT-V6.<suffix> */
#define MANGLE_FORM_ISTIO 0x4u      /* outbound_.PORT_.SUBSET_.HOST (HOST ends in <suffix>) */
#define MANGLE_FORM_ALL 0x7u

#define MANGLE_ISTIO_PREFIX "outbound_."
#define MANGLE_ISTIO_PREFIX_LEN (sizeof(MANGLE_ISTIO_PREFIX) - 1)

enum mangle_status {
	MANGLE_OK = 0,
	MANGLE_NOT_MANGLED,     /* no allowed form fits the name's shape: a plain name */
	MANGLE_ERR_SUFFIX,      /* the name does not end in .<suffix> */
	MANGLE_ERR_SHAPE,       /* labels missing, extra or out of order */
	MANGLE_ERR_PORT,        /* not 1..65535 in plain decimal without leading zeros */
	MANGLE_ERR_IPV4,
	MANGLE_ERR_IPV6,
	MANGLE_ERR_NETWORK,     /* empty or not [a-z0-9-] (no '-' in the label form) */
	MANGLE_ERR_SUBSET,
	MANGLE_ERR_HOST,
	MANGLE_ERR_LENGTH,      /* name over 253 bytes or a label over 63 */
};

struct mangle_target {
	unsigned form;     /* the MANGLE_FORM_* that matched */
	uint16_t port;
	struct ip_addr addr; /* UNDERSCORE and LABEL forms; IPv4-mapped IPv6 comes out as IPv4 */
	uint8_t network_len; /* 0 when the name does not pick a network */
	char network[SNI_LABEL_MAX + 1];
	uint8_t subset_len; /* ISTIO form; 0 for the empty subset "_" */
	char subset[SNI_LABEL_MAX + 1];
	uint16_t host_len;  /* ISTIO form: the service host name, to be routed by name */
	char host[SNI_NAME_MAX + 1];
};

/* Decodes name[0..name_len) (already lower-cased) under suffix (without leading dot) using
 * the forms allowed. MANGLE_NOT_MANGLED means no allowed form applies; other errors mean
 * the name claimed a form and broke it. Never reads past name_len. */
enum mangle_status mangle_decode(const char *name, size_t name_len, const char *suffix,
				 size_t suffix_len, unsigned forms, struct mangle_target *out);

/* mangle_decode for a name already known to be at most SNI_NAME_MAX bytes with no label
 * over SNI_LABEL_MAX (the route table learns both while hashing the name). */
enum mangle_status mangle_decode_valid_lengths(const char *name, size_t name_len,
					       const char *suffix, size_t suffix_len,
					       unsigned forms, struct mangle_target *out);

/* True when name[0..len) starts like an Istio east-west name ("outbound_." and more). */
bool mangle_is_istio(const char *name, size_t len);

/* Short fixed text for a status. */
const char *mangle_status_str(enum mangle_status status);

#endif
