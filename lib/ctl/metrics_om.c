/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_om - OpenMetrics text from the JSON dump (rules in metrics_om.h).
 *
 * The input is vipd's own dump_write_json() output, but the walker still
 * checks every bound: nesting, name and label lengths, family count.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/metrics_om.h"

#define OM_NAME_MAX 160
#define OM_LABELS_MAX 1024
#define OM_DEPTH_MAX 32

enum om_kind { OM_GAUGE, OM_COUNTER, OM_STATESET };

struct om_family {
	char name[OM_NAME_MAX];
	char path[OM_NAME_MAX];         /* where in vipd.json, for # HELP */
	enum om_kind kind;
	bool seconds;
	char *buf;                      /* its samples */
	size_t len;
	FILE *f;
};

struct om {
	const char *p, *end;
	int depth;
	bool failed;
	size_t nfam;
	struct om_family *fam;
	char labels[OM_LABELS_MAX];     /* label="value",... of the enclosing arrays */
};

/*
 * The state sets: a key's every possible value, so that a stateset says 0
 * for each state it is not in (OpenMetrics: a stateset has all its states
 * in every exposition, or a query for "down" finds no series for a
 * backend that is up).
 */
static const char *const om_vrrp_states[] = { "INIT", "BACKUP", "MASTER",
	"FAULT", NULL };
static const char *const om_health_states[] = { "unknown", "up", "down", NULL };
static const char *const om_role_states[] = { "sender", "receiver", NULL };
static const char *const om_bfd_states[] = { "AdminDown", "Down", "Init",
	"Up", NULL };                     /* bfd_state_name */
static const char *const om_fwd_states[] = { "nat", "dr", NULL };
/* No fixed states: the one sample carries the digest as its label. */
static const char *const om_digest_states[] = { NULL };
/* The first match wins: a set for one prefix before the key's default. */
static const struct {
	const char *prefix;               /* NULL: any */
	const char *key;
	const char *const *states;
} om_statesets[] = {
	{ "bfd_session_", "state", om_bfd_states },   /* bfd.sessions */
	{ NULL, "state", om_vrrp_states },      /* instances, sync groups */
	{ NULL, "health", om_health_states },   /* backends (check_health_name) */
	{ NULL, "role", om_role_states },       /* conn_sync */
	{ NULL, "forwarding", om_fwd_states },  /* virtual services */
	{ NULL, "table_digest", om_digest_states }, /* virtual services (hex) */
};

static void
om_ws(struct om *om)
{
	while (om->p < om->end && strchr(" \t\r\n", *om->p) != NULL && *om->p)
		om->p++;
}

static bool
om_eat(struct om *om, char c)
{
	om_ws(om);
	if (om->p < om->end && *om->p == c) {
		om->p++;
		return true;
	}
	return false;
}

static char
om_peek(struct om *om)
{
	om_ws(om);
	return om->p < om->end ? *om->p : '\0';
}

/* A string into out (cap > 0); escapes other than ASCII become '?'. */
static bool
om_string(struct om *om, char *out, size_t cap)
{
	size_t o = 0;

	if (!om_eat(om, '"'))
		return false;
	while (om->p < om->end && *om->p != '"') {
		char c = *om->p++;

		if (c == '\\' && om->p < om->end) {
			c = *om->p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'u') {
				c = '?';
				om->p += (om->end - om->p >= 4) ? 4 : om->end - om->p;
			}
		}
		if (o + 1 < cap)
			out[o++] = c;
	}
	out[o] = '\0';
	return om_eat(om, '"');
}

static bool om_skip(struct om *om);

static bool
om_skip_container(struct om *om, char close, bool object)
{
	char key[8];

	if (++om->depth > OM_DEPTH_MAX)
		return false;
	if (!om_eat(om, close)) {
		do {
			if (object && (!om_string(om, key, sizeof(key)) ||
			    !om_eat(om, ':')))
				return false;
			if (!om_skip(om))
				return false;
		} while (om_eat(om, ','));
		if (!om_eat(om, close))
			return false;
	}
	om->depth--;
	return true;
}

static bool
om_skip(struct om *om)
{
	char tmp[8];

	switch (om_peek(om)) {
	case '"':
		return om_string(om, tmp, sizeof(tmp));
	case '{':
		om->p++;
		return om_skip_container(om, '}', true);
	case '[':
		om->p++;
		return om_skip_container(om, ']', false);
	case '\0':
		return false;
	}
	/* number, true, false, null */
	while (om->p < om->end && strchr(",]} \t\r\n", *om->p) == NULL)
		om->p++;
	return true;
}

/* ---- families and samples ---------------------------------------------- */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * vipd_ + prefix + key, in [a-z0-9_]; "_ms" and "_s" become "_seconds"
 * (*seconds says so; only _ms values need dividing, see om_number).
 */
