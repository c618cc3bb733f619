/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#include "os/script_sec.h"

struct fake_entry {
	const char *path;
	mode_t mode;          /* with the type bits */
	uid_t uid;
	gid_t gid;
	const char *target;   /* S_IFLNK: where the link points */
};

struct fake_fs {
	const struct fake_entry *e;
	size_t n;
};

static const struct fake_entry *
fake_find(const struct fake_fs *fs, const char *path)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->e[i].path, path) == 0)
			return &fs->e[i];
	return NULL;
}

/* lstat: a link is reported as a link, never followed. */
static int
fake_lstat(void *ctx, const char *path, struct stat *st)
{
	const struct fake_entry *e = fake_find(ctx, path);

	if (e == NULL)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_mode = e->mode;
	st->st_uid = e->uid;
	st->st_gid = e->gid;
	return 0;
}

static ssize_t
fake_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	const struct fake_entry *e = fake_find(ctx, path);
	size_t n;

	if (e == NULL)
		return -ENOENT;
	if (!S_ISLNK(e->mode))
		return -EINVAL;
	n = strlen(e->target);
	if (n > len)
		n = len;
	memcpy(buf, e->target, n);
	return (ssize_t)n;
}

#define DIR(m) (S_IFDIR | (m))
#define REG(m) (S_IFREG | (m))
#define LNK (S_IFLNK | 0777)

static enum script_sec_verdict
check(const struct fake_entry *e, size_t n, const char *path, char *why)
{
	struct fake_fs fs = { e, n };
	struct script_sec_fs ops = { fake_lstat, fake_readlink, &fs };

	why[0] = '\0';
	return script_sec_check(path, &ops, why, 160);
}

static void
test_root_owned_path_is_accepted_and_sticky_tmp_too(void **state)
{
	const struct fake_entry fs[] = {
		{ "/", DIR(0755), 0, 0, NULL },
		{ "/etc", DIR(0755), 0, 0, NULL },
		{ "/etc/vipd", DIR(0750), 0, 0, NULL },
		{ "/etc/vipd/chk.sh", REG(0755), 0, 0, NULL },
		{ "/tmp", DIR(01777), 0, 0, NULL },
		{ "/tmp/t", DIR(0755), 0, 0, NULL },
		{ "/tmp/t/chk", REG(0700), 0, 0, NULL },
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
		{ "/", DIR(0755), 0, 0, NULL },
		{ "/opt", DIR(0775), 0, 1000, NULL },            /* group 1000 may write */
		{ "/opt/chk", REG(0755), 0, 0, NULL },
		{ "/srv", DIR(0777), 0, 0, NULL },               /* everyone, no sticky bit */
		{ "/srv/chk", REG(0755), 0, 0, NULL },
		{ "/home", DIR(0755), 0, 0, NULL },
		{ "/home/u", DIR(0755), 1000, 1000, NULL },      /* owned by a user */
		{ "/home/u/chk", REG(0755), 0, 0, NULL },
		{ "/usr", DIR(0755), 0, 0, NULL },
		{ "/usr/chk", REG(0757), 0, 0, NULL },           /* the file itself */
		{ "/usr/g", REG(0775), 0, 0, NULL },             /* group root may write: ok */
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
		{ "/", DIR(0755), 0, 0, NULL },
		{ "/bin", DIR(0755), 0, 0, NULL },
		{ "/bin/dir", DIR(0755), 0, 0, NULL },
		{ "/bin/noexec", REG(0644), 0, 0, NULL },
	};
	char why[160];

	(void)state;
	assert_int_equal(check(fs, 4, "/bin/none", why), SCRIPT_SEC_MISSING);
	assert_non_null(strstr(why, "No such file"));
	assert_int_equal(check(fs, 4, "bin/x", why), SCRIPT_SEC_NOT_ABSOLUTE);
	assert_int_equal(check(fs, 4, "/bin/dir", why), SCRIPT_SEC_NOT_REGULAR);
	assert_int_equal(check(fs, 4, "/bin/noexec", why), SCRIPT_SEC_NOT_EXECUTABLE);
}

/* The hole: a root-owned script in a directory bob may write, reached
   through a link in a root-only directory. bob can replace the file. */
