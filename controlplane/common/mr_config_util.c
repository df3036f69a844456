/* SPDX-License-Identifier: BSD-3-Clause */
/* Schema-check helpers shared by the configuration modules. */
#include "mr_config_util.h"
#include "mr_config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ip_addr.h"

int cfg_fail(struct cfg_ctx *ctx, const config_setting_t *at, const char *fmt, ...)
{
	char reason[MR_ERR_MAX];
	va_list ap;
	const char *file = at ? config_setting_source_file(at) : NULL;
	unsigned int line = at ? config_setting_source_line(at) : 0;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(ctx->err, ctx->errlen, "%s:%u: %s", file ? file : ctx->source, line, reason);
	return -1;
}

int cfg_where(struct cfg_ctx *ctx, const config_setting_t *s, struct mr_where *at)
{
	struct mr_config *c = ctx->conf;
	const char *file = config_setting_source_file(s);
	char **grown;

	*at = (struct mr_where){ .line = config_setting_source_line(s) };
	if (!file || strcmp(file, c->source) == 0)
		return 0;
	for (at->file = 1; at->file <= c->n_files; at->file++)
		if (strcmp(c->files[at->file - 1], file) == 0)
			return 0;
	grown = realloc(c->files, (c->n_files + 1) * sizeof(*grown));
	if (grown)
		c->files = grown;
	if (!grown || !(c->files[c->n_files] = strdup(file)))
		return cfg_fail(ctx, s, "out of memory");
	c->n_files++;
	return 0;
}

/* Typos must not pass silently: a misspelt optional key would otherwise be ignored. */
int cfg_check_keys(struct cfg_ctx *ctx, const config_setting_t *group,
			  const char *const allowed[])
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned int)i);
		const char *name = config_setting_name(s);
		bool known = false;

		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, name) == 0;
		if (!known)
			return cfg_fail(ctx, s, "unknown setting '%s'", name);
	}
	return 0;
}

/* Optional groups may be absent: every lookup below tolerates a NULL parent. */
const config_setting_t *member(const config_setting_t *group, const char *key)
{
	return group ? config_setting_get_member(group, key) : NULL;
}

int cfg_group(struct cfg_ctx *ctx, const config_setting_t *parent, const char *key,
		     const char *const allowed[], const config_setting_t **out)
{
	const config_setting_t *s = member(parent, key);

	*out = s;
	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return cfg_fail(ctx, s, "'%s' must be a group { ... }", key);
	return cfg_check_keys(ctx, s, allowed);
}

int cfg_string(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
		      bool required, char *out, size_t outlen)
{
	const config_setting_t *s = member(group, key);
	const char *v;

	if (!s) {
		if (required)
			return cfg_fail(ctx, group, "missing required setting '%s'", key);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return cfg_fail(ctx, s, "'%s' must be a string", key);
	v = config_setting_get_string(s);
	if (v[0] == '\0')
		return cfg_fail(ctx, s, "'%s' must not be empty", key);
	if (strlen(v) >= outlen)
		return cfg_fail(ctx, s, "'%s' is longer than %zu bytes", key, outlen - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

int cfg_uint(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
		    long long min, long long max, uint32_t *out)
{
	const config_setting_t *s = member(group, key);
	long long v;

	if (!s)
		return 0; /* *out keeps its default */
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return cfg_fail(ctx, s, "'%s' must be an integer", key);
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return cfg_fail(ctx, s, "'%s' = %lld is out of range [%lld, %lld]", key, v, min, max);
	*out = (uint32_t)v;
	return 0;
}

int cfg_u16(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
		   long long min, long long max, uint16_t *out)
{
	uint32_t v = *out;

	if (cfg_uint(ctx, group, key, min, max, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int cfg_bool(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
		    bool *out)
{
	const config_setting_t *s = member(group, key);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return cfg_fail(ctx, s, "'%s' must be true or false", key);
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

static bool name_is_valid(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return name[0] != '\0';
}

int cfg_name(struct cfg_ctx *ctx, const config_setting_t *group, char *out)
{
	if (cfg_string(ctx, group, "name", true, out, MR_NAME_MAX) < 0)
		return -1;
	if (!name_is_valid(out))
		return cfg_fail(ctx, member(group, "name"),
				"name '%s' may hold only a-z, 0-9, '-' and '_'", out);
	return 0;
}


/* A list setting's elements, each checked to be a group; n elements allocated in *out. */
const config_setting_t *cfg_list(struct cfg_ctx *ctx, const config_setting_t *root,
					const char *key, size_t elem_size, unsigned int max,
					void **out, unsigned int *n, int *rc)
{
	const config_setting_t *list = member(root, key);
	int len;

	*rc = 0;
	*n = 0;
	if (!list)
		return NULL;
	if (!config_setting_is_list(list)) {
		*rc = cfg_fail(ctx, list, "'%s' must be a list ( {...}, ... )", key);
		return NULL;
	}
	len = config_setting_length(list);
	if ((unsigned int)len > max) {
		*rc = cfg_fail(ctx, list, "'%s' holds more than %u entries", key, max);
		return NULL;
	}
	*out = calloc((size_t)len + 1, elem_size);
	if (!*out) {
		*rc = cfg_fail(ctx, list, "'%s': out of memory", key);
		return NULL;
	}
	for (int i = 0; i < len; i++) {
		if (!config_setting_is_group(config_setting_get_elem(list, (unsigned int)i))) {
			*rc = cfg_fail(ctx, config_setting_get_elem(list, (unsigned int)i),
				       "each entry of '%s' must be a group { ... }", key);
			return NULL;
		}
	}
	*n = (unsigned int)len;
	return list;
}

int cfg_index_by_name(const char *name, const void *base, size_t elem_size, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp((const char *)base + i * elem_size, name) == 0)
			return (int)i;
	return -1;
}

bool cfg_address_is_valid(const char *text)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}

int cfg_target_address(struct cfg_ctx *ctx, const config_setting_t *at, const char *text)
{
	struct ip_addr a;

	if (!cfg_address_is_valid(text))
		return cfg_fail(ctx, at, "'%s' is not an IPv4 or IPv6 address", text);
	if (!ip_addr_parse(text, &a))
		return cfg_fail(ctx, at, "'%s': write an IPv4 address in its dotted form", text);
	if (ip_addr_is_no_host(&a))
		return cfg_fail(ctx, at, "'%s' is no address to connect to (unspecified, "
				"multicast or broadcast)", text);
	return 0;
}

uint32_t cfg_prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

bool cfg_ipv4_overlap(uint32_t a, uint8_t alen, uint32_t b, uint8_t blen)
{
	return ((a ^ b) & cfg_prefix_mask(alen < blen ? alen : blen)) == 0;
}

bool cfg_port_has_ipv4(const struct mr_port_conf *p, uint32_t a)
{
	if (a == p->ipv4)
		return true;
	for (unsigned int i = 0; i < p->n_source_ipv4; i++)
		if (p->source_ipv4[i] == a)
			return true;
	return false;
}

/* A query of the parsed configuration rather than a schema check, kept here because every
 * configuration module resolves port names with it (mr_config.h). */
int mr_config_port_index(const struct mr_config *conf, const char *name)
{
	for (unsigned int i = 0; i < conf->n_ports; i++)
		if (strcmp(conf->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *mr_config_where(const struct mr_config *conf, struct mr_where at, char *buf,
			    size_t len)
{
	const char *file = at.file && at.file <= conf->n_files ? conf->files[at.file - 1]
							       : conf->source;

	snprintf(buf, len, "%s:%u", file, at.line);
	return buf;
}
