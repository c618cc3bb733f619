/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script_sec - the rule that refuses scripts a non-root user could change
 * (see script_sec.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/script_sec.h"

static int
sec_lstat(void *ctx, const char *path, struct stat *st)
{
	(void)ctx;
	return lstat(path, st) < 0 ? -errno : 0;
}

static ssize_t
sec_readlink(void *ctx, const char *path, char *buf, size_t len)
{
	ssize_t n;

	(void)ctx;
	return (n = readlink(path, buf, len)) < 0 ? -errno : n;
}

static const struct script_sec_fs sec_real_fs = { sec_lstat, sec_readlink, NULL };

/* Whether st (of path) lets a non-root user change what it holds; why says how. */
static bool
sec_writable(const char *path, const struct stat *st, char *why, size_t why_len)
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

/* The resolution in progress: what is resolved, what is left, links seen. */
struct sec_walk {
	const struct script_sec_fs *fs;
	const char *path;              /* as written */
	char done[PATH_MAX];           /* resolved, no link in it; "/" at first */
	char todo[PATH_MAX];           /* components still to resolve */
	int links;
	char *why;
	size_t why_len;
};

/* After a refusal: say where the links led, when some were followed. */
static void
sec_via(struct sec_walk *w, const char *name)
{
	size_t used = strlen(w->why);

	if (w->links > 0 && used + 1 < w->why_len)
		snprintf(w->why + used, w->why_len - used, " (%s resolves to %s%s%s%s)",
		    w->path, w->done, name[0] && strcmp(w->done, "/") ? "/" : "",
		    name, name[0] ? w->todo : "");
}

/* done gets a name looked up in it: it must be a directory nobody else can write. */
static enum script_sec_verdict
sec_lookup_dir(struct sec_walk *w, const char *name)
{
	struct stat st;
	int err;

	if ((err = w->fs->lstat(w->fs->ctx, w->done, &st)) < 0) {
		snprintf(w->why, w->why_len, "%s: %s", w->done, strerror(-err));
		return SCRIPT_SEC_MISSING;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(w->why, w->why_len, "%s: %s", w->done, strerror(ENOTDIR));
		return SCRIPT_SEC_MISSING;
	}
	if (sec_writable(w->done, &st, w->why, w->why_len)) {
		sec_via(w, name);
		return SCRIPT_SEC_INSECURE;
	}
	return SCRIPT_SEC_OK;
}

/* Take the next component of todo into name (NUL-terminated); false at the end. */
static bool
sec_next(struct sec_walk *w, char *name, size_t name_len)
{
	char *p = w->todo, *end;
	size_t len;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return false;
	end = strchrnul(p, '/');
	len = (size_t)(end - p);
	if (len >= name_len)
		len = name_len - 1;   /* longer than NAME_MAX: the lookup fails */
	memcpy(name, p, len);
	name[len] = '\0';
	memmove(w->todo, end, strlen(end) + 1);
	return true;
}

static void
sec_parent(char *done)
{
	char *slash = strrchr(done, '/');

	if (slash == done)
		done[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
}

/* A link at cand: its target goes in front of what is left to resolve. */
static enum script_sec_verdict
sec_follow(struct sec_walk *w, const char *cand)
{
	char target[PATH_MAX];
	ssize_t n;

	if (++w->links > SCRIPT_SEC_MAX_LINKS) {
		snprintf(w->why, w->why_len, "%s: %s", w->path, strerror(ELOOP));
		return SCRIPT_SEC_MISSING;
	}
	n = w->fs->readlink(w->fs->ctx, cand, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(w->why, w->why_len, "%s: %s", cand, strerror((int)-n));
		return SCRIPT_SEC_MISSING;
	}
	target[n] = '\0';
	if ((size_t)n + strlen(w->todo) + 2 > sizeof(w->todo)) {
		snprintf(w->why, w->why_len, "%s: %s", w->path,
		    strerror(ENAMETOOLONG));
		return SCRIPT_SEC_MISSING;
	}
	if (w->todo[0] != '\0') {
		memmove(w->todo + n + 1, w->todo, strlen(w->todo) + 1);
		memcpy(w->todo, target, (size_t)n);
		w->todo[n] = '/';
	} else
		memcpy(w->todo, target, (size_t)n + 1);
	if (target[0] == '/')
		snprintf(w->done, sizeof(w->done), "/");
	return SCRIPT_SEC_OK;
}

/* What runs: a regular executable file nobody but root can change. */
static enum script_sec_verdict
sec_file(struct sec_walk *w, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(w->why, w->why_len, "%s is not a regular file", w->done);
		sec_via(w, "");
		return SCRIPT_SEC_NOT_REGULAR;
	}
	if (!(st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
		snprintf(w->why, w->why_len, "%s is not executable", w->done);
		sec_via(w, "");
		return SCRIPT_SEC_NOT_EXECUTABLE;
	}
	if (sec_writable(w->done, st, w->why, w->why_len)) {
		sec_via(w, "");
		return SCRIPT_SEC_INSECURE;
	}
	return SCRIPT_SEC_OK;
}

enum script_sec_verdict
script_sec_check(const char *path, const struct script_sec_fs *fs, char *why,
    size_t why_len)
{
	struct sec_walk w;
	char name[NAME_MAX + 2], cand[PATH_MAX];
	enum script_sec_verdict v;
	struct stat st;
	int err;

	if (path == NULL || path[0] != '/') {
		snprintf(why, why_len, "%s: not an absolute path", path ? path : "");
		return SCRIPT_SEC_NOT_ABSOLUTE;
	}
	if (strlen(path) >= sizeof(w.todo)) {
		snprintf(why, why_len, "path too long");
		return SCRIPT_SEC_MISSING;
	}
	memset(&st, 0, sizeof(st));
	w = (struct sec_walk){ .fs = fs ? fs : &sec_real_fs, .path = path,
	    .why = why, .why_len = why_len };
	snprintf(w.done, sizeof(w.done), "/");
	snprintf(w.todo, sizeof(w.todo), "%s", path + 1);
	/* "/" itself is the object until a name is looked up. */
	if ((err = w.fs->lstat(w.fs->ctx, "/", &st)) < 0) {
		snprintf(why, why_len, "/: %s", strerror(-err));
		return SCRIPT_SEC_MISSING;
	}
	while (sec_next(&w, name, sizeof(name))) {
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			sec_parent(w.done);
			if ((err = w.fs->lstat(w.fs->ctx, w.done, &st)) < 0) {
				snprintf(why, why_len, "%s: %s", w.done, strerror(-err));
				return SCRIPT_SEC_MISSING;
			}
			continue;
		}
		/* Whoever may write the directory may swap the entry. */
		if ((v = sec_lookup_dir(&w, name)) != SCRIPT_SEC_OK)
			return v;
		if (snprintf(cand, sizeof(cand), "%s%s%s", w.done,
		    strcmp(w.done, "/") == 0 ? "" : "/", name) >= (int)sizeof(cand)) {
			snprintf(why, why_len, "%s: %s", path, strerror(ENAMETOOLONG));
			return SCRIPT_SEC_MISSING;
		}
		if ((err = w.fs->lstat(w.fs->ctx, cand, &st)) < 0) {
			snprintf(why, why_len, "%s: %s", cand, strerror(-err));
			return SCRIPT_SEC_MISSING;
		}
		if (S_ISLNK(st.st_mode)) {
			if ((v = sec_follow(&w, cand)) != SCRIPT_SEC_OK)
				return v;
			/* A link to "/" or ".." names a directory: stat it again. */
			if ((err = w.fs->lstat(w.fs->ctx, w.done, &st)) < 0) {
				snprintf(why, why_len, "%s: %s", w.done, strerror(-err));
				return SCRIPT_SEC_MISSING;
			}
			continue;
		}
		memcpy(w.done, cand, strlen(cand) + 1);
	}
	return sec_file(&w, &st);
}