static void
test_symlink_into_a_user_writable_directory_is_refused(void **state)
{
	const struct fake_entry fs[] = {
		{ "/", DIR(0755), 0, 0, NULL },
		{ "/etc", DIR(0755), 0, 0, NULL },
		{ "/etc/vipd", DIR(0755), 0, 0, NULL },
		{ "/etc/vipd/chk", LNK, 0, 0, "/home/bob/chk" },
		{ "/etc/vipd/rel", LNK, 0, 0, "../../home/bob/chk" },
		{ "/etc/vipd/d", LNK, 0, 0, "/home/bob" },
		{ "/home", DIR(0755), 0, 0, NULL },
		{ "/home/bob", DIR(0755), 1000, 1000, NULL },
		{ "/home/bob/chk", REG(0755), 0, 0, NULL },
	};
	char why[160];

	(void)state;
	assert_int_equal(check(fs, 9, "/etc/vipd/chk", why), SCRIPT_SEC_INSECURE);
	assert_string_equal(why, "/home/bob is owned by uid 1000, not root "
	    "(/etc/vipd/chk resolves to /home/bob/chk)");
	/* Relative targets resolve from the link's directory. */
	assert_int_equal(check(fs, 9, "/etc/vipd/rel", why), SCRIPT_SEC_INSECURE);
	assert_non_null(strstr(why, "/home/bob is owned by uid 1000"));
	/* A link to a directory in the middle of the path, too. */
	assert_int_equal(check(fs, 9, "/etc/vipd/d/chk", why), SCRIPT_SEC_INSECURE);
	assert_non_null(strstr(why, "/home/bob is owned by uid 1000"));
}

static void
test_links_between_safe_places_are_accepted_and_each_hop_is_checked(void **state)
{
	const struct fake_entry fs[] = {
		{ "/", DIR(0755), 0, 0, NULL },
		{ "/etc", DIR(0755), 0, 0, NULL },
		{ "/etc/vipd", DIR(0755), 0, 0, NULL },
		{ "/etc/vipd/chk", LNK, 0, 0, "/usr/lib/vipd/chk" },
		{ "/etc/vipd/hop", LNK, 0, 0, "/srv/hop" },
		{ "/etc/vipd/sbin", LNK, 0, 0, "/usr/lib/vipd" },
		{ "/usr", DIR(0755), 0, 0, NULL },
		{ "/usr/lib", DIR(0755), 0, 0, NULL },
		{ "/usr/lib/vipd", DIR(0755), 0, 0, NULL },
		{ "/usr/lib/vipd/chk", REG(0755), 0, 0, NULL },
		/* A link in the middle of the chain, in a world-writable
		   directory: neither the written nor the final path shows it. */
		{ "/srv", DIR(0777), 0, 0, NULL },
		{ "/srv/hop", LNK, 0, 0, "/usr/lib/vipd/chk" },
		{ "/loop", LNK, 0, 0, "/loop" },
		{ "/etc/vipd/dir", LNK, 0, 0, "/usr/lib" },
	};
	char why[160];

	(void)state;
	assert_int_equal(check(fs, 14, "/etc/vipd/chk", why), SCRIPT_SEC_OK);
	assert_int_equal(check(fs, 14, "/etc/vipd/sbin/chk", why), SCRIPT_SEC_OK);
	assert_int_equal(check(fs, 14, "/etc/vipd/hop", why), SCRIPT_SEC_INSECURE);
	assert_non_null(strstr(why, "/srv is writable by everyone (mode 0777)"));
	assert_int_equal(check(fs, 14, "/loop", why), SCRIPT_SEC_MISSING);
	assert_non_null(strstr(why, "Too many levels of symbolic links"));
	/* What runs is checked, not the link: a directory is no script. */
	assert_int_equal(check(fs, 14, "/etc/vipd/dir", why), SCRIPT_SEC_NOT_REGULAR);
	assert_string_equal(why, "/usr/lib is not a regular file "
	    "(/etc/vipd/dir resolves to /usr/lib)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_owned_path_is_accepted_and_sticky_tmp_too),
		cmocka_unit_test(test_writable_by_non_root_anywhere_on_the_path_is_refused),
		cmocka_unit_test(test_missing_relative_not_regular_not_executable),
		cmocka_unit_test(test_symlink_into_a_user_writable_directory_is_refused),
		cmocka_unit_test(test_links_between_safe_places_are_accepted_and_each_hop_is_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
