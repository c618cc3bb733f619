/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * health - the OS side of tracking: runs the track scripts on their
 * intervals (through lib/script), watches track files with inotify, follows
 * tracked interfaces through the link events the daemon passes in, and
 * hands each instance what lib/track makes of it (instance_track_apply).
 *
 * Owns: one runtime per top-level track script referenced by an instance
 * (its job, rise/fall state, last result, schedule), one per tracked file
 * (inotify watch on its directory, last value), the inotify descriptor, and
 * per instance the state of its tracked interfaces.
 * A track file's directory that is missing at start, or deleted or moved
 * away later, loses its watch: health_tick() tries to watch it again every
 * HEALTH_REWATCH_MS and reads the file as soon as it can, so a directory
 * made later (a tmpfs under /run, a drill's scratch directory) still works.
 * Never does: poll links or files (events only), decide priorities (track
 * does), block (scripts run asynchronously with their timeout).
 */
#ifndef VIPD_HEALTH_H
#define VIPD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bfd/bfd_run.h"
#include "conf/conf.h"
#include "os/evloop.h"
#include "vrrp/instance.h"
#include "os/log.h"
#include "os/nl.h"
#include "os/script.h"
#include "health/track.h"
#include "health/proc_watch.h"

#define HEALTH_REWATCH_MS 1000

struct health;

struct health_script {
	struct conf_track_script conf;
	char *argv[CONF_COMMAND_ARGS + 1];
	struct script_job job;
	struct track_script_state st;
	uint64_t next_run_ms;           /* 0 = running or unused */
	bool used;                      /* an instance references it */
	char last[TRACK_REASON_MAX];    /* "exit 1: db pool empty" */
	uint64_t timeouts, failures, successes;
	struct log_ratelimit warn_log;  /* per-run warnings (timeouts...) */
	struct health *h;
};

struct health_file {
	char path[CONF_PATH_MAX];
	const char *base;               /* inside path: the name in its directory */
	int wd;                         /* inotify watch of the directory, -1 none */
	bool watch_failed;              /* said so once; retried from health_tick */
	bool ok;
	long long value;
	char err[64];
	uint64_t reads;
};

struct health_inst {
	struct instance *inst;
	bool if_up[CONF_MAX_TRACKS];
	size_t file[CONF_MAX_TRACKS];   /* index into health.files */
};

struct health {
	struct evloop *loop;
	struct script_runner *runner;
	struct netlink *nl;
	const struct instance_env *env;
	int inotify_fd;
	struct evloop_watch ino_watch;
	struct health_script *scripts;
	size_t nscripts;
	struct health_file *files;
	size_t nfiles;
	struct health_inst *insts;
	size_t ninsts;
	uint64_t inotify_overflows;
	struct proc_watch procs;        /* track_processes (proc_watch.h) */
	/* A track file's directory is not watched (missing at start, or
	   deleted since): try again at this time; 0 = every one is. */
	uint64_t rewatch_due_ms;
	/*
	 * More tracked objects of an instance, from outside tracking (the
	 * balancer's services): at most max written to objs, count returned.
	 * NULL: none.
	 */
	size_t (*extra)(void *arg, const struct instance *inst,
	    struct track_obj *objs, size_t max);
	void *extra_arg;
	/* track_bfd: the sessions, by name (NULL: none). */
	const struct bfd_run *bfd;
};

/* Nothing allocated yet. Returns 0 or -errno (inotify). */
int health_init(struct health *h, struct evloop *loop, struct script_runner *runner,
		struct netlink *nl, const struct instance_env *env);

/*
 * Take a configuration and the instances it runs (start-up and every
 * reload; instances[i] runs conf->instances[i]). Script states carry over
 * by name; every instance is evaluated, so a reload that changes a base
 * priority gets the tracked adjustment back. Returns 0 or -ENOMEM (the
 * old setup is kept).
 */
int health_configure(struct health *h, const struct conf *conf,
		     struct instance **instances, size_t ninstances, uint64_t now_ms);

/* A link event for ifname (the daemon's netlink callback). */
void health_link_event(struct health *h, const char *ifname, uint64_t now_ms);

/* Link events were lost: ask the kernel about every tracked interface. */
void health_link_all(struct health *h, uint64_t now_ms);

/*
 * Whether track script `name` succeeds now (rise/fall applied), its last
 * result in *detail; false for a name that is not a track script.
 */
bool health_script_up(const struct health *h, const char *name,
    const char **detail);

/* Evaluate every instance again (an extra source changed). */
void health_evaluate_all(struct health *h, uint64_t now_ms);

/* Start scripts whose interval has come; watch unwatched track files again. */
void health_tick(struct health *h, uint64_t now_ms);
uint64_t health_next_deadline(const struct health *h);

/* The tracked objects of inst in the text dump / JSON (an object). */
void health_dump_text(FILE *f, const struct health *h, const struct instance *inst);
void health_dump_json(FILE *f, const struct health *h, const struct instance *inst);
/* Track scripts and counters: text lines / JSON array. */
void health_dump_scripts_text(FILE *f, const struct health *h);
void health_dump_scripts_json(FILE *f, const struct health *h);

void health_close(struct health *h);

#endif
