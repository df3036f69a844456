/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_conf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_ctl_proto.h"
#include "mr_routes.h"
#include "mr_textfile.h"

/* One learned gateway as a libconfig group. Every field was validated on the way in
 * (ids and names by charset, addresses by inet_pton), so nothing needs quoting. */
static int put_gateway(char *out, size_t cap, const struct mr_config *conf,
		       const struct mr_remote_gateway_conf *g, bool last)
{
	return snprintf(out, cap, "  { id = \"%s\"; network = \"%s\"; address = \"%s\"; "
			"port = %u;%s }%s\n", g->id, conf->networks[g->network].name, g->address,
			g->port, g->client_header ? " client_header = true;" : "", last ? "" : ",");
}

/* Whether imp may be routed by conf: its network declared there as remote, its name not
 * routed by the file itself (one of own[0..n_own), mr_routes_file_names). */
static bool import_fits(const struct mr_config *conf, const char *const *own,
			unsigned int n_own, const struct cp_import *imp)
{
	size_t len = strcspn(imp->sni, ":"); /* a plain service's name before ":PORT" */
	bool remote = false;

	if (imp->sni[len] && !conf->dns.vip_prefix_len)
		return false; /* a plain service needs a VIP here: no range, no import */
	for (unsigned int k = 0; k < conf->n_networks; k++)
		remote |= strcmp(conf->networks[k].name, imp->network) == 0 && !conf->networks[k].local;
	return remote && !mr_routes_names_hold(own, n_own, imp->sni, len);
}

/* file_text, then the learned gateways and the imported names that fit; NULL when out
 * of memory. Names were validated on the way in (discovery's charset): no quoting. */
static char *compose(const char *file_text, const struct mr_config *conf,
		     const struct mr_remote_gateway_conf *gws, unsigned int n,
		     const struct cp_import *imports, unsigned int n_imports, uint32_t *len)
{
	size_t flen = strlen(file_text);
	size_t cap = flen + 128 + (size_t)n * 256 + (size_t)n_imports * 360;
	char *text = malloc(cap);
	const char *sep = "";
	unsigned int n_own;
	const char **own = mr_routes_file_names(conf, &n_own);
	size_t at;

	if (!text || !own) {
		free(text);
		free(own);
		return NULL;
	}
	memcpy(text, file_text, flen);
	at = flen;
	if (n) {
		at += (size_t)snprintf(text + at, cap - at, "\n# learned from discovery\n"
				       "gateways = (\n");
		for (unsigned int i = 0; i < n; i++)
			at += (size_t)put_gateway(text + at, cap - at, conf, &gws[i], i + 1 == n);
		at += (size_t)snprintf(text + at, cap - at, ");\n");
	}
	for (unsigned int i = 0; i < n_imports; i++) {
		if (!import_fits(conf, own, n_own, &imports[i]))
			continue;
		if (!*sep)
			at += (size_t)snprintf(text + at, cap - at, "imported = (\n");
		const char *colon = strchr(imports[i].sni, ':');

		if (colon) /* a plain TCP service: NAME:PORT */
			at += (size_t)snprintf(text + at, cap - at, "%s  { name = \"%.*s\"; protocol = "
					       "\"tcp\"; port = %s; network = \"%s\"; }", sep,
					       (int)(colon - imports[i].sni), imports[i].sni,
					       colon + 1, imports[i].network);
		else
			at += (size_t)snprintf(text + at, cap - at, "%s  { sni = \"%s\"; network = "
					       "\"%s\"; }", sep, imports[i].sni, imports[i].network);
		sep = ",\n";
	}
	if (*sep)
		at += (size_t)snprintf(text + at, cap - at, "\n);\n");
	text[at] = '\0';
	*len = (uint32_t)at;
	free(own);
	return text;
}

/* meshrelay-cp's one thread's: cp_conf_validations. */
static uint64_t validations;

uint64_t cp_conf_validations(void)
{
	return validations;
}

/* file_text composed with gws and the imports, and read into fresh as the data plane
 * would read it: the text (the caller's to free), or NULL with err (out of memory, too
 * large to push, or the reader's refusal). */
static char *compose_read(const char *file_text, const struct mr_config *names,
			  const struct mr_remote_gateway_conf *gws, unsigned int n,
			  const struct cp_import *imports, unsigned int n_imports, const char *source,
			  struct mr_config *fresh, uint32_t *len, char *err, size_t errlen)
{
	char *text = compose(file_text, names, gws, n, imports, n_imports, len);

	validations++;
	if (!text || *len > MR_CTL_MAX_PAYLOAD)
		snprintf(err, errlen, "%s: %s", source, text ? "too large to push" : "out of memory");
	else if (mr_config_load_string(text, source, fresh, err, errlen) == 0)
		return text;
	free(text);
	return NULL;
}

