/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_names - enum words of the config (see conf_names.h).
 */
#include <stddef.h>

#include "conf/conf_names.h"

const char *const conf_names_lb_protos[] = { "tcp", "udp", NULL };
const char *const conf_names_lb_scheds[] = { "rr", "wrr", "sh", "mh",
	"lc", "wlc", "sed", "nq", NULL };
const char *const conf_names_lb_fwds[] = { "nat", "dr", NULL };
const char *const conf_names_check_types[] = { "none", "tcp", "http",
	"https", "script", "udp", "dns", "smtp", "ping", NULL };
const char *const conf_names_notify_kinds[CONF_NOTIFY__COUNT + 1] = {
	"master", "backup", "fault", "stop", "any", NULL,
};

const char *
conf_names_lb_proto(enum conf_lb_proto p)
{
	return p <= CONF_LB_UDP ? conf_names_lb_protos[p] : "?";
}

const char *
conf_names_lb_sched(enum conf_lb_sched s)
{
	return s <= CONF_LB_NQ ? conf_names_lb_scheds[s] : "?";
}

const char *
conf_names_lb_fwd(enum conf_lb_fwd f)
{
	return f <= CONF_LB_DR ? conf_names_lb_fwds[f] : "?";
}

const char *
conf_names_check_type(enum conf_check_type t)
{
	return t <= CONF_CHECK_PING ? conf_names_check_types[t] : "?";
}

const char *
conf_names_notify_kind(enum conf_notify_kind k)
{
	return (unsigned)k < CONF_NOTIFY__COUNT ? conf_names_notify_kinds[k] :
	    "?";
}
