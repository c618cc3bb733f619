/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * script_sec - may vipd run this script? The rule of keepalived's
 * enable_script_security, always on: a script that anyone but root could
 * change is refused, because whoever can change it runs code as the script
 * user (and the script user may be root).
 *
 * A path is insecure when the file, or any directory that resolving its
 * path looks a name up in, is
 *   - owned by a user other than root,
 *   - group-writable with a group other than root's (gid 0),
 *   - world-writable, except a directory with the sticky bit (like
 *     /tmp: there only an entry's owner may replace it, and the entries
 *     below are checked in their own right).
 * The path is resolved here one component at a time, following symbolic
 * links as the kernel will at exec (lstat and readlink, at most
 * SCRIPT_SEC_MAX_LINKS of them): every directory crossed is checked, those
 * of the path as written, those of the resolved path and those of every
 * link in between. Checking only the written path (stat() follows links)
 * let /etc/vipd/chk -> /home/bob/chk through: a root-owned file, in a
 * directory bob may write, so bob could replace it. What runs, the
 * resolved file, must also be a regular file, executable, and the path
 * absolute.
 *
 * Owns: the rule and the resolution. The file system is reached only
 * through the functions in struct script_sec_fs, so unit tests feed it a
 * fake tree.
 * Never does: open, execute or log.
 */
#ifndef VIPD_SCRIPT_SEC_H
#define VIPD_SCRIPT_SEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SCRIPT_SEC_MAX_LINKS 40     /* as the kernel's ELOOP bound */

/* The file system as script_sec sees it. */
struct script_sec_fs {
	/* lstat(2)-like: 0 and *st filled, or -errno. */
	int (*lstat)(void *ctx, const char *path, struct stat *st);
	/* readlink(2)-like: the target's length (not NUL-terminated), or -errno. */
	ssize_t (*readlink)(void *ctx, const char *path, char *buf, size_t len);
	void *ctx;
};

enum script_sec_verdict {
	SCRIPT_SEC_OK = 0,
	SCRIPT_SEC_MISSING,        /* a component cannot be looked up, or a link loop */
	SCRIPT_SEC_NOT_ABSOLUTE,
	SCRIPT_SEC_NOT_REGULAR,
	SCRIPT_SEC_NOT_EXECUTABLE,
	SCRIPT_SEC_INSECURE,       /* writable by a non-root user */
};

/*
 * Check path through fs (NULL = the real file system). Returns the verdict
 * and, unless OK, a reason naming the component, e.g.
 * "/opt/chk is writable by group 1000 (mode 0775)", followed by
 * " (/etc/vipd/chk resolves to /home/bob/chk)" when links were followed.
 */
enum script_sec_verdict script_sec_check(const char *path,
					 const struct script_sec_fs *fs,
					 char *why, size_t why_len);

#endif
