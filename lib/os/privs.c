/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs - capabilities: keep the few vipd needs, drop the rest.
 *
 * No libcap: two raw syscalls (capget/capset) and prctl() do it, and the
 * kernel's own structures are in <linux/capability.h>.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/privs.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static const struct {
	int cap;
	const char *name;
} privs_kept[] = {
	{ CAP_NET_ADMIN, "cap_net_admin" },
	{ CAP_NET_RAW, "cap_net_raw" },
	{ CAP_NET_BIND_SERVICE, "cap_net_bind_service" },
	{ CAP_SETUID, "cap_setuid" },
	{ CAP_SETGID, "cap_setgid" },
	{ CAP_KILL, "cap_kill" },
};

uint64_t
privs_keep_mask(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < sizeof(privs_kept) / sizeof(privs_kept[0]); i++)
		mask |= CAP_BIT(privs_kept[i].cap);
	return mask;
}

uint64_t
privs_need_mask(void)
{
	return CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_NET_RAW);
}

static int
privs_effective(uint64_t *eff)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	return 0;
}

int
privs_missing(uint64_t *missing)
{
	uint64_t eff = 0;
	int err = privs_effective(&eff);

	if (err < 0)
		return err;
	*missing = privs_need_mask() & ~eff;
	return 0;
}

const char *
privs_mask_str(uint64_t mask, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(privs_kept) / sizeof(privs_kept[0]); i++) {
		int n;

		if (!(mask & CAP_BIT(privs_kept[i].cap)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
		    privs_kept[i].name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';       /* whole names only */
			break;
		}
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}

/* The highest capability this kernel knows (newer than our headers, maybe). */
static int
privs_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_LAST_CAP;

	if (f != NULL) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

/*
 * The bounding set limits what any later execve() can give back (a script
 * run as root gets exactly this set). Removing from it needs CAP_SETPCAP;
 * started with fewer capabilities, vipd leaves it as it is.
 */
static void
privs_drop_bounding(uint64_t keep, struct privs_report *r)
{
	int last = privs_last_cap();

	r->bounding_dropped = true;
	for (int cap = 0; cap <= last; cap++) {
		if (keep & CAP_BIT(cap))
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			r->bounding_count++;
		else
			r->bounding_dropped = false;
	}
}

int
privs_drop(struct privs_report *report)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t keep = privs_keep_mask(), eff, prm;

	memset(report, 0, sizeof(*report));
	privs_drop_bounding(keep, report);
	/* Ambient capabilities would survive execve() of a script: none. */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	prm = ((uint64_t)data[1].permitted << 32 | data[0].permitted) & keep;
	eff = ((uint64_t)data[1].effective << 32 | data[0].effective) & keep;
	data[0].permitted = (uint32_t)prm;
	data[1].permitted = (uint32_t)(prm >> 32);
	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	report->kept = eff;
	return 0;
}
