/* SPDX-License-Identifier: BSD-3-Clause */
/* Mangled-name decoder. Strict on purpose: every accepted spelling maps to exactly one
 * destination, so an allow-list check on the decoded address cannot be sidestepped by an
 * alternative spelling (leading zeros, other bases, IPv4-mapped IPv6). */
#include "sni_mangle.h"

#include <stdbool.h>
#include <string.h>

/* A read-only slice of the name. */
struct piece {
	const char *p;
	size_t len;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z');
}

static const char *find_char(struct piece s, char c)
{
	return s.len == 0 ? NULL : memchr(s.p, c, s.len);
}

/* First position of the two-byte sequence "ab" in s, or NULL. */
static const char *find_pair(struct piece s, char a, char b)
{
	const char *end = s.p + s.len;

	for (const char *at = find_char(s, a); at != NULL && at + 1 < end;
	     at = memchr(at + 1, a, (size_t)(end - at - 1)))
		if (at[1] == b)
			return at;
	return NULL;
}

/* Splits s at the first c: head before it, rest after it; false when c is absent. */
static bool split_at(struct piece s, char c, struct piece *head, struct piece *rest)
{
	const char *at = find_char(s, c);

	if (at == NULL)
		return false;
	head->p = s.p;
	head->len = (size_t)(at - s.p);
	rest->p = at + 1;
	rest->len = s.len - head->len - 1;
	return true;
}

static bool parse_port(struct piece s, uint16_t *port)
{
	uint32_t value = 0;

	if (s.len == 0 || s.len > 5 || s.p[0] == '0')
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (!is_digit(s.p[i]))
			return false;
		value = value * 10 + (uint32_t)(s.p[i] - '0');
	}
	if (value > 65535)
		return false;
	*port = (uint16_t)value;
	return true;
}

/* Network names: [a-z0-9-], 1..63; the label form also forbids '-' (it is the separator). */
static bool copy_network(struct piece s, bool allow_dash, struct mangle_target *out)
{
	if (s.len == 0 || s.len > SNI_LABEL_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!is_lower_alnum(s.p[i]) && !(allow_dash && s.p[i] == '-'))
			return false;
	memcpy(out->network, s.p, s.len);
	out->network[s.len] = '\0';
	out->network_len = (uint8_t)s.len;
	return true;
}

/* Dash-separated text is IPv4 only when it is exactly four decimal parts. */
static bool looks_like_dashed_v4(struct piece s)
{
	unsigned dashes = 0;

	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] != '-') {
			if (!is_digit(s.p[i]))
				return false;
		} else if (i > 0 && s.p[i - 1] == '-') {
			return false;
		} else {
			dashes++;
		}
	}
	return dashes == 3;
}

static enum mangle_status parse_dashed_addr(struct piece s, bool want_v4, struct ip_addr *out)
{
	if (want_v4)
		return ip_addr_parse_v4(s.p, s.len, '-', out) ? MANGLE_OK : MANGLE_ERR_IPV4;
	return ip_addr_parse_v6(s.p, s.len, '-', out) ? MANGLE_OK : MANGLE_ERR_IPV6;
}

/* _PORT._IP[._NETWORK] where IP is 10-1-2-3, 10.1.2.3 (spanning labels) or fd00--1. */
static enum mangle_status decode_underscore(struct piece prefix, struct mangle_target *out)
{
	struct piece port, rest, ip, net = { NULL, 0 };

	if (!split_at(prefix, '.', &port, &rest) || port.len < 2 || rest.len < 2 ||
	    rest.p[0] != '_')
		return MANGLE_ERR_SHAPE;
	if (!parse_port((struct piece){ port.p + 1, port.len - 1 }, &out->port))
		return MANGLE_ERR_PORT;
	ip = (struct piece){ rest.p + 1, rest.len - 1 };
	const char *net_at = find_pair(ip, '.', '_');
	if (net_at != NULL) {
		net = (struct piece){ net_at + 2, ip.len - (size_t)(net_at - ip.p) - 2 };
		ip.len = (size_t)(net_at - ip.p);
		if (find_char(net, '.') != NULL || find_char(net, '_') != NULL)
			return MANGLE_ERR_SHAPE;
		if (!copy_network(net, true, out))
			return MANGLE_ERR_NETWORK;
	}
	if (find_char(ip, '_') != NULL)
		return MANGLE_ERR_SHAPE;
	if (find_char(ip, '.') != NULL)
		return ip_addr_parse_v4(ip.p, ip.len, '.', &out->addr) ? MANGLE_OK
									: MANGLE_ERR_IPV4;
	return parse_dashed_addr(ip, looks_like_dashed_v4(ip), &out->addr);
}

