#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# vipd notify script: one syslog line per transition.
#
# vipd (like keepalived) calls notify scripts as
#     SCRIPT TYPE NAME STATE PRIORITY
# TYPE is INSTANCE or GROUP (a sync group), STATE is MASTER, BACKUP, FAULT
# or STOP. Scripts run as global.script_user, one at a time per instance,
# and are killed when they take too long: keep them short.
#
#   notify = { any = "/etc/vipd/notify/notify-syslog.sh" };
#
# The line goes to the system log socket (/dev/log); SYSLOG_SOCKET names
# another unix socket (a wrapper sets it: vipd passes no environment).

type=${1:?usage: $0 TYPE NAME STATE PRIORITY}
name=${2:?}
state=${3:?}
priority=${4:-}
socket=${SYSLOG_SOCKET:-}

exec logger ${socket:+-u "$socket"} -t vipd-notify -p daemon.notice -- \
	"$type $name is now $state${priority:+ (priority $priority)}"
