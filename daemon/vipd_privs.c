/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_privs - what the daemon asks of the OS for itself (declared in
 * vipd.h): refuse to start without the capabilities nothing works
 * without, take the open-files limit health probes need, and drop every
 * capability a running vipd does not need once its sockets are open. The
 * capability sets themselves are lib/privs'.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "os/log.h"
#include "os/privs.h"
#include "vipd.h"

/* Sockets are open: keep only the capabilities a running vipd needs. */
void
vipd_drop_privs(void)
{
	struct privs_report r;
	char kept[160];
	int err = privs_drop(&r);

	if (err < 0) {
		log_warn("privileges: cannot drop capabilities: %s", strerror(-err));
		return;
	}
	log_info("privileges: kept %s; %s", privs_mask_str(r.kept, kept,
	    sizeof(kept)), r.bounding_dropped ? "bounding set reduced to the same" :
	    "bounding set left as is (no CAP_SETPCAP)");
}

/*
 * Before anything is opened: without these two nothing would work (raw
 * sockets fail, addresses cannot be set), and a daemon that runs on without
 * them only looks like a backup. Refuse, naming what is missing.
 */
int
vipd_check_privs(void)
{
	uint64_t missing = 0;
	char names[160];
	int err = privs_missing(&missing);

	if (err < 0) {
		fprintf(stderr, "vipd: cannot read capabilities: %s\n",
		    strerror(-err));
		return -1;
	}
	if (missing == 0)
		return 0;
	fprintf(stderr, "vipd: missing capability %s: vipd needs cap_net_admin "
	    "(addresses, links, nftables) and cap_net_raw (advert and ARP "
	    "sockets); run it as root or grant both\n",
	    privs_mask_str(missing, names, sizeof(names)));
	return -1;
}

/*
 * Every health probe in flight holds a socket: the default soft limit of
 * 1024 open files ran out at about 1000 backends (and then even the dump
 * could not be written). The hard limit is ours to take.
 */
void
vipd_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the open-files limit: %s",
			    strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	log_debug("open-files limit: %llu", (unsigned long long)rl.rlim_cur);
}
