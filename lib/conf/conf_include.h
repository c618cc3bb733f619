/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_include - the bookkeeping of @include: where each line of the text
 * libconfig parses came from, the include chain and its loops, and where a
 * relative pattern points.
 *
 * vipd expands @include itself (libconfig 1.5 has no include hook, opens
 * the files on its own and exits on a directory): the glue splices each
 * included file's text in place of its @include line, and records here the
 * lines each piece starts at, so that every message names the included
 * file's own FILE:LINE.
 *
 * Owns: the source map, the chain, the path join. Never does: read files,
 * expand globs, or allocate (the caller owns struct conf_srcmap).
 */
#ifndef VIPD_CONF_INCLUDE_H
#define VIPD_CONF_INCLUDE_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_INCLUDE_DEPTH_MAX 8        /* nested includes, as libconfig's 10 */
#define CONF_INCLUDE_FILES_MAX 256      /* files in one configuration */
#define CONF_INCLUDE_SEGS_MAX 2048      /* pieces of text from those files */
#define CONF_INCLUDE_POOL_BYTES (64u * 1024) /* their names */

struct conf_srcmap_seg {
	unsigned int out_line;          /* first line of the piece in the text */
	unsigned int src_line;          /* the same line in its file */
	unsigned int file;              /* index into the file list */
};

/* The spliced text's origin. Zero it before use (it holds no pointer). */
struct conf_srcmap {
	size_t nfiles, nsegs, pool_used;
	size_t file_off[CONF_INCLUDE_FILES_MAX];
	struct conf_srcmap_seg seg[CONF_INCLUDE_SEGS_MAX];
	char pool[CONF_INCLUDE_POOL_BYTES];
};

/* Record a file name; its index, or -ENOSPC when the map is full. */
int conf_srcmap_add_file(struct conf_srcmap *map, const char *path);
const char *conf_srcmap_file(const struct conf_srcmap *map, unsigned int file);

/*
 * From text line out_line on, lines come from file's line src_line on.
 * Pieces are added in increasing out_line; a piece at the same out_line as
 * the last one replaces it (an empty piece). -ENOSPC when full.
 */
int conf_srcmap_add_seg(struct conf_srcmap *map, unsigned int out_line,
    unsigned int file, unsigned int src_line);

/*
 * The file and line of text line out_line; false (outputs untouched) for
 * line 0 or an empty map.
 */
bool conf_srcmap_locate(const struct conf_srcmap *map, unsigned int out_line,
    const char **file, unsigned int *line);

/*
 * pattern as seen from the file including it: an absolute pattern as is,
 * a relative one in the including file's directory ("a/b.conf" includes
 * "c/NAME.conf" as "a/c/NAME.conf"). 0, or -ENAMETOOLONG when it does not fit.
 */
int conf_include_join(const char *including, const char *pattern, char *out,
    size_t len);

/* Index of path in chain[0..depth), or -1: including it again is a loop. */
int conf_include_find(const char *const *chain, size_t depth, const char *path);

/*
 * "a -> b -> a": chain[from..depth) then path, for the loop message.
 * Returns out (whole names only, as many as fit in len).
 */
const char *conf_include_chain_str(const char *const *chain, size_t depth,
    size_t from, const char *path, char *out, size_t len);

#endif