/* True when a single label is shaped like [nNET-](i|p)DIGITS-ADDRESS: the port's digits
 * end in the dash before the address, and the address is hex digits and at least two
 * dashes, as every address is written (A-B-C-D, and IPv6 with its colons dashed; an IPv6
 * one sent as i is refused as such, not taken for a host name). Plain names such as i18n,
 * p2p, i3-cache, p1-web or p1-db never claim the form: they go on to the wildcard routes
 * over the suffix, not refused as bad addresses. */
static bool looks_like_label_form(struct piece label)
{
	size_t i = 0, dashes = 0;

	if (label.len > 0 && label.p[0] == 'n') {
		i = 1;
		while (i < label.len && is_lower_alnum(label.p[i]))
			i++;
		if (i == 1 || i >= label.len || label.p[i] != '-')
			return false;
		i++;
	}
	if (i + 1 >= label.len || (label.p[i] != 'i' && label.p[i] != 'p') ||
	    !is_digit(label.p[i + 1]))
		return false;
	for (i += 2; i < label.len && is_digit(label.p[i]); i++)
		;
	if (i + 1 >= label.len || label.p[i] != '-')
		return false;
	for (i++; i < label.len; i++) {
		dashes += label.p[i] == '-';
		if (!is_digit(label.p[i]) && label.p[i] != '-' &&
		    (label.p[i] < 'a' || label.p[i] > 'f'))
			return false;
	}
	return dashes >= 2;
}

/* [nNET-]iPORT-A-B-C-D or [nNET-]pPORT-IPV6 as one label. */
static enum mangle_status decode_label(struct piece label, struct mangle_target *out)
{
	struct piece net, port, addr;

	if (find_char(label, '.') != NULL || find_char(label, '_') != NULL)
		return MANGLE_ERR_SHAPE;
	if (label.p[0] == 'n') {
		if (!split_at(label, '-', &net, &label))
			return MANGLE_ERR_SHAPE;
		net.p++;
		net.len--;
		if (!copy_network(net, false, out))
			return MANGLE_ERR_NETWORK;
	}
	bool want_v4 = label.p[0] == 'i';
	label.p++;
	label.len--;
	if (!split_at(label, '-', &port, &addr))
		return MANGLE_ERR_SHAPE;
	if (!parse_port(port, &out->port))
		return MANGLE_ERR_PORT;
	return parse_dashed_addr(addr, want_v4, &out->addr);
}

/* outbound_.PORT_.SUBSET_.HOST; the subset "_" alone is the empty subset. */
static enum mangle_status decode_istio(struct piece rest, struct mangle_target *out)
{
	struct piece port, subset;
	size_t host_len;

	if (!split_at(rest, '.', &port, &rest) || !split_at(rest, '.', &subset, &rest))
		return MANGLE_ERR_SHAPE;
	if (port.len < 2 || port.p[port.len - 1] != '_' || subset.len < 1 ||
	    subset.p[subset.len - 1] != '_')
		return MANGLE_ERR_SHAPE;
	if (!parse_port((struct piece){ port.p, port.len - 1 }, &out->port))
		return MANGLE_ERR_PORT;
	subset.len--;
	for (size_t i = 0; i < subset.len; i++)
		if (!is_lower_alnum(subset.p[i]) && subset.p[i] != '-')
			return MANGLE_ERR_SUBSET;
	memcpy(out->subset, subset.p, subset.len);
	out->subset[subset.len] = '\0';
	out->subset_len = (uint8_t)subset.len;
	if (rest.len == 0 || sni_name_normalize(rest.p, rest.len, out->host, &host_len) !=
				     SNI_NAME_OK || host_len != rest.len)
		return MANGLE_ERR_HOST;
	out->host_len = (uint16_t)host_len;
	return MANGLE_OK;
}

