/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipd_sdnotify - what vipd tells systemd (Type=notify): READY=1 once every
 * instance has started with its sockets open, STATUS= with the states at a
 * glance at start, on each transition and after a reload, RELOADING=1 /
 * READY=1 around a reload (refused or not: the old configuration serves
 * on), STOPPING=1 when the graceful stop begins. The watchdog is a row of
 * the timer table (vipd_timers.c). Off, at no cost, without $NOTIFY_SOCKET.
 */
#include <stdio.h>
#include <string.h>

#include "os/log.h"
#include "os/sdnotify.h"
#include "vipd.h"

void
vipd_sdnotify_open(struct vipd *v)
{
	int err;

	if ((err = sdnotify_open(&v->sd, evloop_now_ms())) < 0)
		log_err("NOTIFY_SOCKET unusable (%s): systemd will not hear that "
		    "vipd is ready", strerror(-err));
	else if (sdnotify_enabled(&v->sd) && v->sd.watchdog_ms > 0)
		log_info("systemd watchdog: WATCHDOG=1 every %llu ms",
		    (unsigned long long)v->sd.watchdog_ms);
}

/* "STATUS=2 instances: 1 MASTER, 1 BACKUP, 0 FAULT" (+ what follows). */
static void
vipd_sdnotify_status(struct vipd *v, const char *head, const char *tail)
{
	size_t master = 0, backup = 0, fault = 0, other = 0;
	char msg[256];

	if (!sdnotify_enabled(&v->sd))
		return;
	for (size_t i = 0; i < v->ninstances; i++)
		switch (instance_state(v->instances[i])) {
		case VRRP_STATE_MASTER:
			master++;
			break;
		case VRRP_STATE_BACKUP:
			backup++;
			break;
		case VRRP_STATE_FAULT:
			fault++;
			break;
		default:
			other++;
			break;
		}
	if (other > 0)
		snprintf(msg, sizeof(msg), "%sSTATUS=%zu instances: %zu MASTER, "
		    "%zu BACKUP, %zu FAULT, %zu other%s", head, v->ninstances,
		    master, backup, fault, other, tail);
	else
		snprintf(msg, sizeof(msg), "%sSTATUS=%zu instances: %zu MASTER, "
		    "%zu BACKUP, %zu FAULT%s", head, v->ninstances, master,
		    backup, fault, tail);
	(void)sdnotify_send(&v->sd, msg);
}

void
vipd_sdnotify_ready(struct vipd *v)
{
	vipd_sdnotify_status(v, "READY=1\n", "");
}

void
vipd_sdnotify_transition(struct vipd *v)
{
	vipd_sdnotify_status(v, "", "");
}

void
vipd_sdnotify_reloading(struct vipd *v)
{
	(void)sdnotify_reloading(&v->sd);
}

void
vipd_sdnotify_reloaded(struct vipd *v, bool accepted)
{
	vipd_sdnotify_status(v, "READY=1\n", accepted ? "" :
	    " (reload refused, old configuration kept)");
}

void
vipd_sdnotify_stopping(struct vipd *v)
{
	(void)sdnotify_send(&v->sd, "STOPPING=1\nSTATUS=stopping: handing over "
	    "and releasing VIPs");
}

void
vipd_sdnotify_tick(struct vipd *v, uint64_t now_ms)
{
	sdnotify_tick(&v->sd, now_ms);
}

uint64_t
vipd_sdnotify_deadline(const struct vipd *v)
{
	return sdnotify_next_deadline(&v->sd);
}
