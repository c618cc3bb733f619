/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_unicast - the unicast keys of one VRRP instance: unicast_src and
 * unicast_peers. Internal to the conf module, like conf_vrrp.h: only
 * lib/conf/conf_vrrp.c calls it.
 *
 * Owns: parsing and checking both keys against the instance's family (the
 * family of its addresses, RFC 5798: one per instance).
 * Never does: look at interfaces (whether unicast_src is configured on one
 * is the daemon's business at start), or decide the default source (the
 * instance takes the interface's primary address, as keepalived does).
 */
#ifndef VIPD_CONF_UNICAST_H
#define VIPD_CONF_UNICAST_H

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_vrrp.h"

/*
 * Load unicast_src and unicast_peers of group g (where = "vrrp_instances[X]")
 * into in->unicast_src / in->peers, after the addresses were loaded
 * (in->family set). Errors go to ctx; a refused value leaves in untouched.
 */
void conf_unicast_load(struct conf_ctx *ctx, const config_setting_t *g,
    const char *where, struct conf_instance *in);

#endif
