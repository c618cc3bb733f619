/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_om - vipd.json turned into OpenMetrics text, by rules rather
 * than by a list of fields, so that whatever a module adds to the dump
 * (check states, backend counters, sync counters) shows up as a metric
 * without a change here.
 *
 * The rules, applied while walking the JSON document:
 *  - A number at path a.b.c becomes the family vipd_a_b_c.
 *  - An array of objects that carry a "name" (or "address", with ":port"
 *    when there is one) string gives
 *    each element a label named after the array, singular:
 *    instances[name=ext].base_priority -> vipd_instance_base_priority
 *    {instance="ext"}. Nested arrays add labels. Arrays of anything else
 *    (vips, timeline) are not metrics.
 *  - Members of an object named "counters" or "*_counters" are counters:
 *    the family drops the word "counters" and the sample ends in _total.
 *    So are the members of an object of numbers only ("scripts": {...}),
 *    and numbers named *_total, *bytes, *packets, *connections, *checks,
 *    *transactions, *runs, *successes, *failures, *timeouts, *_failed,
 *    *_errors, *_changes, *_dropped or *_refused (balancer.probes_refused).
 *    (A module that adds a counter with another name puts it in a
 *    "counters" object.)
 *  - An object of numbers whose key ends in "drops" is one counter family
 *    with the member names in a "reason" label.
 *  - "*_ms" becomes "*_seconds" (value / 1000) and "*_s" "*_seconds", as
 *    Prometheus wants base units; booleans are gauges 0/1.
 *  - A string member "state" (VRRP states; for bfd.sessions BFD's:
 *    AdminDown, Down, Init, Up), "health" (unknown, up, down) or "role"
 *    (sender, receiver) is a stateset with all the states of its set: vipd_instance_state{instance="ext",vipd_instance_state="MASTER"} 1
 *    and 0 for INIT, BACKUP and FAULT. A value outside its set (a new
 *    state not added to the set in metrics_om.c) comes alone, with 1.
 * Families come out grouped, in first-seen order, each with # TYPE and
 * # HELP (and # UNIT for seconds), then "# EOF".
 *
 * Owns: those rules. Never does: I/O beyond the FILE it is given.
 */
#ifndef VIPD_METRICS_OM_H
#define VIPD_METRICS_OM_H

#include <stddef.h>
#include <stdio.h>

#define METRICS_OM_MAX_FAMILIES 1024   /* further families are dropped */
#define METRICS_OM_CONTENT_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/*
 * Write the metrics for the JSON document json (len bytes) to out.
 * Returns 0, or -EINVAL when json is not a JSON object (out then holds
 * only "# EOF"), or -ENOMEM.
 */
int metrics_om_write(FILE *out, const char *json, size_t len);

#endif
