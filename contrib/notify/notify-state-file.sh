#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# vipd notify script: keep the current state of every instance in a file,
# for monitoring agents and other scripts that should not talk to vipd.
#
# Called as SCRIPT TYPE NAME STATE PRIORITY (see notify-syslog.sh). Writes
# $STATE_FILE_DIR/NAME.state ("MASTER 150 2026-01-01T00:00:00Z"), replaced
# atomically so that a reader never sees half a line. The directory must be
# writable by global.script_user. vipd runs scripts with a clean environment,
# so STATE_FILE_DIR only applies when the script is run by hand or from a
# wrapper; to move the directory for vipd, change the default below.
#
#   notify = { any = "/etc/vipd/notify/notify-state-file.sh" };

set -eu

type=${1:?usage: $0 TYPE NAME STATE PRIORITY}
name=${2:?}
state=${3:?}
priority=${4:-0}
dir=${STATE_FILE_DIR:-/run/vipd/notify}

# A name comes from vipd's validated config, but this file is a shell script:
# refuse anything that could climb out of the directory.
case "$name" in
*/*|.*|'') echo "$0: bad name '$name'" >&2; exit 2 ;;
esac

mkdir -p "$dir"
tmp=$(mktemp "$dir/.$name.XXXXXX")
printf '%s %s %s %s\n' "$state" "$priority" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	"$type" >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$dir/$name.state"