/* Validate the composition and take it (with file_text and gws) into c. */
static int adopt(struct cp_conf *c, char *file_text, const struct mr_config *names,
		 const struct mr_remote_gateway_conf *gws, unsigned int n,
		 const struct cp_import *imports, unsigned int n_imports, const char *source,
		 char *err, size_t errlen)
{
	struct mr_config *fresh = calloc(1, sizeof(*fresh));
	struct mr_remote_gateway_conf *learned = calloc(n + 1, sizeof(*learned));
	struct cp_import *kept = calloc(n_imports + 1, sizeof(*kept));
	uint32_t len = 0;
	char *text = NULL;

	if (!fresh || !learned || !kept) {
		snprintf(err, errlen, "%s: out of memory", source);
		goto fail;
	}
	text = compose_read(file_text, names, gws, n, imports, n_imports, source, fresh, &len,
			    err, errlen);
	if (!text)
		goto fail;
	if (n)
		memcpy(learned, gws, n * sizeof(*learned));
	if (n_imports)
		memcpy(kept, imports, n_imports * sizeof(*kept));
	free(c->imports);
	c->imports = kept;
	c->n_imports = n_imports;
	mr_config_free(&c->conf);
	c->conf = *fresh;
	free(c->text);
	c->text = text;
	c->len = len;
	if (c->file_text != file_text)
		free(c->file_text);
	c->file_text = file_text;
	free(c->learned);
	c->learned = learned;
	c->n_learned = n;
	c->generation = ++c->issued;
	free(fresh);
	return 0;
fail:
	free(text);
	free(learned);
	free(kept);
	free(fresh);
	return -1;
}

/* Learned gateways carry network indices of the held config: map them by name onto a
 * new file's networks, dropping those whose network is gone or became local. */
static unsigned int remap_learned(const struct cp_conf *c, const struct mr_config *fresh,
				  struct mr_remote_gateway_conf *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n_learned; i++) {
		const char *name = c->conf.networks[c->learned[i].network].name;

		for (unsigned int k = 0; k < fresh->n_networks; k++) {
			if (strcmp(fresh->networks[k].name, name) == 0 && !fresh->networks[k].local) {
				out[n] = c->learned[i];
				out[n++].network = (int)k;
			}
		}
	}
	return n;
}

int cp_conf_load(struct cp_conf *c, const char *path, char *err, size_t errlen)
{
	struct mr_config *plain = calloc(1, sizeof(*plain));
	char *text;
	uint32_t len;
	int rc = -1;

	if (!plain) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (mr_textfile_read(path, MR_CTL_MAX_PAYLOAD, &text, &len, err, errlen) < 0) {
		free(plain);
		return -1;
	}
	struct mr_remote_gateway_conf *kept = calloc(c->n_learned + 1, sizeof(*kept));

	if (kept && mr_config_load_string(text, path, plain, err, errlen) == 0) {
		/* Even empty: the learned lists are written after the file's text, and a
		 * setting given twice refuses every push that would carry them. */
		if (plain->discovery.n_endpoints && plain->learned_lists)
			snprintf(err, errlen, "%s: a 'gateways' or 'imported' list and a "
				 "'discovery' section: both are learned from discovery, remove the "
				 "list", path);
		else
			rc = adopt(c, text, plain, kept, plain->discovery.n_endpoints ?
				   remap_learned(c, plain, kept) : 0, c->imports,
				   plain->discovery.n_endpoints ? c->n_imports : 0, path, err, errlen);
	} else if (!kept) {
		snprintf(err, errlen, "%s: out of memory", path);
	}
	if (rc < 0)
		free(text);
	free(kept);
	mr_config_free(plain);
	free(plain);
	return rc;
}

int cp_conf_set_learned(struct cp_conf *c, const struct mr_remote_gateway_conf *gws,
			unsigned int n, const struct cp_import *imports, unsigned int n_imports,
			char *err, size_t errlen)
{
	if (!c->file_text) {
		snprintf(err, errlen, "no configuration loaded");
		return -1;
	}
	if (n == c->n_learned && (n == 0 || memcmp(gws, c->learned, n * sizeof(*gws)) == 0) &&
	    n_imports == c->n_imports &&
	    (n_imports == 0 || memcmp(imports, c->imports, n_imports * sizeof(*imports)) == 0))
		return 0;
	return adopt(c, c->file_text, &c->conf, gws, n, imports, n_imports, c->conf.source, err,
		     errlen) < 0 ? -1 : 1;
}

