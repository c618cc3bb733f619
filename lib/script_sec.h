/*
 * script_sec - may vipd run this script? The rule of keepalived's
 * enable_script_security, always on: a script that anyone but root could
 * change is refused, because whoever can change it runs code as the script
 * user (and the script user may be root).
 *
 * A path is insecure when the file or any directory above it (up to "/")
 *   - is owned by a user other than root,
 *   - is group-writable with a group other than root's (gid 0),
 *   - is world-writable, except a directory with the sticky bit (like
 *     /tmp: there only an entry's owner may replace it, and the entries
 *     below are checked in their own right).
 * The file must also be a regular file, executable, and the path
 * absolute. Symbolic links are followed by stat(), so the checked
 * properties are those of what runs, and every directory named in the
 * path is checked as written.
 *
 * Owns: the rule. The file system is reached only through the stat
 * function passed in, so unit tests feed it a fake tree.
 * Never does: open, execute or log.
 */
#ifndef VIPD_SCRIPT_SEC_H
#define VIPD_SCRIPT_SEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* stat(2)-like: 0 and *st filled, or -errno. */
typedef int (*script_sec_stat_fn)(void *ctx, const char *path, struct stat *st);

enum script_sec_verdict {
	SCRIPT_SEC_OK = 0,
	SCRIPT_SEC_MISSING,        /* the file or a directory cannot be stat'ed */
	SCRIPT_SEC_NOT_ABSOLUTE,
	SCRIPT_SEC_NOT_REGULAR,
	SCRIPT_SEC_NOT_EXECUTABLE,
	SCRIPT_SEC_INSECURE,       /* writable by a non-root user */
};

/*
 * Check path with stat_fn (NULL = the real stat(2)). Returns the verdict
 * and, unless OK, a reason naming the component, e.g.
 * "/opt/chk is writable by group 1000 (mode 0775)".
 */
enum script_sec_verdict script_sec_check(const char *path, script_sec_stat_fn stat_fn,
					 void *ctx, char *why, size_t why_len);

/* The real stat(2) as a script_sec_stat_fn. */
int script_sec_stat(void *ctx, const char *path, struct stat *st);

#endif
