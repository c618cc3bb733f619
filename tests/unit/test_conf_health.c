/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_health and conf_groups, the health keys of the configuration:
 * track_scripts, sync_groups, global.notify_fifo, and per instance
 * track_interfaces, track_scripts, track_files and notify; every error
 * with its FILE:LINE; and the script audit of what they name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "health/health.h"
#include "health/script_audit.h"

static struct conf_errors errs;

static void
expect_errors_v(const char *text, const char *const *want)
{
	struct conf *c = NULL;
	size_t n = 0;
	int rc;

	rc = conf_load_string(text, "t.conf", &c, &errs);
	while (want[n] != NULL)
		n++;
	if (rc != -EINVAL || errs.count != n)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(rc, -EINVAL);
	assert_null(c);
	assert_int_equal(errs.count, n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(errs.msg[i], want[i]) != 0)
			print_message("  got: %s\n", errs.msg[i]);
		assert_string_equal(errs.msg[i], want[i]);
	}
}

#define EXPECT_ERRORS(text, ...) \
	expect_errors_v(text, (const char *const[]){ __VA_ARGS__, NULL })

static const char good[] =
    "global = { script_user = \"nobody\"; notify_fifo = \"/run/vipd/fifo\"; };\n"
    "track_scripts = (\n"
    "  { name = \"chk_web\"; command = [ \"/usr/bin/curl\", \"-fsS\", \"http://x/\" ];\n"
    "    interval_ms = 2000; timeout_ms = 1000; rise = 2; fall = 3; },\n"
    "  { name = \"chk_db\"; command = [ \"/bin/true\" ]; }\n"
    ");\n"
    "vrrp_instances = (\n"
    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
    "    addresses = ( \"192.0.2.10/24\" );\n"
    "    track_interfaces = ( { name = \"eth1\"; weight = 0; },\n"
    "                         { name = \"eth2\"; weight = -20; } );\n"
    "    track_scripts = ( { name = \"chk_web\"; weight = -60; },\n"
    "                      { name = \"chk_db\"; } );\n"
    "    track_files = ( { path = \"/run/vipd/ext.prio\"; } );\n"
    "    notify = { master = \"/etc/vipd/m.sh\"; any = \"/etc/vipd/a.sh\";\n"
    "               timeout_ms = 2000; }; },\n"
    "  { name = \"int\"; interface = \"eth1\"; vrid = 52;\n"
    "    addresses = ( \"10.1.0.10/24\" ); }\n"
    ");\n"
    "sync_groups = ( { name = \"edge\"; members = [ \"ext\", \"int\" ];\n"
    "                  notify = { fault = \"/etc/vipd/f.sh\"; }; } );\n";

static void
test_full_health_config_loads_with_defaults(void **state)
{
	struct conf *c = NULL;
	const struct conf_instance_track *t;

	(void)state;
	assert_int_equal(conf_load_string(good, "t.conf", &c, &errs), 0);
	assert_string_equal(c->global.notify_fifo, "/run/vipd/fifo");
	assert_int_equal(c->ntrack_scripts, 2);
	assert_int_equal(c->track_scripts[0].argc, 3);
	assert_string_equal(c->track_scripts[0].argv[2], "http://x/");
	assert_int_equal(c->track_scripts[0].rise, 2);
	assert_int_equal(c->track_scripts[0].fall, 3);
	assert_int_equal(c->track_scripts[1].interval_ms, 1000);   /* defaults */
	assert_int_equal(c->track_scripts[1].timeout_ms, 1000);
	assert_int_equal(c->track_scripts[1].rise, 1);
	t = &c->instances[0].track;
	assert_int_equal(t->nifs, 2);
	assert_int_equal(t->ifs[1].weight, -20);
	assert_int_equal(t->nscripts, 2);
	assert_int_equal(t->scripts[0].script, 0);
	assert_int_equal(t->scripts[1].script, 1);
	assert_int_equal(t->scripts[1].weight, 0);
	assert_int_equal(t->nfiles, 1);
	assert_int_equal(t->files[0].weight, 1);
	assert_string_equal(t->notify.script[CONF_NOTIFY_MASTER], "/etc/vipd/m.sh");
	assert_null(t->notify.script[CONF_NOTIFY_BACKUP]);
	assert_int_equal(t->notify.timeout_ms, 2000);
	assert_int_equal(c->instances[1].track.notify.timeout_ms, 10000);
	assert_int_equal(c->nsync_groups, 1);
	assert_int_equal(c->sync_groups[0].nmembers, 2);
	assert_int_equal(c->sync_groups[0].members[1], 1);
	assert_string_equal(c->sync_groups[0].notify.script[CONF_NOTIFY_FAULT],
	    "/etc/vipd/f.sh");
	assert_false(conf_instance_equal(&c->instances[0], &c->instances[1]));
	assert_true(conf_instance_equal(&c->instances[0], &c->instances[0]));
	conf_free(c);
}

