/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_vmac - the VMAC keys of one VRRP instance: use_vmac and vmac_name.
 * Internal to the conf module, like conf_vrrp.h: only lib/conf/conf_vrrp.c
 * calls it.
 *
 * Owns: parsing both keys, the default interface name ("vrrp.<VRID>" for
 * IPv4, "vrrp6.<VRID>" for IPv6, so that the two families' virtual routers
 * of one VRID can live side by side), and the rule that two instances
 * cannot share one VMAC interface name.
 * Never does: look at interfaces (the instance creates the macvlan).
 */
#ifndef VIPD_CONF_VMAC_H
#define VIPD_CONF_VMAC_H

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_vrrp.h"

/*
 * Load use_vmac and vmac_name of group g (where = "vrrp_instances[X]")
 * after vrid, interface and addresses (in->family) were loaded.
 */
void conf_vmac_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in);

/* Across instances of list (the vrrp_instances setting): names unique. */
void conf_vmac_check(struct conf_ctx *ctx, const config_setting_t *list,
    const struct conf *conf);

#endif
