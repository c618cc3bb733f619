/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_procs - the top-level track_processes section (keepalived's
 * vrrp_track_process): which processes a tracker counts and the quorum
 * that makes it up. Instances name them in their own track_processes
 * (conf_health.c resolves those references).
 *
 * Owns: the keys, ranges and defaults of a process tracker, with
 * "FILE:LINE: track_processes[NAME].key: problem" messages.
 * Never does: look at processes (lib/health/proc_watch.c does).
 */
#ifndef VIPD_CONF_PROCS_H
#define VIPD_CONF_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_PROC_NAME_MAX 64           /* process = "...", incl. NUL */
#define CONF_PROC_ARGS_MAX 256          /* args = "...", incl. NUL */
#define CONF_PROC_QUORUM_MAX 256        /* quorum and quorum_max, at most */

struct conf_track_process {
	char name[64];                     /* CONF_TRACK_NAME_MAX */
	char process[CONF_PROC_NAME_MAX];  /* comm, argv[0] or its basename */
	char args[CONF_PROC_ARGS_MAX];     /* argv[1..] joined by spaces */
	bool has_args;
	bool args_prefix;                  /* param_match = "initial" */
	uint32_t quorum;                   /* default 1, 1..256 */
	uint32_t quorum_max;               /* default 0 = none, else quorum..256 */
	uint32_t fork_delay_ms;            /* default delay_ms, 0..3600000 */
	uint32_t terminate_delay_ms;       /* default delay_ms, 0..3600000 */
	int weight;                        /* default 0 (FAULT while down) */
	int line;
};

struct conf;
struct conf_ctx;
struct config_setting_t;

extern const char *const conf_process_keys[];

/* The top-level track_processes list into conf. 0 or -ENOMEM. */
int conf_procs_load(struct conf_ctx *ctx, const struct config_setting_t *list,
    struct conf *conf);

/* Index of the tracker called name, or -1. */
int conf_procs_find(const struct conf *conf, const char *name);

bool conf_procs_equal(const struct conf_track_process *a,
    const struct conf_track_process *b);

void conf_procs_free(struct conf *conf);

#endif