static bool
om_family_name(char *out, const char *prefix, const char *key, bool *seconds)
{
	char raw[OM_NAME_MAX];
	size_t n, cut = ends_with(key, "_ms") ? 3 : ends_with(key, "_s") ? 2 : 0;

	*seconds = cut > 0;
	n = (size_t)snprintf(raw, sizeof(raw), "vipd_%s%.*s%s", prefix,
	    (int)(strlen(key) - cut), key, *seconds ? "_seconds" : "");
	if (n >= sizeof(raw))
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = raw[i];

		out[i] = (c == '\0' || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_') ? c :
		    (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : '_';
	}
	/* A counter's family must not end in _total: the sample adds it. */
	if (ends_with(out, "_total"))
		out[strlen(out) - 6] = '\0';
	return true;
}

static struct om_family *
om_family(struct om *om, const char *name, const char *path, enum om_kind kind,
    bool seconds)
{
	struct om_family *f;

	for (size_t i = 0; i < om->nfam; i++)
		if (strcmp(om->fam[i].name, name) == 0)
			return om->fam[i].kind == kind ? &om->fam[i] : NULL;
	if (om->nfam == METRICS_OM_MAX_FAMILIES)
		return NULL;
	f = &om->fam[om->nfam];
	memset(f, 0, sizeof(*f));
	if ((f->f = open_memstream(&f->buf, &f->len)) == NULL) {
		om->failed = true;
		return NULL;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->kind = kind;
	f->seconds = seconds;
	om->nfam++;
	return f;
}

/* name{labels[,extra]} value */
static void
om_sample(struct om *om, struct om_family *f, const char *extra,
    const char *value)
{
	const char *sep = om->labels[0] && extra[0] ? "," : "";

	fprintf(f->f, "%s%s", f->name, f->kind == OM_COUNTER ? "_total" : "");
	if (om->labels[0] || extra[0])
		fprintf(f->f, "{%s%s%s}", om->labels, sep, extra);
	fprintf(f->f, " %s\n", value);
}

/* label="value" with OpenMetrics escapes, appended to buf. */
static bool
om_label(char *buf, size_t cap, const char *name, const char *value)
{
	size_t o = strlen(buf);

	o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s=\"",
	    o ? "," : "", name);
	for (; *value && o + 3 < cap; value++) {
		if (*value == '"' || *value == '\\' || *value == '\n')
			buf[o++] = '\\';
		buf[o++] = *value == '\n' ? 'n' : *value;
	}
	if (o + 2 >= cap)
		return false;
	buf[o++] = '"';
	buf[o] = '\0';
	return true;
}

/* A number token; gauges and counters keep its text unless in seconds. */
static void
om_number(struct om *om, const char *prefix, const char *path,
    const char *key, enum om_kind kind, const char *extra)
{
	const char *start;
	char name[OM_NAME_MAX], value[64];
	bool seconds;
	struct om_family *f;

	om_ws(om);
	start = om->p;
	om_skip(om);
	snprintf(value, sizeof(value), "%.*s", (int)(om->p - start), start);
	if (!om_family_name(name, prefix, key, &seconds) ||
	    (f = om_family(om, name, path, kind, seconds)) == NULL)
		return;
	if (seconds && ends_with(key, "_ms"))
		snprintf(value, sizeof(value), "%.3f", strtod(value, NULL) / 1000.0);
	om_sample(om, f, extra, value);
}

/* The states of key's set under prefix, or NULL when it has none. */
static const char *const *
om_stateset_of(const char *prefix, const char *key)
{
	for (size_t i = 0; i < sizeof(om_statesets) / sizeof(om_statesets[0]); i++)
		if (strcmp(key, om_statesets[i].key) == 0 &&
		    (om_statesets[i].prefix == NULL ||
		    strcmp(prefix, om_statesets[i].prefix) == 0))
			return om_statesets[i].states;
	return NULL;
}

/*
 * Every state of the set, 1 for the current one. A value outside the set
 * (a module that added a state without adding it here) still shows, alone.
 */
static void
om_stateset(struct om *om, const char *prefix, const char *path,
    const char *key, const char *state, const char *const *states)
{
	char name[OM_NAME_MAX], label[OM_NAME_MAX + 80];
	bool seconds, known = false;
	struct om_family *f;

	if (!om_family_name(name, prefix, key, &seconds) ||
	    (f = om_family(om, name, path, OM_STATESET, false)) == NULL)
		return;
	for (size_t i = 0; states[i] != NULL; i++)
		known |= strcmp(state, states[i]) == 0;
	for (size_t i = 0; known && states[i] != NULL; i++) {
		label[0] = '\0';
		om_label(label, sizeof(label), name, states[i]);
		om_sample(om, f, label, strcmp(state, states[i]) == 0 ? "1" : "0");
	}
	if (!known) {
		label[0] = '\0';
		om_label(label, sizeof(label), name, state);
		om_sample(om, f, label, "1");
	}
}

/* ---- the walk ---------------------------------------------------------- */

static bool om_object(struct om *om, const char *prefix, const char *path,
		      enum om_kind kind);

/*
 * "drops": {"reason": n, ...} -> one counter family, reason as label;
 * "drift_repairs": {"kind": n, ...} the same with kind as label.
 */
static bool
om_label_map(struct om *om, const char *prefix, const char *path,
    const char *key, const char *label_name)
{
	char member[64], label[160];

	if (!om_eat(om, '{'))
		return false;
	if (om_eat(om, '}'))
		return true;
	do {
		if (!om_string(om, member, sizeof(member)) || !om_eat(om, ':'))
			return false;
		label[0] = '\0';
		om_label(label, sizeof(label), label_name, member);
		if (strchr("-0123456789", om_peek(om)) != NULL)
			om_number(om, prefix, path, key, OM_COUNTER, label);
		else if (!om_skip(om))
			return false;
	} while (om_eat(om, ','));
	return om_eat(om, '}');
}

/*
 * The label value of an array element: its "name", else its "address"
 * (with ":port" when it has a "port", so that two backends on one host
 * stay apart).
 */
static bool
om_element_name(struct om *om, char *out, size_t cap)
{
	struct om probe = *om;
	char key[32], name[128] = "", addr[128] = "", port[16] = "";
	const char *start;

	if (!om_eat(&probe, '{') || om_eat(&probe, '}'))
		return false;
	do {
		if (!om_string(&probe, key, sizeof(key)) || !om_eat(&probe, ':'))
			return false;
		if (om_peek(&probe) == '"' && strcmp(key, "name") == 0) {
			if (!om_string(&probe, name, sizeof(name)))
				return false;
		} else if (om_peek(&probe) == '"' && strcmp(key, "address") == 0) {
			if (!om_string(&probe, addr, sizeof(addr)))
				return false;
		} else {
			om_ws(&probe);
			start = probe.p;
			if (!om_skip(&probe))
				return false;
			if (strcmp(key, "port") == 0)
				snprintf(port, sizeof(port), "%.*s",
				    (int)(probe.p - start), start);
		}
	} while (om_eat(&probe, ','));
	if (name[0] != '\0')
		snprintf(out, cap, "%s", name);
	else if (addr[0] != '\0' && port[0] != '\0')
		snprintf(out, cap, strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr,
		    port);
	else
		snprintf(out, cap, "%s", addr);
	return out[0] != '\0';
}

/* {"a": 1, "b": 2}: an object of numbers only is a set of counters. */
static bool
om_all_numbers(struct om *om)
{
	struct om probe = *om;
	char key[64];

	if (!om_eat(&probe, '{') || om_eat(&probe, '}'))
		return false;
	do {
		if (!om_string(&probe, key, sizeof(key)) || !om_eat(&probe, ':') ||
		    strchr("-0123456789", om_peek(&probe)) == NULL ||
		    om_peek(&probe) == '\0' || !om_skip(&probe))
			return false;
	} while (om_eat(&probe, ','));
	return om_eat(&probe, '}');
}

/* Names that count events are counters wherever they appear. */
static bool
om_counter_name(const char *key)
{
	static const char *const suffixes[] = { "_total", "bytes", "packets",
		"connections", "checks", "transactions", "runs", "successes",
		"failures", "timeouts", "_failed", "_errors", "_changes",
		"_dropped", "_refused", NULL };

	for (size_t i = 0; suffixes[i] != NULL; i++)
		if (ends_with(key, suffixes[i]))
			return true;
	return false;
}

static bool
om_array(struct om *om, const char *prefix, const char *path, const char *key,
    enum om_kind kind)
{
	char singular[64], name[128], sub[OM_NAME_MAX], subpath[OM_NAME_MAX];
	size_t saved = strlen(om->labels);

	snprintf(singular, sizeof(singular), "%s", key);
	if (ends_with(singular, "s"))
		singular[strlen(singular) - 1] = '\0';
	snprintf(sub, sizeof(sub), "%s%s_", prefix, singular);
	snprintf(subpath, sizeof(subpath), "%s%s[].", path, key);
	if (!om_eat(om, '['))
		return false;
	if (om_eat(om, ']'))
		return true;
	do {
		if (om_peek(om) != '{' || !om_element_name(om, name, sizeof(name))) {
			if (!om_skip(om))
				return false;
			continue;
		}
		if (!om_label(om->labels, sizeof(om->labels), singular, name) ||
		    !om_object(om, sub, subpath, kind))
			return false;
		om->labels[saved] = '\0';
	} while (om_eat(om, ','));
	return om_eat(om, ']');
}

static bool
om_member(struct om *om, const char *prefix, const char *path,
    const char *key, enum om_kind kind)
{
	char sub[OM_NAME_MAX], subpath[OM_NAME_MAX], text[64];
	char c = om_peek(om);

	snprintf(subpath, sizeof(subpath), "%s%s", path, key);
	if (c == '{') {
		if (strcmp(key, "counters") == 0) {
			strncat(subpath, ".", sizeof(subpath) - strlen(subpath) - 1);
			return om_object(om, prefix, subpath, OM_COUNTER);
		}
		if (ends_with(key, "drops"))
			return om_label_map(om, prefix, subpath, key, "reason");
		if (strcmp(key, "drift_repairs") == 0 ||
		    strcmp(key, "drift_failures") == 0)
			return om_label_map(om, prefix, subpath, key, "kind");
		snprintf(sub, sizeof(sub), "%s%.*s_", prefix, (int)(strlen(key) -
		    (ends_with(key, "_counters") ? 9 : 0)), key);
		strncat(subpath, ".", sizeof(subpath) - strlen(subpath) - 1);
		return om_object(om, sub, subpath, ends_with(key, "_counters") ||
		    om_all_numbers(om) ? OM_COUNTER : kind);
	}
	if (c == '[')
		return om_array(om, prefix, path, key, kind);
	if (c == '"') {
		if (!om_string(om, text, sizeof(text)))
			return false;
		if (om_stateset_of(prefix, key) != NULL)
			om_stateset(om, prefix, subpath, key, text,
			    om_stateset_of(prefix, key));
		return true;
	}
	if (c == 't' || c == 'f') {
		bool truth = c == 't';
		char name[OM_NAME_MAX];
		bool seconds;
		struct om_family *f;

		om_skip(om);
		if (om_family_name(name, prefix, key, &seconds) &&
		    (f = om_family(om, name, subpath, OM_GAUGE, false)) != NULL)
			om_sample(om, f, "", truth ? "1" : "0");
		return true;
	}
	if (strchr("-0123456789", c) != NULL && c != '\0') {
		/* The pid and monotonic stamps say nothing as time series. */
		if ((prefix[0] == '\0' && strcmp(key, "pid") == 0) ||
		    strcmp(key, "at_ms") == 0)
			return om_skip(om);
		/* The process's own counters sit beside gauges at the top. */
		if ((prefix[0] == '\0' && strncmp(key, "reloads", 7) == 0) ||
		    om_counter_name(key))
			kind = OM_COUNTER;
		om_number(om, prefix, subpath, key, kind, "");
		return true;
	}
	return om_skip(om);
}

static bool
om_object(struct om *om, const char *prefix, const char *path,
    enum om_kind kind)
{
	char key[64];

	if (++om->depth > OM_DEPTH_MAX || !om_eat(om, '{'))
		return false;
	if (!om_eat(om, '}')) {
		do {
			if (!om_string(om, key, sizeof(key)) || !om_eat(om, ':') ||
			    !om_member(om, prefix, path, key, kind))
				return false;
		} while (om_eat(om, ','));
		if (!om_eat(om, '}'))
			return false;
	}
	om->depth--;
	return true;
}

static void
om_emit(FILE *out, struct om_family *f)
{
	static const char *const types[] = { "gauge", "counter", "stateset" };

	fflush(f->f);
	fprintf(out, "# TYPE %s %s\n", f->name, types[f->kind]);
	if (f->seconds)
		fprintf(out, "# UNIT %s seconds\n", f->name);
	fprintf(out, "# HELP %s vipd.json %s\n", f->name, f->path);
	fwrite(f->buf, 1, f->len, out);
}

int
metrics_om_write(FILE *out, const char *json, size_t len)
{
	struct om om = { .p = json, .end = json + len };
	bool ok;

	if ((om.fam = calloc(METRICS_OM_MAX_FAMILIES, sizeof(*om.fam))) == NULL) {
		fprintf(out, "# EOF\n");
		return -ENOMEM;
	}
	ok = om_object(&om, "", "", OM_GAUGE);
	for (size_t i = 0; i < om.nfam; i++) {
		if (ok && !om.failed)
			om_emit(out, &om.fam[i]);
		fclose(om.fam[i].f);
		free(om.fam[i].buf);
	}
	fprintf(out, "# EOF\n");
	free(om.fam);
	return om.failed ? -ENOMEM : ok ? 0 : -EINVAL;
}
