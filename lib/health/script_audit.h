/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script_audit - the scripts a configuration would run, audited before it
 * is used (`vipd -t`, start, reload): who runs them and whether anyone but
 * root could change them. It reads the file system (script_sec), never
 * runs anything.
 */
#ifndef VIPD_SCRIPT_AUDIT_H
#define VIPD_SCRIPT_AUDIT_H

#include <stddef.h>

#include "conf/conf.h"

/*
 * What `vipd -t`, start and reload refuse about scripts: global.script_user
 * that does not exist, and any track, notify or balancer script (a
 * backend's check.command[0], notify_up[0] and notify_down[0], a
 * service's quorum_up[0] and quorum_down[0]; one error per program and
 * service) that script_sec finds insecure (writable by a non-root user),
 * each as
 * "FILE:LINE: where: problem" appended to errs. A missing script is no
 * error here (it may be installed later; running it fails, counted, and
 * tracking treats it as failing). Returns the number of errors added.
 */
size_t script_audit_conf(const struct conf *conf, struct conf_errors *errs);

#endif
