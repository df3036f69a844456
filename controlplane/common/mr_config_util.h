/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for checking a libconfig tree against the schema: each check either fills its
 * output or writes "file:line: reason" into the context and returns -1. Absent optional
 * settings leave the output at its default. Internal to the configuration modules.
 */
#ifndef MR_CONFIG_UTIL_H
#define MR_CONFIG_UTIL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mr_config;
struct mr_port_conf;
struct mr_where;

struct cfg_ctx {
	const char *source; /* name used when a setting has no file of its own */
	char *err;
	size_t errlen;
	struct mr_config *conf; /* the config being read: keeps the included files' names */
};

/* Record "file:line: reason" for setting at (or the source when NULL); returns -1. */
int cfg_fail(struct cfg_ctx *ctx, const config_setting_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Where setting s is written, its file's name kept in ctx->conf->files. 0, or -1 when
 * out of memory (recorded). */
int cfg_where(struct cfg_ctx *ctx, const config_setting_t *s, struct mr_where *at);

/* Refuse any member of group whose name is not in the NULL-terminated allowed list. */
int cfg_check_keys(struct cfg_ctx *ctx, const config_setting_t *group,
		   const char *const allowed[]);

/* Member key of group, or NULL when group is NULL or has no such member. */
const config_setting_t *member(const config_setting_t *group, const char *key);

/* Optional sub-group: *out is NULL when absent; refused when not a group or with
 * unknown keys. */
int cfg_group(struct cfg_ctx *ctx, const config_setting_t *parent, const char *key,
	      const char *const allowed[], const config_setting_t **out);

/* Non-empty string shorter than outlen. */
int cfg_string(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
	       bool required, char *out, size_t outlen);

/* Integer within [min, max]. */
int cfg_uint(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
	     long long min, long long max, uint32_t *out);
int cfg_u16(struct cfg_ctx *ctx, const config_setting_t *group, const char *key,
	    long long min, long long max, uint16_t *out);

/* true or false. */
int cfg_bool(struct cfg_ctx *ctx, const config_setting_t *group, const char *key, bool *out);

/* Required "name": a-z, 0-9, '-', '_', shorter than 32 bytes. */
int cfg_name(struct cfg_ctx *ctx, const config_setting_t *group, char *out);

/* A list setting key of root whose elements are all groups: n zeroed elements of elem_size
 * allocated in *out (one spare). Returns the list, or NULL when absent (*rc 0) or refused
 * (*rc -1, reason recorded). */
const config_setting_t *cfg_list(struct cfg_ctx *ctx, const config_setting_t *root,
				 const char *key, size_t elem_size, unsigned int max,
				 void **out, unsigned int *n, int *rc);

/* Index of the element whose leading name field equals name, or -1. */
int cfg_index_by_name(const char *name, const void *base, size_t elem_size, unsigned int n);

/* An IPv4 or IPv6 address literal. */
bool cfg_address_is_valid(const char *text);

/* text (at setting `at`) as the address of a pool member or another gateway: one the relay
 * may connect to (not unspecified, multicast, broadcast, or an IPv4 address written inside
 * IPv6). 0, or -1 with the reason. */
int cfg_target_address(struct cfg_ctx *ctx, const config_setting_t *at, const char *text);

/* The IPv4 netmask of a prefix of len bits, host order (0 for len 0). */
uint32_t cfg_prefix_mask(uint8_t len);

/* Whether IPv4 prefixes a/alen and b/blen (host order) overlap: one holds the other. */
bool cfg_ipv4_overlap(uint32_t a, uint8_t alen, uint32_t b, uint8_t blen);

/* Whether port p holds IPv4 address a (host order): its own or one of its source
 * addresses. */
bool cfg_port_has_ipv4(const struct mr_port_conf *p, uint32_t a);

#endif
