/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_compare - nodes' status documents side by side (see ctl_compare.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl_compare.h"

#define CMP_DEPTH_MAX 32

struct cmp {
	const char *p, *end;
	int depth;
};

static void
ws(struct cmp *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool
eat(struct cmp *c, char ch)
{
	ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A string into out (cap > 0, cut to fit); escapes kept simple. */
static bool
string(struct cmp *c, char *out, size_t cap)
{
	size_t o = 0;

	if (!eat(c, '"'))
		return false;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\\') {
			if (c->p >= c->end)
				return false;
			ch = *c->p++;
			if (ch == 'u') {
				ch = '?';
				if (c->end - c->p < 4)
					return false;
				c->p += 4;
			} else if (ch == 'n' || ch == 't')
				ch = ' ';
		}
		if (out != NULL && o + 1 < cap)
			out[o++] = ch;
	}
	if (out != NULL)
		out[o] = '\0';
	return eat(c, '"');
}

static bool skip(struct cmp *c);

static bool
skip_container(struct cmp *c, char close, bool object)
{
	if (++c->depth > CMP_DEPTH_MAX)
		return false;
	if (!eat(c, close)) {
		do {
			if (object && (!string(c, NULL, 0) || !eat(c, ':')))
				return false;
			if (!skip(c))
				return false;
		} while (eat(c, ','));
		if (!eat(c, close))
			return false;
	}
	c->depth--;
	return true;
}

/* Any value, skipped. */
static bool
skip(struct cmp *c)
{
	ws(c);
	if (c->p >= c->end)
		return false;
	if (*c->p == '"')
		return string(c, NULL, 0);
	if (eat(c, '{'))
		return skip_container(c, '}', true);
	if (eat(c, '['))
		return skip_container(c, ']', false);
	/* number, true, false, null */
	if (strchr("-0123456789tfn", *c->p) == NULL)
		return false;
	while (c->p < c->end && strchr(",}] \t\r\n", *c->p) == NULL)
		c->p++;
	return true;
}

/* A string member's value, or "" for null (anything else skipped). */
static bool
text_or_null(struct cmp *c, char *out, size_t cap)
{
	ws(c);
	if (c->p < c->end && *c->p == '"')
		return string(c, out, cap);
	out[0] = '\0';
	return skip(c);
}

static bool
service(struct cmp *c, struct ctl_compare_service *s)
{
	char key[40];

	memset(s, 0, sizeof(*s));
	if (!eat(c, '{'))
		return false;
	if (eat(c, '}'))
		return true;
	do {
		if (!string(c, key, sizeof(key)) || !eat(c, ':'))
			return false;
		if (strcmp(key, "name") == 0 ? !text_or_null(c, s->name,
		    sizeof(s->name)) : strcmp(key, "table_digest") == 0 ?
		    !text_or_null(c, s->digest, sizeof(s->digest)) :
		    strcmp(key, "announce_state") == 0 ? !text_or_null(c,
		    s->state, sizeof(s->state)) : strcmp(key,
		    "announce_reason") == 0 ? !text_or_null(c, s->reason,
		    sizeof(s->reason)) : !skip(c))
			return false;
	} while (eat(c, ','));
	return eat(c, '}');
}

static bool
services(struct cmp *c, struct ctl_compare_node *node, char *why,
    size_t why_len)
{
	if (!eat(c, '['))
		return false;
	if (eat(c, ']'))
		return true;
	do {
		if (node->nservices == CTL_COMPARE_SERVICES_MAX) {
			snprintf(why, why_len, "more than %d virtual services",
			    CTL_COMPARE_SERVICES_MAX);
			return false;
		}
		if (!service(c, &node->services[node->nservices++]))
			return false;
	} while (eat(c, ','));
	return eat(c, ']');
}

