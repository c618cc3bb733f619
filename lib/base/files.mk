# SPDX-License-Identifier: GPL-2.0-or-later
# base/ - what every subsystem shares: the address type and its helpers
# (addr), big-endian byte access (be_bytes.h), the JSON writer (json_out),
# the keep/delete/new tags of a reload (reconcile).
# All pure: no syscalls, no library beyond computing libc.
PURE_SRCS += lib/base/addr.c lib/base/json_out.c lib/base/reconcile.c lib/base/drift.c
