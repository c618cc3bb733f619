/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_names - the words of the config's enums, both ways: the parsers
 * read a key's value against these tables (NULL-terminated, in enum
 * order), and dumps, logs and nft rules write an enum with the same word.
 * Pure, so that pure modules (lb_nft) can name an enum without reaching
 * the libconfig parsers. An out-of-range value is named "?".
 */
#ifndef VIPD_CONF_NAMES_H
#define VIPD_CONF_NAMES_H

#include "conf/conf_lb.h"
#include "conf/conf_health.h"

extern const char *const conf_names_lb_protos[];     /* "tcp", "udp" */
extern const char *const conf_names_lb_scheds[];     /* "rr", "wrr", ... */
extern const char *const conf_names_check_types[];   /* "none", "tcp", ... */
extern const char *const conf_names_notify_kinds[];  /* "master", ... */

const char *conf_names_lb_proto(enum conf_lb_proto p);
const char *conf_names_lb_sched(enum conf_lb_sched s);
extern const char *const conf_names_lb_fwds[];       /* "nat", "dr" */
const char *conf_names_lb_fwd(enum conf_lb_fwd f);
const char *conf_names_check_type(enum conf_check_type t);
const char *conf_names_notify_kind(enum conf_notify_kind k);

#endif