int
ctl_compare_parse(const char *text, size_t len, struct ctl_compare_node *node,
    size_t *used, char *why, size_t why_len)
{
	struct cmp c = { .p = text, .end = text + len };
	char key[40];

	snprintf(why, why_len, "not a vipctl status --json document");
	node->nservices = 0;
	if (!eat(&c, '{'))
		return -1;
	if (!eat(&c, '}')) {
		do {
			if (!string(&c, key, sizeof(key)) || !eat(&c, ':'))
				return -1;
			if (strcmp(key, "router_id") == 0) {
				if (!text_or_null(&c, node->name,
				    sizeof(node->name)))
					return -1;
			} else if (strcmp(key, "virtual_services") == 0) {
				if (!services(&c, node, why, why_len))
					return -1;
			} else if (!skip(&c))
				return -1;
		} while (eat(&c, ','));
		if (!eat(&c, '}'))
			return -1;
	}
	ws(&c);
	*used = (size_t)(c.p - text);
	why[0] = '\0';
	return 0;
}

static const struct ctl_compare_service *
find(const struct ctl_compare_node *node, const char *name)
{
	for (size_t i = 0; i < node->nservices; i++)
		if (strcmp(node->services[i].name, name) == 0)
			return &node->services[i];
	return NULL;
}

/* Whether service `name` was reported already (by an earlier node). */
static bool
seen_before(const struct ctl_compare_node *nodes, size_t upto,
    const char *name)
{
	for (size_t k = 0; k < upto; k++)
		if (find(&nodes[k], name) != NULL)
			return true;
	return false;
}

/*
 * One service over every node: its lines, and whether the nodes agree.
 * The reference digest is the one most nodes have (the first of them on
 * a tie); a node without the service disagrees too.
 */
static bool
report_service(FILE *f, const struct ctl_compare_node *nodes, size_t n,
    const char *name)
{
	const char *ref = NULL;
	size_t best = 0, odd = 0;

	for (size_t k = 0; k < n; k++) {
		const struct ctl_compare_service *s = find(&nodes[k], name);
		size_t same = 0;

		if (s == NULL)
			continue;
		for (size_t j = 0; j < n; j++) {
			const struct ctl_compare_service *o = find(&nodes[j],
			    name);

			same += o != NULL && strcmp(o->digest, s->digest) == 0;
		}
		if (same > best) {
			best = same;
			ref = s->digest;
		}
	}
	fprintf(f, "service %s\n", name);
	for (size_t k = 0; k < n; k++) {
		const struct ctl_compare_service *s = find(&nodes[k], name);
		bool differs = s == NULL || strcmp(s->digest, ref) != 0;

		odd += differs;
		if (s == NULL) {
			fprintf(f, "  %-20s (no such service)%s\n", nodes[k].name,
			    "  <- differs");
			continue;
		}
		fprintf(f, "  %-20s digest %-16s  %s%s%s%s%s\n", nodes[k].name,
		    s->digest[0] ? s->digest : "-", s->state[0] ? s->state :
		    "not announced", s->reason[0] ? " (" : "", s->reason,
		    s->reason[0] ? ")" : "", differs ? "  <- differs" : "");
	}
	if (odd == 0) {
		fprintf(f, "  %zu nodes agree\n", n);
		return true;
	}
	fprintf(f, "  disagree:");
	for (size_t k = 0; k < n; k++) {
		const struct ctl_compare_service *s = find(&nodes[k], name);

		if (s == NULL || strcmp(s->digest, ref) != 0)
			fprintf(f, " %s", nodes[k].name);
	}
	fprintf(f, " (%zu of %zu nodes have digest %s)\n", best, n,
	    ref[0] ? ref : "-");
	return false;
}

size_t
ctl_compare_report(FILE *f, const struct ctl_compare_node *nodes, size_t n)
{
	size_t bad = 0;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < nodes[k].nservices; i++) {
			const char *name = nodes[k].services[i].name;

			if (!seen_before(nodes, k, name) &&
			    find(&nodes[k], name) == &nodes[k].services[i])
				bad += !report_service(f, nodes, n, name);
		}
	return bad;
}
