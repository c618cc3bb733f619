# SPDX-License-Identifier: GPL-2.0-or-later
# health/ - what moves an instance's priority and who moves together.
# Pure: tracking arithmetic (track) and the sync group rules (sync_rules).
# Glue: tracking sources (links, files, scripts), sync groups acting on
# instances, notify scripts and FIFO, the audit of configured scripts.
PURE_SRCS += lib/health/track.c lib/health/sync_rules.c lib/health/proc_track.c
GLUE_SRCS += lib/health/health.c lib/health/script_audit.c \
	lib/health/health_dump.c lib/health/notify.c lib/health/sync_group.c \
	lib/health/proc_watch.c
