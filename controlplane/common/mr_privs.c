/* SPDX-License-Identifier: BSD-3-Clause */
#include "mr_privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capget/capset through the system call: no libcap needed for two calls. */
static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &hdr, data);
}

static int caps_set(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capset, &hdr, data);
}

uint64_t mr_privs_effective(void)
{
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (caps_get(d) < 0)
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

int mr_privs_effective_set(uint64_t caps)
{
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (caps_get(d) < 0)
		return -1;
	d[0].effective = d[0].permitted & (uint32_t)caps;
	d[1].effective = d[1].permitted & (uint32_t)(caps >> 32);
	return caps_set(d);
}

int mr_privs_limit(uint64_t keep, char *err, size_t errlen)
{
	struct __user_cap_data_struct d[2];
	uint64_t permitted;

	memset(d, 0, sizeof(d));
	if (caps_get(d) < 0) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	permitted = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(keep & MR_CAP(cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EPERM) {
			snprintf(err, errlen, "dropping capability %d: %s", cap, strerror(errno));
			return -1;
		}
	keep &= permitted;
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	if (caps_set(d) < 0) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}
