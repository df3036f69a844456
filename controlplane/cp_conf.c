#include "cp_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr_ctl_proto.h"
#include "textfile.h"

int cp_conf_load(struct cp_conf *c, const char *path, char *err, size_t errlen)
{
	struct mr_config *fresh = calloc(1, sizeof(*fresh));
	char *text;
	uint32_t len;

	if (!fresh) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (textfile_read(path, MR_CTL_MAX_PAYLOAD, &text, &len, err, errlen) < 0) {
		free(fresh);
		return -1;
	}
	if (mr_config_load_string(text, path, fresh, err, errlen) < 0) {
		free(text);
		free(fresh);
		return -1;
	}
	mr_config_free(&c->conf);
	c->conf = *fresh;
	free(fresh);
	free(c->text);
	c->text = text;
	c->len = len;
	c->generation++;
	return 0;
}

void cp_conf_free(struct cp_conf *c)
{
	mr_config_free(&c->conf);
	free(c->text);
	memset(c, 0, sizeof(*c));
}