/* good with its first `from` replaced by `to` (caller frees). */
static char *
good_with(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	size_t head, len;
	char *text;

	assert_non_null(at);
	head = (size_t)(at - good);
	len = strlen(good) - strlen(from) + strlen(to);
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, good, head);
	strcpy(text + head, to);
	strcat(text, at + strlen(from));
	return text;
}

/*
 * The track lists and notify paths are the model's, as long as the file
 * makes them; a reload compares two models by what they hold, so every
 * health setting changed is a difference and a file loaded again is none.
 */
static void
test_track_lists_are_sized_to_the_file_and_compare_by_content(void **state)
{
	static const char *const changes[][2] = {
		{ "\"eth2\"; weight = -20", "\"eth3\"; weight = -20" },
		{ "\"eth2\"; weight = -20", "\"eth2\"; weight = -21" },
		{ ",\n                         { name = \"eth2\"; weight = -20; }",
		  "" },
		{ "\"chk_web\"; weight = -60", "\"chk_web\"; weight = -61" },
		{ "{ name = \"chk_web\"; weight = -60; },\n", "" },
		{ "/run/vipd/ext.prio\";", "/run/vipd/ext.pri\";" },
		{ "/run/vipd/ext.prio\";", "/run/vipd/ext.prio\"; weight = 2;" },
		{ "master = \"/etc/vipd/m.sh\";", "master = \"/etc/vipd/m2.sh\";" },
		{ "master = \"/etc/vipd/m.sh\";", "" },
		{ "master = \"/etc/vipd/m.sh\";",
		  "master = \"/etc/vipd/m.sh\"; backup = \"/etc/vipd/m.sh\";" },
		{ "timeout_ms = 2000; }", "timeout_ms = 3000; }" },
	};
	struct conf *a = NULL, *b = NULL;
	const struct conf_instance_track *t;

	(void)state;
	assert_int_equal(conf_load_string(good, "t.conf", &a, &errs), 0);
	assert_int_equal(conf_load_string(good, "t.conf", &b, &errs), 0);
	t = &a->instances[0].track;
	assert_ptr_not_equal(t->ifs, b->instances[0].track.ifs);
	assert_ptr_not_equal(t->notify.script[CONF_NOTIFY_MASTER],
	    b->instances[0].track.notify.script[CONF_NOTIFY_MASTER]);
	assert_true(conf_instance_equal(&a->instances[0], &b->instances[0]));
	assert_string_equal(t->ifs[1].name, "eth2");
	assert_string_equal(t->scripts[1].name, "chk_db");
	assert_string_equal(t->files[0].path, "/run/vipd/ext.prio");
	assert_string_equal(t->notify.script[CONF_NOTIFY_ANY], "/etc/vipd/a.sh");
	/* Nothing tracked, nothing held. */
	t = &a->instances[1].track;
	assert_null(t->ifs);
	assert_null(t->scripts);
	assert_null(t->files);
	for (int k = 0; k < CONF_NOTIFY__COUNT; k++)
		assert_null(t->notify.script[k]);
	assert_true(conf_instance_equal(&a->instances[1], &b->instances[1]));
	conf_free(b);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		char *text = good_with(changes[i][0], changes[i][1]);

		b = NULL;
		if (conf_load_string(text, "t.conf", &b, &errs) != 0)
			print_message("  change %zu: %s\n", i, errs.msg[0]);
		assert_non_null(b);
		if (conf_instance_equal(&a->instances[0], &b->instances[0]))
			print_message("  change %zu not seen\n", i);
		assert_false(conf_instance_equal(&a->instances[0],
		    &b->instances[0]));
		assert_false(conf_instance_equal(&b->instances[0],
		    &a->instances[0]));
		assert_true(conf_instance_equal(&a->instances[1],
		    &b->instances[1]));
		conf_free(b);
		free(text);
	}
	conf_free(a);
}