/* Rejects over-long names and labels before any form looks at them. */
static bool lengths_ok(const char *name, size_t len)
{
	size_t label = 0;

	if (len > SNI_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		label = name[i] == '.' ? 0 : label + 1;
		if (label > SNI_LABEL_MAX)
			return false;
	}
	return true;
}

static void target_reset(struct mangle_target *out)
{
	out->form = 0;
	out->port = 0;
	memset(&out->addr, 0, sizeof(out->addr));
	out->network_len = out->subset_len = 0;
	out->network[0] = out->subset[0] = '\0';
	out->host_len = 0;
	out->host[0] = '\0';
}

bool mangle_is_istio(const char *name, size_t len)
{
	return len > MANGLE_ISTIO_PREFIX_LEN &&
	       memcmp(name, MANGLE_ISTIO_PREFIX, MANGLE_ISTIO_PREFIX_LEN) == 0;
}

/* The prefix's first label (all of it when it has no dot). */
static struct piece first_label(struct piece prefix)
{
	struct piece head, rest;

	return split_at(prefix, '.', &head, &rest) ? head : prefix;
}

enum mangle_status mangle_decode_valid_lengths(const char *name, size_t name_len,
					       const char *suffix, size_t suffix_len,
					       unsigned forms, struct mangle_target *out)
{
	struct piece prefix = { name, name_len };
	enum mangle_status status = MANGLE_NOT_MANGLED;

	target_reset(out);
	if (suffix_len > 0) {
		if (name_len < suffix_len + 2 || name[name_len - suffix_len - 1] != '.' ||
		    memcmp(name + name_len - suffix_len, suffix, suffix_len) != 0)
			return MANGLE_ERR_SUFFIX;
		prefix.len = name_len - suffix_len - 1;
	}
	if ((forms & MANGLE_FORM_ISTIO) && mangle_is_istio(name, name_len)) {
		out->form = MANGLE_FORM_ISTIO;
		status = decode_istio((struct piece){ name + MANGLE_ISTIO_PREFIX_LEN,
						      name_len - MANGLE_ISTIO_PREFIX_LEN }, out);
	} else if ((forms & MANGLE_FORM_UNDERSCORE) && prefix.len > 0 && prefix.p[0] == '_') {
		out->form = MANGLE_FORM_UNDERSCORE;
		status = decode_underscore(prefix, out);
	} else if ((forms & MANGLE_FORM_LABEL) && looks_like_label_form(first_label(prefix))) {
		out->form = MANGLE_FORM_LABEL;
		status = decode_label(prefix, out);
	}
	if (status != MANGLE_OK) {
		enum mangle_status kept = status;
		target_reset(out);
		return kept;
	}
	return MANGLE_OK;
}

enum mangle_status mangle_decode(const char *name, size_t name_len, const char *suffix,
				 size_t suffix_len, unsigned forms, struct mangle_target *out)
{
	if (!lengths_ok(name, name_len)) {
		target_reset(out);
		return MANGLE_ERR_LENGTH;
	}
	return mangle_decode_valid_lengths(name, name_len, suffix, suffix_len, forms, out);
}

const char *mangle_status_str(enum mangle_status status)
{
	switch (status) {
	case MANGLE_OK: return "ok";
	case MANGLE_NOT_MANGLED: return "not_mangled";
	case MANGLE_ERR_SUFFIX: return "suffix";
	case MANGLE_ERR_SHAPE: return "shape";
	case MANGLE_ERR_PORT: return "port";
	case MANGLE_ERR_IPV4: return "ipv4";
	case MANGLE_ERR_IPV6: return "ipv6";
	case MANGLE_ERR_NETWORK: return "network";
	case MANGLE_ERR_SUBSET: return "subset";
	case MANGLE_ERR_HOST: return "host";
	case MANGLE_ERR_LENGTH: return "length";
	}
	return "unknown";
}
