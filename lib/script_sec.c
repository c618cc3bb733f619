/*
 * script_sec - the rule that refuses scripts a non-root user could change.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "script_sec.h"

int
script_sec_stat(void *ctx, const char *path, struct stat *st)
{
	(void)ctx;
	return stat(path, st) < 0 ? -errno : 0;
}

/* Why st (of path) lets a non-root user change what it holds, or NULL. */
static bool
script_sec_writable(const char *path, const struct stat *st, char *why,
    size_t why_len)
{
	unsigned mode = (unsigned)st->st_mode & 07777u;

	if (st->st_uid != 0) {
		snprintf(why, why_len, "%s is owned by uid %u, not root", path,
		    (unsigned)st->st_uid);
		return true;
	}
	/* Root's own sticky directory (/tmp): others cannot replace our entry. */
	if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return false;
	if (st->st_gid != 0 && (st->st_mode & S_IWGRP)) {
		snprintf(why, why_len, "%s is writable by group %u (mode %04o)",
		    path, (unsigned)st->st_gid, mode);
		return true;
	}
	if (st->st_mode & S_IWOTH) {
		snprintf(why, why_len, "%s is writable by everyone (mode %04o)",
		    path, mode);
		return true;
	}
	return false;
}

static enum script_sec_verdict
script_sec_file(const char *path, script_sec_stat_fn stat_fn, void *ctx,
    char *why, size_t why_len)
{
	struct stat st;
	int err;

	if ((err = stat_fn(ctx, path, &st)) < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(-err));
		return SCRIPT_SEC_MISSING;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "%s is not a regular file", path);
		return SCRIPT_SEC_NOT_REGULAR;
	}
	if (!(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		snprintf(why, why_len, "%s is not executable", path);
		return SCRIPT_SEC_NOT_EXECUTABLE;
	}
	if (script_sec_writable(path, &st, why, why_len))
		return SCRIPT_SEC_INSECURE;
	return SCRIPT_SEC_OK;
}

enum script_sec_verdict
script_sec_check(const char *path, script_sec_stat_fn stat_fn, void *ctx,
    char *why, size_t why_len)
{
	char dir[PATH_MAX];
	enum script_sec_verdict v;
	struct stat st;
	size_t len;
	int err;

	if (stat_fn == NULL)
		stat_fn = script_sec_stat;
	if (path == NULL || path[0] != '/') {
		snprintf(why, why_len, "%s: not an absolute path", path ? path : "");
		return SCRIPT_SEC_NOT_ABSOLUTE;
	}
	if ((len = strlen(path)) >= sizeof(dir)) {
		snprintf(why, why_len, "path too long");
		return SCRIPT_SEC_MISSING;
	}
	if ((v = script_sec_file(path, stat_fn, ctx, why, why_len)) != SCRIPT_SEC_OK)
		return v;
	/* Every directory above, as written: "/a/b/c" checks /a/b, /a, /. */
	memcpy(dir, path, len + 1);
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (slash == NULL)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if ((err = stat_fn(ctx, dir, &st)) < 0) {
			snprintf(why, why_len, "%s: %s", dir, strerror(-err));
			return SCRIPT_SEC_MISSING;
		}
		if (script_sec_writable(dir, &st, why, why_len))
			return SCRIPT_SEC_INSECURE;
		if (strcmp(dir, "/") == 0)
			break;
	}
	return SCRIPT_SEC_OK;
}
