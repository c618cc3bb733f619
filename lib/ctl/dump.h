/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump - the daemon's state as files: vipd.data (for people), vipd.json
 * (the same facts for programs) and vipd.stats (counters); and the table
 * of `vipctl status` (dump_status.c), the same facts at a glance.
 *
 * Owns: the three formats and writing them atomically (temp file + rename),
 * so that a reader never sees half a dump.
 * Never does: change state or decide when to dump (SIGUSR1/SIGUSR2 do).
 */
#ifndef VIPD_DUMP_H
#define VIPD_DUMP_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "bfd/bfd_run.h"
#include "ctsync/ct_sync.h"
#include "base/drift.h"
#include "ctl/ctl.h"
#include "health/health.h"
#include "vrrp/instance.h"
#include "ctl/metrics.h"
#include "health/notify.h"
#include "os/script.h"
#include "health/sync_group.h"
#include "lb/lb.h"

struct dump_view {
	const char *router_id;
	pid_t pid;
	uint64_t now_ms;
	uint64_t uptime_ms;
	struct instance *const *instances;
	size_t ninstances;
	/* Packets refused before any instance could be named (unknown VRID...). */
	const uint64_t *unmatched_drops;     /* VRRP_DROP__COUNT entries */
	uint64_t reloads, reloads_refused;
	size_t timeline_text_max;       /* transitions in the text dump, 0 = all */
	const struct ctl_stats *ctl;    /* control socket counters, or NULL */
	const struct metrics_stats *metrics; /* metrics endpoint, or NULL when off */
	const struct lb *lb;            /* virtual services, or NULL */
	const struct ct_sync *sync;     /* conn_sync, or NULL when off */
	const struct bfd_run *bfd;      /* bfd_sessions, or NULL */
	const struct health *health;    /* tracking, or NULL */
	const struct sync_groups *groups;        /* or NULL */
	const struct script_counters *scripts;   /* the script runner's, or NULL */
	const struct notify_counters *notify;    /* or NULL */
	const struct drift *drift;      /* outside changes put back, or NULL */
};

/* vipd.data and `vipctl dump`: everything, instance by instance. */
void dump_write_text(FILE *f, const struct dump_view *v);
/*
 * `vipctl status`: one row per instance, short sections for sync groups,
 * virtual services and conn_sync when configured, then the newest
 * v->timeline_text_max transitions per instance (5 when 0).
 */
void dump_write_status(FILE *f, const struct dump_view *v);
void dump_write_json(FILE *f, const struct dump_view *v);
void dump_write_stats(FILE *f, const struct dump_view *v);

/* The master's address as text into buf, or NULL when none is known. */
const char *dump_master_addr(const struct instance *inst, char *buf,
			     size_t len);

/* wall_ms as ISO 8601 UTC with milliseconds ("2024-05-01T10:00:00.123Z"). */
const char *dump_wall_time(uint64_t wall_ms, char *buf, size_t len);

/* Write dir/name through writer, atomically. Returns 0 or -errno. */
int dump_to_file(const char *dir, const char *name,
		 void (*writer)(FILE *, const struct dump_view *),
		 const struct dump_view *v);

#endif
