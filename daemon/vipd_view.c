/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_view - the daemon seen from outside: the dump_view that every dump
 * reads (SIGUSR1 vipd.data and vipd.json, SIGUSR2 vipd.stats, vipctl, the
 * metrics endpoint), and the dump files. lib/ctl/dump.c writes them; this
 * file only says what they show.
 */
#include <string.h>
#include <unistd.h>

#include "ctl/dump.h"
#include "os/log.h"
#include "vipd.h"

struct dump_view
vipd_view(struct vipd *v)
{
	uint64_t now_ms = evloop_now_ms();

	/* Every view shows what nft counted just now (dumps, vipctl). */
	(void)lb_read_counters(&v->lb);
	return (struct dump_view){
		.router_id = v->router_id,
		.pid = getpid(),
		.now_ms = now_ms,
		.uptime_ms = now_ms - v->started_ms,
		.instances = v->instances,
		.ninstances = v->ninstances,
		.unmatched_drops = v->unmatched_drops,
		.reloads = v->reloads,
		.reloads_refused = v->reloads_refused,
		.drift = &v->drift.d,
		.ctl = &v->ctl.stats,
		.metrics = v->metrics.fd >= 0 ? &v->metrics.stats : NULL,
		.lb = &v->lb,
		.health = &v->health,
		.groups = &v->groups,
		.scripts = &v->scripts.counters,
		.notify = &v->notify.counters,
		.sync = v->sync,
		.bfd = &v->bfd,
	};
}

void
vipd_view_write_dumps(struct vipd *v)
{
	struct dump_view view = vipd_view(v);
	int err;

	if ((err = dump_to_file(v->state_dir, "vipd.data", dump_write_text, &view)) < 0 ||
	    (err = dump_to_file(v->state_dir, "vipd.json", dump_write_json, &view)) < 0)
		log_err("cannot write dump in %s: %s", v->state_dir, strerror(-err));
	else
		log_debug("state written to %s/vipd.data and vipd.json", v->state_dir);
}

void
vipd_view_write_stats(struct vipd *v)
{
	struct dump_view view = vipd_view(v);
	int err;

	if ((err = dump_to_file(v->state_dir, "vipd.stats", dump_write_stats, &view)) < 0)
		log_err("cannot write %s/vipd.stats: %s", v->state_dir, strerror(-err));
}
