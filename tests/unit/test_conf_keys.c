/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The key registry (lib/conf/conf_keys.c) against the parser: every section
 * path leads to a group whose keys are checked with exactly that section's
 * list (each listed key accepted there, any other refused), and the paths
 * form one tree under the top level.
 *
 * `test_conf_keys --list` prints "PATH KEY" for every key instead, one a
 * line: tests/system/test_docs.py checks vipd.conf(5) and etc/vipd.conf
 * against that list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "conf/conf_keys.h"

#define PROBE "zz_probe"

/* Sections whose settings are lists of groups, not one group. */
static const char *const list_sections[] = { "vrrp_instances",
	"sync_groups", "track_scripts", "virtual_services", "backends",
	"track_interfaces", "track_files", "links", "urls", "addresses",
	"virtual_routes", "virtual_rules", "static_addresses", "static_routes",
	"static_rules", "bfd_sessions", "track_bfd", "track_processes", "select",
	NULL };

/* What a section's parent must hold for the parser to read the section. */
static const struct {
	const char *path, *parent_text;
} needs[] = {
	{ "vrrp_instances.authentication", "version = 2; " },
	{ "virtual_services.backends.check.urls", "type = \"http\"; " },
};

static bool
in(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

static bool
is_list(const char *name)
{
	return in(name, list_sections);
}

/* Appends to buf, asserting that it fits. */
static void
add(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	assert_true(used + strlen(s) < len);
	memcpy(buf + used, s, strlen(s) + 1);
}

/*
 * The config that holds, at `path`, one group of `keys` (each set to 0,
 * right or wrong type alike: only the key check matters here), plus the
 * key PROBE when probe is set.
 */
static void
config_at(const char *path, const char *const *keys, bool probe, char *buf,
    size_t len)
{
	char name[64], open[96];
	const char *p = path, *dot;
	int depth = 0;

	buf[0] = '\0';
	while (*p != '\0') {
		dot = strchr(p, '.');
		snprintf(name, sizeof(name), "%.*s",
		    (int)(dot != NULL ? (size_t)(dot - p) : strlen(p)), p);
		snprintf(open, sizeof(open), "%s = %s{ ", name,
		    is_list(name) ? "( " : "");
		add(buf, len, open);
		depth++;
		p = dot != NULL ? dot + 1 : p + strlen(p);
		/* Just inside the parent: only the last name is left. */
		for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
			if (strcmp(needs[i].path, path) == 0 &&
			    strchr(p, '.') == NULL && *p != '\0')
				add(buf, len, needs[i].parent_text);
	}
	for (; *keys != NULL; keys++) {
		snprintf(open, sizeof(open), "%s = 0; ", *keys);
		add(buf, len, open);
	}
	if (probe)
		add(buf, len, PROBE " = 0; ");
	/* Close from the innermost: each level's name decides its bracket. */
	for (int d = depth; d > 0; d--) {
		const char *s = path;

		for (int i = 1; i < d; i++)
			s = strchr(s, '.') + 1;
		dot = strchr(s, '.');
		snprintf(name, sizeof(name), "%.*s",
		    (int)(dot != NULL ? (size_t)(dot - s) : strlen(s)), s);
		add(buf, len, is_list(name) ? "} ); " : "}; ");
	}
}

/* How many stored messages say that `key` is unknown. */
static int
unknown(const struct conf_errors *errs, const char *key)
{
	char want[96];
	int n = 0;

	snprintf(want, sizeof(want), "unknown key '%s'", key);
	for (size_t i = 0; i < errs->stored; i++)
		n += strstr(errs->msg[i], want) != NULL;
	return n;
}

static void
test_each_section_checks_its_own_keys(void **state)
{
	static char text[8192];
	const struct conf_keys_section *s;
	struct conf_errors errs;
	struct conf *c;

	(void)state;
	for (s = conf_keys_sections; s->path != NULL; s++) {
		if (s->path[0] == '\0')
			continue;               /* the top level: the sections */
		config_at(s->path, s->keys, true, text, sizeof(text));
		memset(&errs, 0, sizeof(errs));
		c = NULL;
		assert_int_not_equal(conf_load_string(text, "t.conf", &c, &errs),
		    0);
		for (const char *const *k = s->keys; *k != NULL; k++)
			if (unknown(&errs, *k) != 0) {
				print_message("%s: '%s' refused:\n%s\n", s->path,
				    *k, text);
				fail();
			}
		if (unknown(&errs, PROBE) != 1) {
			print_message("%s: no key check reached:\n%s\n",
			    s->path, text);
			fail();
		}
	}
}

static void
test_top_level_names_every_section(void **state)
{
	const struct conf_keys_section *s;
	struct conf_errors errs;
	struct conf *c = NULL;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	assert_int_not_equal(conf_load_string(PROBE " = 0;\n", "t.conf", &c,
	    &errs), 0);
	assert_int_equal(unknown(&errs, PROBE), 1);
	assert_string_equal(conf_keys_sections[0].path, "");
	for (s = conf_keys_sections + 1; s->path != NULL; s++)
		if (strchr(s->path, '.') == NULL)
			assert_true(in(s->path, conf_top_keys));
	for (const char *const *k = conf_top_keys; *k != NULL; k++) {
		for (s = conf_keys_sections; s->path != NULL; s++)
			if (strcmp(s->path, *k) == 0)
				break;
		if (s->path == NULL) {
			print_message("top-level section %s has no entry\n", *k);
			fail();
		}
	}
}

/* Each path is its parent's path plus a key of the parent's list, once. */
static void
test_paths_form_one_tree(void **state)
{
	const struct conf_keys_section *s, *t, *parent;
	const char *dot;

	(void)state;
	for (s = conf_keys_sections + 1; s->path != NULL; s++) {
		assert_non_null(s->keys[0]);
		dot = strrchr(s->path, '.');
		parent = conf_keys_sections;
		for (t = conf_keys_sections + 1; t < s && dot != NULL; t++)
			if (strlen(t->path) == (size_t)(dot - s->path) &&
			    strncmp(t->path, s->path, (size_t)(dot - s->path)) == 0)
				parent = t;
		if (dot != NULL && parent == conf_keys_sections) {
			print_message("%s: parent missing or later\n", s->path);
			fail();
		}
		assert_true(in(dot != NULL ? dot + 1 : s->path, parent->keys));
		for (t = conf_keys_sections; t < s; t++)
			assert_string_not_equal(t->path, s->path);
	}
}

static int
list_keys(void)
{
	for (const struct conf_keys_section *s = conf_keys_sections;
	    s->path != NULL; s++)
		for (const char *const *k = s->keys; *k != NULL; k++)
			printf("%s %s\n", s->path[0] != '\0' ? s->path : ".", *k);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_section_checks_its_own_keys),
		cmocka_unit_test(test_top_level_names_every_section),
		cmocka_unit_test(test_paths_form_one_tree),
	};

	if (argc == 2 && strcmp(argv[1], "--list") == 0)
		return list_keys();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
