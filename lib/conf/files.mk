# SPDX-License-Identifier: GPL-2.0-or-later
# conf/ - the configuration file (libconfig) into a validated model, every
# error with FILE:LINE; equality queries the reload diff uses. The loaders
# read libconfig settings, so they are glue; the model they produce is plain
# data that every other folder reads. conf_keys lists every section's keys
# (the loaders' own lists), for the checks that the docs name them all.
# Pure: the enums' words both ways (conf_names), which the parsers read and
# the dumps and rules write.
PURE_SRCS += lib/conf/conf_names.c lib/conf/conf_route_model.c lib/conf/conf_include.c
GLUE_SRCS += lib/conf/conf.c lib/conf/conf_bfd.c lib/conf/conf_check.c lib/conf/conf_command.c lib/conf/conf_conn_sync.c \
	lib/conf/conf_groups.c lib/conf/conf_health.c lib/conf/conf_keys.c \
	lib/conf/conf_lb.c lib/conf/conf_metrics.c lib/conf/conf_procs.c lib/conf/conf_peer.c lib/conf/conf_route.c \
	lib/conf/conf_unicast.c lib/conf/conf_util.c lib/conf/conf_vmac.c \
	lib/conf/conf_vrrp.c
