/*
 * lib/script_sec over a fake file system: which scripts are refused, and
 * that the reason names the component at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "script_sec.h"

struct fake_entry {
	const char *path;
	mode_t mode;          /* with the type bits */
	uid_t uid;
	gid_t gid;
};

struct fake_fs {
	const struct fake_entry *e;
	size_t n;
};

static int
fake_stat(void *ctx, const char *path, struct stat *st)
{
	const struct fake_fs *fs = ctx;

	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->e[i].path, path) == 0) {
			memset(st, 0, sizeof(*st));
			st->st_mode = fs->e[i].mode;
			st->st_uid = fs->e[i].uid;
			st->st_gid = fs->e[i].gid;
			return 0;
		}
	}
	return -ENOENT;
}

#define DIR(m) (S_IFDIR | (m))
#define REG(m) (S_IFREG | (m))

static enum script_sec_verdict
check(const struct fake_entry *e, size_t n, const char *path, char *why)
{
	struct fake_fs fs = { e, n };

	why[0] = '\0';
	return script_sec_check(path, fake_stat, &fs, why, 160);
}

static void
test_root_owned_path_is_accepted_and_sticky_tmp_too(void **state)
{
	const struct fake_entry fs[] = {
		{ "/", DIR(0755), 0, 0 },
		{ "/etc", DIR(0755), 0, 0 },
		{ "/etc/vipd", DIR(0750), 0, 0 },
		{ "/etc/vipd/chk.sh", REG(0755), 0, 0 },
		{ "/tmp", DIR(01777), 0, 0 },
		{ "/tmp/t", DIR(0755), 0, 0 },
		{ "/tmp/t/chk", REG(0700), 0, 0 },
	};
	char why[160];

	(void)state;
	assert_int_equal(check(fs, 7, "/etc/vipd/chk.sh", why), SCRIPT_SEC_OK);
	assert_int_equal(check(fs, 7, "/tmp/t/chk", why), SCRIPT_SEC_OK);
}

static void
test_writable_by_non_root_anywhere_on_the_path_is_refused(void **state)
{
	const struct fake_entry fs[] = {
		{ "/", DIR(0755), 0, 0 },
		{ "/opt", DIR(0775), 0, 1000 },            /* group 1000 may write */
		{ "/opt/chk", REG(0755), 0, 0 },
		{ "/srv", DIR(0777), 0, 0 },               /* everyone, no sticky bit */
		{ "/srv/chk", REG(0755), 0, 0 },
		{ "/home", DIR(0755), 0, 0 },
		{ "/home/u", DIR(0755), 1000, 1000 },      /* owned by a user */
		{ "/home/u/chk", REG(0755), 0, 0 },
		{ "/usr", DIR(0755), 0, 0 },
		{ "/usr/chk", REG(0757), 0, 0 },           /* the file itself */
		{ "/usr/g", REG(0775), 0, 0 },             /* group root may write: ok */
	};
	char why[160];

	(void)state;
	assert_int_equal(check(fs, 11, "/opt/chk", why), SCRIPT_SEC_INSECURE);
	assert_string_equal(why, "/opt is writable by group 1000 (mode 0775)");
	assert_int_equal(check(fs, 11, "/srv/chk", why), SCRIPT_SEC_INSECURE);
	assert_string_equal(why, "/srv is writable by everyone (mode 0777)");
	assert_int_equal(check(fs, 11, "/home/u/chk", why), SCRIPT_SEC_INSECURE);
	assert_string_equal(why, "/home/u is owned by uid 1000, not root");
	assert_int_equal(check(fs, 11, "/usr/chk", why), SCRIPT_SEC_INSECURE);
	assert_string_equal(why, "/usr/chk is writable by everyone (mode 0757)");
	assert_int_equal(check(fs, 11, "/usr/g", why), SCRIPT_SEC_OK);
}

static void
test_missing_relative_not_regular_not_executable(void **state)
{
	const struct fake_entry fs[] = {
		{ "/", DIR(0755), 0, 0 },
		{ "/bin", DIR(0755), 0, 0 },
		{ "/bin/dir", DIR(0755), 0, 0 },
		{ "/bin/noexec", REG(0644), 0, 0 },
	};
	char why[160];

	(void)state;
	assert_int_equal(check(fs, 4, "/bin/none", why), SCRIPT_SEC_MISSING);
	assert_non_null(strstr(why, "No such file"));
	assert_int_equal(check(fs, 4, "bin/x", why), SCRIPT_SEC_NOT_ABSOLUTE);
	assert_int_equal(check(fs, 4, "/bin/dir", why), SCRIPT_SEC_NOT_REGULAR);
	assert_int_equal(check(fs, 4, "/bin/noexec", why), SCRIPT_SEC_NOT_EXECUTABLE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_owned_path_is_accepted_and_sticky_tmp_too),
		cmocka_unit_test(test_writable_by_non_root_anywhere_on_the_path_is_refused),
		cmocka_unit_test(test_missing_relative_not_regular_not_executable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
