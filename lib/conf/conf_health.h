/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_health - the health keys of the configuration: the top-level
 * track_scripts, global.notify_fifo, and per instance track_interfaces,
 * track_scripts (references), track_files and notify (also read by
 * sync_groups, conf_groups.h).
 * The types are part of the model (conf.h includes this header); the
 * loaders are internal to the conf module (conf.c and conf_vrrp.c call them).
 *
 * Owns: checking those keys (types, ranges, references between sections)
 * with "FILE:LINE: where.key: problem" messages.
 * Never does: look at the file system (whether a script is safe to run is
 * script_sec's business, checked by the daemon at config test and start).
 */
#ifndef VIPD_CONF_HEALTH_H
#define VIPD_CONF_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf_command.h"

#define CONF_TRACK_NAME_MAX 64      /* track script / sync group names, incl. NUL */
#define CONF_PATH_MAX 256           /* script and file paths, incl. NUL */
#define CONF_MAX_TRACKS 16          /* of each kind, per instance */
#define CONF_WEIGHT_MAX 254         /* weights are -254..254 */

enum conf_notify_kind {
	CONF_NOTIFY_MASTER = 0,
	CONF_NOTIFY_BACKUP,
	CONF_NOTIFY_FAULT,
	CONF_NOTIFY_STOP,
	CONF_NOTIFY_ANY,
	CONF_NOTIFY__COUNT
};

/* notify = { master = "/path"; ... }: NULL = none. */
struct conf_notify {
	char *script[CONF_NOTIFY__COUNT];  /* each < CONF_PATH_MAX; the model's */
	uint32_t timeout_ms;               /* default 10000, 100..600000 */
};

/* A top-level track_scripts entry. */
struct conf_track_script {
	char name[CONF_TRACK_NAME_MAX];
	size_t argc;
	char argv[CONF_COMMAND_ARGS][CONF_COMMAND_ARG_MAX];
	uint32_t interval_ms;              /* default 1000, 10..3600000 */
	uint32_t timeout_ms;               /* default interval_ms, 10..3600000 */
	uint32_t rise, fall;               /* default 1 and 1, 1..100 */
	int line;
};

struct conf_track_if {
	char name[16];                     /* IFNAMSIZ */
	int weight;                        /* 0 = FAULT while down */
};

struct conf_track_ref {                /* an instance's track_scripts entry */
	char name[CONF_TRACK_NAME_MAX];
	size_t script;                     /* index into conf->track_scripts */
	int weight;                        /* <0 while failing, >0 while ok, 0 = FAULT */
	bool has_weight;                   /* given in the entry */
};

struct conf_track_file {
	char *path;                        /* < CONF_PATH_MAX; the model's */
	int weight;                        /* priority += value * weight; default 1 */
};

/*
 * An instance's tracked objects: each list as long as the file's (at most
 * CONF_MAX_TRACKS), NULL when empty, owned by the model (conf_health_free).
 */
struct conf_instance_track {
	size_t nifs, nscripts, nfiles;
	struct conf_track_if *ifs;
	struct conf_track_ref *scripts;
	struct conf_track_file *files;
	/* track_processes: .script indexes conf->track_processes; the
	   weight is the tracker's own unless the entry gives one */
	size_t nprocs;
	struct conf_track_ref *procs;
	struct conf_notify notify;
};

/* True when the health settings of two instances are the same (by content). */
bool conf_health_instance_equal(const struct conf_instance_track *a,
    const struct conf_instance_track *b);

/* ---- loaders: for lib/conf/ only ------------------------------------------------ */
struct conf;
struct conf_ctx;
struct conf_global;
struct config_setting_t;

/* The top-level track_scripts list into conf->track_scripts. 0 or -ENOMEM. */
int conf_health_scripts_load(struct conf_ctx *ctx,
    const struct config_setting_t *list, struct conf *conf);

/* global.notify_fifo of group g, and the line script_user is on. */
void conf_health_global_load(struct conf_ctx *ctx,
    const struct config_setting_t *g, struct conf_global *gl);

/*
 * An instance's track_interfaces, track_scripts, track_files and notify
 * (where = "vrrp_instances[X]"). Script names are resolved later, by
 * conf_health_resolve(), once every section is loaded.
 */
void conf_health_instance_load(struct conf_ctx *ctx,
    const struct config_setting_t *g, const char *where,
    struct conf_instance_track *t);

/* Resolve the instances' track_scripts references (root: the file's root). */
void conf_health_resolve(struct conf_ctx *ctx,
    const struct config_setting_t *root, struct conf *conf);

/*
 * Free what the loaders allocated: the track scripts and each instance's
 * track lists and notify paths (called by conf_free, before the instances
 * go).
 */
void conf_health_free(struct conf *conf);

/* A notify = { ... } group into n (where = its owner); its paths freed by
 * conf_health_notify_free(). For instances and sync groups alike. */
void conf_health_notify_load(struct conf_ctx *ctx,
    const struct config_setting_t *g, const char *where,
    struct conf_notify *n);
void conf_health_notify_free(struct conf_notify *n);

#endif
