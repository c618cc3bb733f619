/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_compare - `vipctl compare`: several nodes' `vipctl status --json`
 * documents side by side, per virtual service each node's table digest and
 * announce state, and which nodes disagree (pure: text in, text out).
 *
 * Active/active nodes must compute the same slot table for a service, or a
 * flow the router moves from one node to another lands on another backend;
 * the digest (lib/lb/lb_sched.h) is the proof, and this is the view that
 * puts the nodes' digests next to each other.
 *
 * Owns: reading the few members it needs (router_id, and of each
 * virtual_services entry name, table_digest, announce_state,
 * announce_reason) out of a JSON document, skipping all else, with every
 * bound checked; the report.
 * Never does: open files or sockets (vipctl does).
 */
#ifndef VIPD_CTL_COMPARE_H
#define VIPD_CTL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CTL_COMPARE_NODES_MAX 64
#define CTL_COMPARE_SERVICES_MAX 64     /* = CONF_LB_MAX_SERVICES */

struct ctl_compare_service {
	char name[40];
	char digest[24];                  /* "" = none (rr, wrr, or null) */
	char state[16];                   /* announce_state, "" = not announced */
	char reason[64];
};

struct ctl_compare_node {
	char name[64];                    /* router_id, else the file's name */
	size_t nservices;
	struct ctl_compare_service services[CTL_COMPARE_SERVICES_MAX];
};

/*
 * One JSON document at text (len bytes) into node; *used gets the bytes it
 * took (documents may follow each other, as `cat a.json b.json` gives).
 * Returns 0, or -1 with why filled (not a JSON object, too many services).
 */
int ctl_compare_parse(const char *text, size_t len, struct ctl_compare_node *node,
    size_t *used, char *why, size_t why_len);

/*
 * The report of nodes[0..n) on f: per service, each node's digest and
 * announce state, then the nodes whose digest differs from the most
 * common one, or that lack the service. Returns the number of services
 * on which nodes disagree (0: all agree).
 */
size_t ctl_compare_report(FILE *f, const struct ctl_compare_node *nodes,
    size_t n);

#endif
