/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs: the kept set, its names, and the drop itself (in a child process,
 * so the test runner keeps whatever it had).
 */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "os/privs.h"

#define BIT(c) (UINT64_C(1) << (c))

static void
test_keep_mask_is_the_documented_set(void **state)
{
	uint64_t keep = privs_keep_mask();

	(void)state;
	assert_true(keep == (BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW) |
	    BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID) | BIT(CAP_SETGID) |
	    BIT(CAP_KILL)));
	assert_false(keep & BIT(CAP_SYS_ADMIN));
	assert_false(keep & BIT(CAP_DAC_OVERRIDE));
	assert_false(keep & BIT(CAP_SETPCAP));
}

static void
test_mask_names(void **state)
{
	char buf[160], tiny[16];

	(void)state;
	assert_string_equal(privs_mask_str(BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW),
	    buf, sizeof(buf)), "cap_net_admin,cap_net_raw");
	assert_string_equal(privs_mask_str(0, buf, sizeof(buf)), "none");
	/* Capabilities vipd never keeps are not named: it never holds them. */
	assert_string_equal(privs_mask_str(BIT(CAP_SYS_ADMIN), buf, sizeof(buf)),
	    "none");
	/* Too small a buffer: whole names only, still a string. */
	privs_mask_str(privs_keep_mask(), tiny, sizeof(tiny));
	assert_string_equal(tiny, "cap_net_admin");
}

static uint64_t
effective_now(uint64_t *permitted, uint64_t *inheritable)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d) < 0)
		return UINT64_MAX;
	*permitted = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inheritable = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

/* Runs in the child: 0 when the sets are what privs_drop() promises. */
static int
child_drops(void)
{
	struct privs_report r;
	uint64_t prm_before, inh, eff_before = effective_now(&prm_before, &inh);
	uint64_t prm, eff;

	if (privs_drop(&r) != 0)
		return 1;
	eff = effective_now(&prm, &inh);
	if (eff != (eff_before & privs_keep_mask()) || r.kept != eff)
		return 2;
	if (prm != (prm_before & privs_keep_mask()) || inh != 0)
		return 3;
	if (r.bounding_dropped && (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0 ||
	    (eff_before & BIT(CAP_NET_ADMIN) &&
	    prctl(PR_CAPBSET_READ, CAP_NET_ADMIN) != 1)))
		return 4;
	return 0;
}

static void
test_drop_leaves_only_the_kept_set(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	if ((pid = fork()) == 0)
		_exit(child_drops());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Runs in the child: 0 when privs_missing() names what the set lacks. */
static int
child_missing(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	uint64_t prm, inh, eff = effective_now(&prm, &inh), missing = 0;
	uint64_t need = BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW);

	if (privs_need_mask() != need || privs_missing(&missing) != 0 ||
	    missing != (need & ~eff))
		return 1;
	/* Without CAP_NET_RAW in the effective set, it is named. */
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d) < 0)
		return 2;
	d[0].effective &= ~(uint32_t)BIT(CAP_NET_RAW);
	if (syscall(SYS_capset, &hdr, d) < 0)
		return 3;
	if (privs_missing(&missing) != 0 || !(missing & BIT(CAP_NET_RAW)) ||
	    (missing & ~need) != 0)
		return 4;
	return 0;
}

static void
test_missing_names_the_absent_needed_capabilities(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	if ((pid = fork()) == 0)
		_exit(child_missing());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_mask_is_the_documented_set),
		cmocka_unit_test(test_mask_names),
		cmocka_unit_test(test_drop_leaves_only_the_kept_set),
		cmocka_unit_test(test_missing_names_the_absent_needed_capabilities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
