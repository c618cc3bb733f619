/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_vrrp - the vrrp_instances section of the configuration (and the
 * instance queries of conf.h). Internal to the conf module: only lib/conf*.c
 * include this header; everyone else uses conf.h. It brings conf_util.h
 * (errors, typed getters, key checks), which every section uses.
 *
 * Owns: the keys of one instance, their ranges and defaults, and the rules
 * across instances (names, (interface, VRID), VIPs).
 * Never does: read the file, or the top level and other sections (conf.c
 * and the other conf_* files).
 */
#ifndef VIPD_CONF_VRRP_H
#define VIPD_CONF_VRRP_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_util.h"

/*
 * Load the vrrp_instances list into conf->instances (allocated here, freed
 * by conf_free), then run the checks that span instances: duplicate names,
 * duplicate (interface, vrid), a VIP in two instances. Errors go to ctx;
 * returns 0, or -ENOMEM.
 */
int conf_vrrp_load(struct conf_ctx *ctx, const config_setting_t *list,
    struct conf *conf);

/*
 * Free conf->instances with their VIP and peer lists (called by conf_free,
 * after conf_health_free).
 */
void conf_vrrp_free(struct conf *conf);

#endif
