/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_readback.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* A word of a line: letters, digits, '-', '_', '.', and '*' where a name may have it.
 * Nothing that would need quoting in the configuration text the words go back into. */
static bool is_word(const char *s, bool star)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' ||
		      (star && *s == '*')))
			return false;
	return true;
}

/* A port 1..65535 written in decimal, nothing after it. */
static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s || *s == '0' || strlen(s) > 5)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*port = (uint16_t)v;
	return v <= 65535;
}

/* The index of conf's remote network called name, or -1. */
static int remote_network(const struct mr_config *conf, const char *name)
{
	for (unsigned int i = 0; i < conf->n_networks; i++)
		if (!conf->networks[i].local && strcmp(conf->networks[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* "gateway NETWORK ID ADDRESS PORT": false when it is not one; *g->id empty when its
 * network is not one of conf's remote networks. */
static bool parse_gateway(const char *line, const struct mr_config *conf,
			  struct mr_remote_gateway_conf *g)
{
	char net[MR_NAME_MAX], id[sizeof(g->id)], addr[sizeof(g->address)], port[8], extra;
	struct in_addr a;
	uint16_t port_num;

	if (sscanf(line, "gateway %31s %63s %47s %7s %c", net, id, addr, port, &extra) != 4 ||
	    !is_word(net, false) || !is_word(id, false) || inet_pton(AF_INET, addr, &a) != 1 ||
	    !parse_port(port, &port_num))
		return false;
	memset(g, 0, sizeof(*g));
	g->port = port_num;
	g->network = remote_network(conf, net);
	if (g->network >= 0) {
		snprintf(g->id, sizeof(g->id), "%s", id);
		snprintf(g->address, sizeof(g->address), "%s", addr);
	}
	return true;
}

/* "import NETWORK NAME[:PORT]", as parse_gateway. */
static bool parse_import(const char *line, const struct mr_config *conf, struct cp_import *imp)
{
	char net[MR_NAME_MAX], name[sizeof(imp->sni)], extra;
	char *colon;
	uint16_t port;

	if (sscanf(line, "import %31s %261s %c", net, name, &extra) != 2 || !is_word(net, false))
		return false;
	colon = strchr(name, ':');
	if (colon && !parse_port(colon + 1, &port))
		return false;
	if (colon)
		*colon = '\0';
	if (!is_word(name, !colon))
		return false;
	if (colon)
		*colon = ':';
	memset(imp, 0, sizeof(*imp));
	if (remote_network(conf, net) >= 0) {
		snprintf(imp->sni, sizeof(imp->sni), "%s", name);
		snprintf(imp->network, sizeof(imp->network), "%s", net);
	}
	return true;
}

int cp_readback_parse(const char *reply, size_t len, const struct mr_config *conf,
		      struct mr_remote_gateway_conf *gws, unsigned int max_gws,
		      unsigned int *n_gws, struct cp_import *imports, unsigned int max_imports,
		      unsigned int *n_imports, const char **why)
{
	struct json_value *root = json_parse(reply, len, NULL, 0);
	const struct json_value *items = json_get(root, "items");
	int rc = 0;

	*n_gws = *n_imports = 0;
	*why = NULL;
	if (!items || items->type != JSON_ARRAY)
		*why = "not a list report";
	for (size_t i = 0; !*why && i < json_len(items); i++) {
		const char *line = json_str(json_at(items, i));

		if (!line || strlen(line) != json_at(items, i)->len) {
			*why = "an item that is not a line";
		} else if (strncmp(line, "gateway ", 8) == 0) {
			if (*n_gws == max_gws)
				*why = "too many gateways";
			else if (!parse_gateway(line, conf, &gws[*n_gws]))
				*why = "a gateway line that is not one";
			else
				*n_gws += gws[*n_gws].id[0] != '\0';
		} else if (strncmp(line, "import ", 7) == 0) {
			if (*n_imports == max_imports)
				*why = "too many imported names";
			else if (!parse_import(line, conf, &imports[*n_imports]))
				*why = "an import line that is not one";
			else
				*n_imports += imports[*n_imports].sni[0] != '\0';
		} else {
			*why = "a line that is neither a gateway nor an import";
		}
	}
	if (*why) {
		*n_gws = *n_imports = 0;
		rc = -1;
	}
	json_free(root);
	return rc;
}