/* Whether the held file with gws and the first k imports validates (nothing taken). */
static bool learned_validate(const struct cp_conf *c, const struct mr_remote_gateway_conf *gws,
			     unsigned int n, const struct cp_import *imports, unsigned int k)
{
	struct mr_config *fresh = calloc(1, sizeof(*fresh));
	char err[MR_ERR_MAX];
	uint32_t len = 0;
	char *text = fresh ? compose_read(c->file_text, &c->conf, gws, n, imports, k,
					  c->conf.source, fresh, &len, err, sizeof(err)) : NULL;
	bool ok = text != NULL;

	if (fresh)
		mr_config_free(fresh);
	free(fresh);
	free(text);
	return ok;
}

/* FNV-1a over len bytes at p, onto h. */
static uint64_t digest_on(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* The learned set with the held file's text, as the search for what fits saw it. */
static uint64_t learned_digest(const struct cp_conf *c, const struct mr_remote_gateway_conf *gws,
			       unsigned int n, const struct cp_import *imports,
			       unsigned int n_imports)
{
	uint64_t h = digest_on(0xcbf29ce484222325ull, c->file_text, strlen(c->file_text));

	h = digest_on(h, &n, sizeof(n));
	h = digest_on(h, gws, n * sizeof(*gws));
	h = digest_on(h, &n_imports, sizeof(n_imports));
	return digest_on(h, imports, n_imports * sizeof(*imports));
}

int cp_conf_set_learned_fitting(struct cp_conf *c, const struct mr_remote_gateway_conf *gws,
				unsigned int n, const struct cp_import *imports,
				unsigned int n_imports, unsigned int *taken, char *err,
				size_t errlen)
{
	unsigned int ok = 0, bad = n_imports;
	char why[MR_ERR_MAX];
	uint64_t digest = c->file_text ? learned_digest(c, gws, n, imports, n_imports) : 0;
	int rc;

	if (digest && digest == c->unfit_digest) {
		/* Found before: as many as fitted then (the search would find the same). */
		rc = cp_conf_set_learned(c, gws, n, imports, c->unfit_taken, err, errlen);
		*taken = c->unfit_taken;
		if (rc >= 0)
			snprintf(err, errlen, "%s", c->unfit_why);
		return rc;
	}
	rc = cp_conf_set_learned(c, gws, n, imports, n_imports, err, errlen);
	*taken = n_imports;
	if (rc >= 0 || n_imports == 0 || !learned_validate(c, gws, n, imports, 0))
		return rc;
	snprintf(why, sizeof(why), "%s", err);
	/* The longest run of imports from the first that validates: the known causes (the
	 * VIP range full, the push too large) only grow with more names. Tried aside, so that
	 * the same names learned again change nothing. */
	while (bad - ok > 1) {
		unsigned int mid = ok + (bad - ok) / 2;

		if (learned_validate(c, gws, n, imports, mid))
			ok = mid;
		else
			bad = mid;
	}
	rc = cp_conf_set_learned(c, gws, n, imports, ok, err, errlen);
	*taken = ok;
	if (rc >= 0) {
		snprintf(err, errlen, "%s", why);
		c->unfit_digest = digest;
		c->unfit_taken = ok;
		snprintf(c->unfit_why, sizeof(c->unfit_why), "%s", why);
	}
	return rc;
}

/* A copy of n items of size bytes at src (one item when n is 0, so NULL means failure). */
static void *copy_items(const void *src, size_t n, size_t size)
{
	void *dst = calloc(n + 1, size);

	if (dst && n)
		memcpy(dst, src, n * size);
	return dst;
}

int cp_conf_copy(struct cp_conf *dst, const struct cp_conf *src)
{
	*dst = *src;
	dst->text = src->text ? strdup(src->text) : NULL;
	dst->file_text = src->file_text ? strdup(src->file_text) : NULL;
	dst->learned = copy_items(src->learned, src->n_learned, sizeof(*src->learned));
	dst->imports = copy_items(src->imports, src->n_imports, sizeof(*src->imports));
	if (mr_config_clone(&dst->conf, &src->conf) < 0 || (src->text && !dst->text) ||
	    (src->file_text && !dst->file_text) || !dst->learned || !dst->imports) {
		free(dst->text);
		free(dst->file_text);
		free(dst->learned);
		free(dst->imports);
		mr_config_free(&dst->conf);
		memset(dst, 0, sizeof(*dst));
		return -1;
	}
	return 0;
}

void cp_conf_free(struct cp_conf *c)
{
	mr_config_free(&c->conf);
	free(c->text);
	free(c->file_text);
	free(c->learned);
	free(c->imports);
	memset(c, 0, sizeof(*c));
}