/* CONF_MAX_TRACKS of each kind load; one more is refused, as before. */
static void
test_track_lists_keep_their_bound(void **state)
{
	char text[8192];
	size_t len;
	struct conf *c = NULL;

	(void)state;
	for (int n = CONF_MAX_TRACKS; n <= CONF_MAX_TRACKS + 1; n++) {
		len = (size_t)snprintf(text, sizeof(text), "vrrp_instances = (\n"
		    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
		    "    addresses = ( \"192.0.2.10/24\" );\n"
		    "    track_interfaces = (");
		for (int i = 0; i < n; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s{ name = \"eth%d\"; weight = -%d; }", i ? ", " : "",
			    i, i + 1);
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    " );\n    track_files = (");
		for (int i = 0; i < n; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s{ path = \"/run/vipd/f%d\"; }", i ? ", " : "", i);
		snprintf(text + len, sizeof(text) - len, " ); }\n);\n");
		c = NULL;
		if (n == CONF_MAX_TRACKS) {
			assert_int_equal(conf_load_string(text, "t.conf", &c,
			    &errs), 0);
			assert_int_equal(c->instances[0].track.nifs, n);
			assert_int_equal(c->instances[0].track.ifs[n - 1].weight, -n);
			assert_int_equal(c->instances[0].track.nfiles, n);
			assert_string_equal(c->instances[0].track.files[n - 1].path,
			    "/run/vipd/f15");
			conf_free(c);
		} else {
			assert_int_equal(conf_load_string(text, "t.conf", &c,
			    &errs), -EINVAL);
			assert_null(c);
			assert_int_equal(errs.count, 2);
			assert_string_equal(errs.msg[0], "t.conf:4: "
			    "vrrp_instances[ext].track_interfaces: more than 16 "
			    "entries");
		}
	}
}

static void
test_track_script_errors_name_their_line(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "track_scripts = (\n"
	    "  { name = \"a\"; command = \"/bin/true\"; },\n"
	    "  { name = \"b\"; command = [ \"true\" ]; interval_ms = 5; },\n"
	    "  { name = \"a\"; command = [ \"/bin/true\" ];\n"
	    "    rise = 0; fall = 101; shell = true; },\n"
	    "  { command = ( \"/bin/true\", 3 ); }\n"
	    ");\n",
	    "t.conf:2: track_scripts[a].command: expected [ \"/path\", \"arg\", ... ]",
	    "t.conf:3: track_scripts[b].command[0]: 'true' is not an absolute path",
	    "t.conf:3: track_scripts[b].interval_ms: 5 is out of range 10..3600000",
	    "t.conf:4: track_scripts[a].name: already the name of the script at line 2",
	    "t.conf:5: unknown key 'shell' in track_scripts[a]",
	    "t.conf:5: track_scripts[a].rise: 0 is out of range 1..100",
	    "t.conf:5: track_scripts[a].fall: 101 is out of range 1..100",
	    "t.conf:6: track_scripts[3].name: missing (required)",
	    "t.conf:6: track_scripts[3].command[1]: expected a string");
}

static void
test_instance_track_and_notify_errors_name_their_line(void **state)
{
	(void)state;
	EXPECT_ERRORS(
	    "global = { notify_fifo = \"fifo\"; };\n"
	    "vrrp_instances = (\n"
	    "  { name = \"ext\"; interface = \"eth0\"; vrid = 51;\n"
	    "    addresses = ( \"192.0.2.10/24\" );\n"
	    "    track_interfaces = ( { weight = 300; } );\n"
	    "    track_scripts = ( { name = \"nope\"; } );\n"
	    "    track_files = ( { path = \"/x\"; weight = \"1\"; } );\n"
	    "    notify = { master = \"notify.sh\"; timeout_ms = 50; }; }\n"
	    ");\n"
	    "sync_groups = ( { name = \"g\"; members = [ \"ext\", \"ext\", \"zz\" ]; },\n"
	    "                { name = \"h\"; members = [ \"ext\" ]; } );\n",
	    "t.conf:1: global.notify_fifo: 'fifo' is not an absolute path",
	    "t.conf:5: vrrp_instances[ext].track_interfaces[0].name: missing (required)",
	    "t.conf:5: vrrp_instances[ext].track_interfaces[0].weight: 300 is out of "
	    "range -254..254",
	    "t.conf:6: vrrp_instances[ext].track_scripts[0].name: no track script "
	    "named 'nope' in the top-level track_scripts",
	    "t.conf:7: vrrp_instances[ext].track_files[0].weight: expected an integer",
	    "t.conf:8: vrrp_instances[ext].notify.master: 'notify.sh' is not an "
	    "absolute path",
	    "t.conf:8: vrrp_instances[ext].notify.timeout_ms: 50 is out of range "
	    "100..600000",
	    "t.conf:10: sync_groups[g].members[1]: 'ext' listed twice",
	    "t.conf:10: sync_groups[g].members[2]: no vrrp instance named 'zz'",
	    "t.conf:11: sync_groups[h].members[0]: 'ext' is already a member of sync "
	    "group g (line 10)");
}

