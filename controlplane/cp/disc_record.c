/* SPDX-License-Identifier: BSD-3-Clause */
#include "disc_record.h"

#include <stdio.h>
#include <string.h>

#include "ip_addr.h"
#include "json.h"
#include "mr_text.h"
#include "sni_name.h"

static bool text_is_name(const char *s, size_t max, bool dots)
{
	size_t n = 0;

	for (const char *p = s; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || (dots && *p == '.')))
			return false;
	return n > 0 && n < max;
}

static const char *json_name(const struct json_value *obj, const char *key, size_t max,
			     bool dots)
{
	const char *s = json_str(json_get(obj, key));

	return s && strlen(s) == json_get(obj, key)->len && text_is_name(s, max, dots) ? s : NULL;
}

static int parse_relay(const struct json_value *r, struct disc_relay *out)
{
	const char *net = json_name(r, "network", sizeof(out->network), false);
	const char *server = json_name(r, "server", sizeof(out->server), false);
	const char *transport = json_str(json_get(r, "transport"));
	const char *address = json_str(json_get(r, "address"));
	int64_t port;
	struct ip_addr ip;

	/* An address the data plane's configuration would refuse (unspecified, multicast,
	 * IPv4 inside IPv6) would get every push refused while the record stands: the record
	 * is refused instead. */
	if (!net || !server || !transport || !address || strlen(address) >= sizeof(out->address) ||
	    !ip_addr_parse(address, &ip) || ip_addr_is_no_host(&ip) ||
	    !json_int64(json_get(r, "port"), &port) || port < 1 || port > 65535 ||
	    (strcmp(transport, "tcp") != 0 && strcmp(transport, "udp") != 0))
		return -1;
	snprintf(out->network, sizeof(out->network), "%s", net);
	snprintf(out->server, sizeof(out->server), "%s", server);
	snprintf(out->address, sizeof(out->address), "%s", address);
	out->port = (uint16_t)port;
	out->tcp = transport[0] == 't';
	return 0;
}

int disc_parse_key(const char *prefix, const char *key, size_t key_len, char *net,
		   size_t netlen, char *id, size_t idlen)
{
	char fmt[64], tail;
	size_t plen = strlen(prefix);

	if (key_len != strlen(key) || key_len <= plen || strncmp(key, prefix, plen) != 0)
		return -1;
	snprintf(fmt, sizeof(fmt), "/networks/%%%zu[^/]/gateways/%%%zu[^/]%%c", netlen - 1,
		 idlen - 1);
	if (sscanf(key + plen, fmt, net, id, &tail) != 2)
		return -1;
	return text_is_name(net, netlen, false) && text_is_name(id, idlen, true) ? 0 : -1;
}

/* An exported service: a host name or "*." and one, lower case (TLS); or a host name,
 * ':' and a port 1..65535 (plain TCP). */
static bool text_is_service(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	char name[254], norm[SNI_NAME_MAX + 1];
	size_t norm_len;

	if (colon) {
		size_t digits = len - (size_t)(colon - s) - 1;
		unsigned long port = 0;

		if (digits == 0 || digits > 5 || colon[1] == '0')
			return false;
		for (size_t i = 1; i <= digits; i++) {
			if (colon[i] < '0' || colon[i] > '9')
				return false;
			port = port * 10 + (unsigned long)(colon[i] - '0');
		}
		if (port > 65535 || s[0] == '*')
			return false;
		len = (size_t)(colon - s);
	}
	if (len > 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 253)
		return false;
	memcpy(name, s, len);
	name[len] = '\0';
	/* And a name the route table takes (labels of 63 bytes at most, RFC 1035): one it
	 * refuses would get every push of the learned names refused while the record stands. */
	return name[0] != '.' && name[len - 1] != '.' && !strstr(name, "..") &&
	       text_is_name(name, len + 1, true) &&
	       sni_name_normalize(name, len, norm, &norm_len) == SNI_NAME_OK;
}

/* The optional "services" list of a registration into g. 0, or -1 when it is not one. */
static int parse_services(const struct json_value *list, struct disc_gateway *g)
{
	size_t at = 0;

	if (!list)
		return 0;
	if (list->type != JSON_ARRAY)
		return -1;
	for (size_t i = 0; i < json_len(list); i++) {
		const struct json_value *v = json_at(list, i);
		const char *name = json_str(v);

		if (!name || strlen(name) != v->len || !text_is_service(name, v->len) ||
		    at + v->len + 1 > sizeof(g->services))
			return -1;
		memcpy(g->services + at, name, v->len + 1);
		at += v->len + 1;
		g->n_services++;
	}
	return 0;
}

int disc_parse_gateway(const char *prefix, const char *key, size_t key_len, const char *value,
		       size_t value_len, struct disc_gateway *g, const char **why)
{
	char err[96];
	struct json_value *doc;
	const struct json_value *relays;
	const char *id, *net;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (disc_parse_key(prefix, key, key_len, g->network, sizeof(g->network), g->id,
		      sizeof(g->id)) < 0) {
		*why = "key is not PREFIX/networks/NET/gateways/ID";
		return -1;
	}
	doc = json_parse(value, value_len, err, sizeof(err));
	id = json_name(doc, "id", sizeof(g->id), true);
	net = json_name(doc, "network", sizeof(g->network), false);
	relays = json_get(doc, "relays");
	*why = "value is not a gateway registration";
	if (!doc || !id || !net || strcmp(id, g->id) != 0 || strcmp(net, g->network) != 0 ||
	    !relays || relays->type != JSON_ARRAY || json_len(relays) > DISC_MAX_RELAYS)
		goto out;
	for (size_t i = 0; i < json_len(relays); i++)
		if (parse_relay(json_at(relays, i), &g->relays[g->n_relays++]) < 0)
			goto out;
	if (parse_services(json_get(doc, "services"), g) < 0)
		goto out;
	/* Optional: a gateway of an older version writes none, and gets no such header. */
	if (json_get(doc, "client_header") && !json_bool(json_get(doc, "client_header"),
							   &g->client_header))
		goto out;
	rc = 0;
out:
	json_free(doc);
	return rc;
}


int disc_write_gateway(char *out, size_t cap, const struct disc_gateway *g)
{
	const char *name = g->services;
	size_t at = 0;
	bool ok = mr_text_put(out, cap, &at, "{\"id\":\"%s\",\"network\":\"%s\",\"relays\":[",
			      g->id, g->network);

	for (unsigned int i = 0; ok && i < g->n_relays; i++) {
		const struct disc_relay *r = &g->relays[i];

		ok = mr_text_put(out, cap, &at,
				 "%s{\"network\":\"%s\",\"server\":\"%s\",\"transport\":\"%s\","
				 "\"address\":\"%s\",\"port\":%u}", i ? "," : "", r->network,
				 r->server, r->tcp ? "tcp" : "udp", r->address, r->port);
	}
	ok = ok && mr_text_put(out, cap, &at, "],\"services\":[");
	for (unsigned int i = 0; ok && i < g->n_services; i++) {
		ok = mr_text_put(out, cap, &at, "%s\"%s\"", i ? "," : "", name);
		name += strlen(name) + 1;
	}
	ok = ok && mr_text_put(out, cap, &at, "]%s}",
			       g->client_header ? ",\"client_header\":true" : "");
	return ok ? (int)at : -1;
}
