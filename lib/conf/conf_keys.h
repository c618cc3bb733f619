/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_keys - every key the configuration parser accepts, by section, in
 * one table. The parsers define the key lists (conf_*_keys[], each ended by
 * NULL) and check each group against its list with conf_check_keys(); this
 * table only points at those lists, so that what is documented can be
 * compared with what is parsed (tests/unit/test_conf_keys.c,
 * tests/system/test_docs.py).
 *
 * Owns: the section paths ("vrrp_instances.garp": the garp group of every
 * vrrp_instances entry; "" is the top level).
 * Never does: parse, or know a key's type, range or default.
 */
#ifndef VIPD_CONF_KEYS_H
#define VIPD_CONF_KEYS_H

#include <stddef.h>

/* Defined by the parser of each section (lib/conf/conf*.c). */
extern const char *const conf_top_keys[];
extern const char *const conf_global_keys[];
extern const char *const conf_instance_keys[];
extern const char *const conf_garp_keys[];
extern const char *const conf_auth_keys[];
extern const char *const conf_track_name_keys[];
extern const char *const conf_track_file_keys[];
extern const char *const conf_notify_keys[];
extern const char *const conf_group_keys[];
extern const char *const conf_script_keys[];
extern const char *const conf_service_keys[];
extern const char *const conf_service_track_keys[];  /* announce's track_* */
extern const char *const conf_backend_keys[];
extern const char *const conf_backend_check_keys[];
extern const char *const conf_conn_sync_keys[];
extern const char *const conf_conn_sync_link_keys[];
extern const char *const conf_vip_keys[];      /* vrrp_instances.addresses */
extern const char *const conf_static_addr_keys[]; /* static_addresses */
extern const char *const conf_route_keys[];    /* virtual_routes, static_routes */
extern const char *const conf_rule_keys[];     /* virtual_rules, static_rules */
extern const char *const conf_bfd_session_keys[];
extern const char *const conf_bfd_auth_keys[];
extern const char *const conf_track_bfd_keys[];
extern const char *const conf_conn_sync_select_keys[];

struct conf_keys_section {
	const char *path;               /* "", "global", "vrrp_instances.garp" */
	const char *const *keys;        /* ends with NULL */
};

/* Every section, a parent before its children; ends with { NULL, NULL }. */
extern const struct conf_keys_section conf_keys_sections[];

#endif
