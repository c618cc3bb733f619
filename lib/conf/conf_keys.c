/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_keys - the sections of the configuration and the parsers' key lists
 * for each (see conf_keys.h). A list that two sections share (track
 * entries, notify) is named once per section.
 */
#include "conf/conf_check.h"
#include "conf/conf_keys.h"
#include "conf/conf_procs.h"

const struct conf_keys_section conf_keys_sections[] = {
	{ "", conf_top_keys },
	{ "global", conf_global_keys },
	{ "vrrp_instances", conf_instance_keys },
	{ "vrrp_instances.garp", conf_garp_keys },
	{ "vrrp_instances.authentication", conf_auth_keys },
	{ "vrrp_instances.track_interfaces", conf_track_name_keys },
	{ "vrrp_instances.track_scripts", conf_track_name_keys },
	{ "vrrp_instances.track_files", conf_track_file_keys },
	{ "vrrp_instances.notify", conf_notify_keys },
	{ "sync_groups", conf_group_keys },
	{ "sync_groups.notify", conf_notify_keys },
	{ "track_scripts", conf_script_keys },
	{ "virtual_services", conf_service_keys },
	{ "virtual_services.backends", conf_backend_keys },
	{ "virtual_services.backends.check", conf_backend_check_keys },
	{ "virtual_services.backends.check.urls", conf_check_url_keys },
	{ "conn_sync", conf_conn_sync_keys },
	{ "conn_sync.links", conf_conn_sync_link_keys },
	{ "vrrp_instances.addresses", conf_vip_keys },
	{ "vrrp_instances.virtual_routes", conf_route_keys },
	{ "vrrp_instances.virtual_rules", conf_rule_keys },
	{ "static_addresses", conf_static_addr_keys },
	{ "static_routes", conf_route_keys },
	{ "static_rules", conf_rule_keys },
	{ "bfd_sessions", conf_bfd_session_keys },
	{ "bfd_sessions.authentication", conf_bfd_auth_keys },
	{ "vrrp_instances.track_bfd", conf_track_bfd_keys },
	{ "track_processes", conf_process_keys },
	{ "vrrp_instances.track_processes", conf_track_name_keys },
	{ "conn_sync.select", conf_conn_sync_select_keys },
	{ "virtual_services.track_scripts", conf_service_track_keys },
	{ "virtual_services.track_interfaces", conf_service_track_keys },
	{ "virtual_services.track_processes", conf_service_track_keys },
	{ NULL, NULL },
};