/* The script checks of `vipd -t` name the line too: script_user's own. */
static void
test_script_user_error_names_its_line(void **state)
{
	struct conf *c = NULL;

	(void)state;
	assert_int_equal(conf_load_string(
	    "# a comment\n"
	    "global = {\n"
	    "  router_id = \"a\";\n"
	    "  script_user = \"vipd-no-such-user\";\n"
	    "};\n", "t.conf", &c, &errs), 0);
	assert_int_equal(c->global.script_user_line, 4);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(script_audit_conf(c, &errs), 1);
	assert_string_equal(errs.msg[0], "t.conf:4: global.script_user: no user "
	    "named 'vipd-no-such-user' on this system");
	conf_free(c);
	/* Not given: the default's line is global's. */
	assert_int_equal(conf_load_string("\nglobal = { router_id = \"a\"; };\n",
	    "t.conf", &c, &errs), 0);
	assert_int_equal(c->global.script_user_line, 2);
	conf_free(c);
}

/* A world-writable file in a fresh directory of /tmp: refused by anyone. */
static void
writable_script(const char *dir, char *path, size_t plen, const char *name)
{
	FILE *f;

	snprintf(path, plen, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0757), 0);
}

/*
 * The balancer's scripts are audited as track scripts are: quorum_up,
 * quorum_down, and each backend's notify_up and notify_down, one error
 * per program and service.
 */
static void
test_balancer_scripts_are_audited(void **state)
{
	char dir[] = "/tmp/vipd-audit-XXXXXX", up[96], down[96], nup[96],
	    ndown[96], text[2048], want[256];
	struct conf *c = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	writable_script(dir, up, sizeof(up), "q_up");
	writable_script(dir, down, sizeof(down), "q_down");
	writable_script(dir, nup, sizeof(nup), "n_up");
	writable_script(dir, ndown, sizeof(ndown), "n_down");
	snprintf(text, sizeof(text),
	    "virtual_services = (\n"
	    "  { name = \"web\"; address = \"10.0.0.10\"; port = 80;\n"
	    "    quorum_up = [ \"%s\" ]; quorum_down = [ \"%s\", \"x\" ];\n"
	    "    backends = ( { address = \"10.1.0.11\"; notify_up = [ \"%s\" ];\n"
	    "                   notify_down = [ \"%s\" ]; },\n"
	    "                 { address = \"10.1.0.12\"; notify_down = [ \"%s\" ];\n"
	    "                   notify_up = [ \"/bin/true\" ]; } ) }\n);\n",
	    up, down, nup, ndown, ndown);
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), 0);
	memset(&errs, 0, sizeof(errs));
	/* backends[1]'s notify_down is backends[0]'s: one error for both. */
	assert_int_equal(script_audit_conf(c, &errs), 4);
	snprintf(want, sizeof(want), "t.conf:2: virtual_services[web]."
	    "backends[0].notify_up[0]: %s refused: ", nup);
	assert_memory_equal(errs.msg[0], want, strlen(want));
	snprintf(want, sizeof(want), "t.conf:2: virtual_services[web]."
	    "backends[0].notify_down[0]: %s refused: ", ndown);
	assert_memory_equal(errs.msg[1], want, strlen(want));
	snprintf(want, sizeof(want), "t.conf:2: virtual_services[web]."
	    "quorum_up[0]: %s refused: ", up);
	assert_memory_equal(errs.msg[2], want, strlen(want));
	snprintf(want, sizeof(want), "t.conf:2: virtual_services[web]."
	    "quorum_down[0]: %s refused: ", down);
	assert_memory_equal(errs.msg[3], want, strlen(want));
	conf_free(c);
	/* Made safe, they pass. */
	assert_int_equal(chmod(up, 0755), 0);
	assert_int_equal(chmod(down, 0755), 0);
	assert_int_equal(chmod(nup, 0755), 0);
	assert_int_equal(chmod(ndown, 0755), 0);
	assert_int_equal(conf_load_string(text, "t.conf", &c, &errs), 0);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(script_audit_conf(c, &errs), 0);
	conf_free(c);
	assert_int_equal(unlink(up) | unlink(down) | unlink(nup) |
	    unlink(ndown) | rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_health_config_loads_with_defaults),
		cmocka_unit_test(test_track_lists_are_sized_to_the_file_and_compare_by_content),
		cmocka_unit_test(test_track_lists_keep_their_bound),
		cmocka_unit_test(test_track_script_errors_name_their_line),
		cmocka_unit_test(test_instance_track_and_notify_errors_name_their_line),
		cmocka_unit_test(test_script_user_error_names_its_line),
		cmocka_unit_test(test_balancer_scripts_are_audited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
