/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VMAC and accept-mode keys of an instance (lib/conf/conf_vmac.c,
 * lib/conf/conf_vrrp.c): defaults, names per family, errors with FILE:LINE.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conf/conf.h"

static struct conf_errors errs;

static struct conf *
load(const char *text, int want_rc)
{
	struct conf *c = NULL;
	int rc = conf_load_string(text, "t.conf", &c, &errs);

	if (rc != want_rc)
		for (size_t i = 0; i < errs.stored; i++)
			print_message("  got: %s\n", errs.msg[i]);
	assert_int_equal(rc, want_rc);
	return c;
}

static void
test_vmac_defaults_and_names(void **state)
{
	struct conf *c;

	(void)state;
	c = load("vrrp_instances = (\n"
	    "  { name = \"a\"; interface = \"eth0\"; vrid = 51;\n"
	    "    use_vmac = true; accept_mode = false;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"b\"; interface = \"eth1\"; vrid = 51;\n"
	    "    use_vmac = true; vmac_name = \"vm-b\";\n"
	    "    addresses = ( \"192.0.2.11/24\" ); },\n"
	    "  { name = \"c\"; interface = \"eth0\"; vrid = 51;\n"
	    "    use_vmac = true;\n"
	    "    addresses = ( \"2001:db8::10/64\" ); },\n"
	    "  { name = \"d\"; interface = \"eth0\"; vrid = 52;\n"
	    "    addresses = ( \"192.0.2.12/24\" ); }\n"
	    ");\n", 0);
	assert_true(c->instances[0].use_vmac);
	assert_string_equal(c->instances[0].vmac_name, "vrrp.51");
	assert_false(c->instances[0].accept_mode);
	assert_string_equal(c->instances[1].vmac_name, "vm-b");
	assert_true(c->instances[1].accept_mode);       /* keepalived's default */
	assert_string_equal(c->instances[2].vmac_name, "vrrp6.51");
	assert_false(c->instances[3].use_vmac);
	conf_free(c);
}

static void
test_two_instances_cannot_share_a_vmac_name(void **state)
{
	(void)state;
	load("vrrp_instances = (\n"
	    "  { name = \"a\"; interface = \"eth0\"; vrid = 51;\n"
	    "    use_vmac = true;\n"
	    "    addresses = ( \"192.0.2.10/24\" ); },\n"
	    "  { name = \"b\"; interface = \"eth1\"; vrid = 51;\n"
	    "    use_vmac = true;\n"                               /* 6 */
	    "    addresses = ( \"192.0.2.11/24\" ); }\n"
	    ");\n", -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "t.conf:6: vrrp_instances[b].vmac_name: "
	    "'vrrp.51' is already the VMAC interface of a (line 2); set "
	    "vmac_name");
}

static void
test_vmac_name_change_is_not_equal(void **state)
{
	struct conf *c;
	struct conf_instance b;

	(void)state;
	c = load("vrrp_instances = (\n"
	    "  { name = \"a\"; interface = \"eth0\"; vrid = 51;\n"
	    "    use_vmac = true; addresses = ( \"192.0.2.10/24\" ); }\n"
	    ");\n", 0);
	b = c->instances[0];
	assert_true(conf_instance_equal(&c->instances[0], &b));
	strcpy(b.vmac_name, "other");
	assert_false(conf_instance_equal(&c->instances[0], &b));
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmac_defaults_and_names),
		cmocka_unit_test(test_two_instances_cannot_share_a_vmac_name),
		cmocka_unit_test(test_vmac_name_change_is_not_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
