/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_include - the source map of a spliced configuration, the include
 * chain and the relative path join (see conf_include.h). Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf_include.h"

int
conf_srcmap_add_file(struct conf_srcmap *map, const char *path)
{
	size_t n = strlen(path) + 1;

	if (map->nfiles >= CONF_INCLUDE_FILES_MAX ||
	    n > sizeof(map->pool) - map->pool_used)
		return -ENOSPC;
	memcpy(map->pool + map->pool_used, path, n);
	map->file_off[map->nfiles] = map->pool_used;
	map->pool_used += n;
	return (int)map->nfiles++;
}

const char *
conf_srcmap_file(const struct conf_srcmap *map, unsigned int file)
{
	return file < map->nfiles ? map->pool + map->file_off[file] : "?";
}

int
conf_srcmap_add_seg(struct conf_srcmap *map, unsigned int out_line,
    unsigned int file, unsigned int src_line)
{
	struct conf_srcmap_seg *s;

	if (map->nsegs > 0 && map->seg[map->nsegs - 1].out_line == out_line)
		s = &map->seg[map->nsegs - 1];
	else if (map->nsegs >= CONF_INCLUDE_SEGS_MAX)
		return -ENOSPC;
	else
		s = &map->seg[map->nsegs++];
	*s = (struct conf_srcmap_seg){ out_line, src_line, file };
	return 0;
}

bool
conf_srcmap_locate(const struct conf_srcmap *map, unsigned int out_line,
    const char **file, unsigned int *line)
{
	size_t lo = 0, hi = map->nsegs, mid;

	if (out_line == 0 || map->nsegs == 0 || out_line < map->seg[0].out_line)
		return false;
	/* The last piece starting at or before out_line. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (map->seg[mid].out_line <= out_line)
			lo = mid;
		else
			hi = mid;
	}
	*file = conf_srcmap_file(map, map->seg[lo].file);
	*line = map->seg[lo].src_line + (out_line - map->seg[lo].out_line);
	return true;
}

int
conf_include_join(const char *including, const char *pattern, char *out,
    size_t len)
{
	const char *slash = strrchr(including, '/');
	int n;

	if (pattern[0] == '/' || slash == NULL)
		n = snprintf(out, len, "%s", pattern);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - including),
		    including, pattern);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
conf_include_find(const char *const *chain, size_t depth, const char *path)
{
	for (size_t i = 0; i < depth; i++)
		if (strcmp(chain[i], path) == 0)
			return (int)i;
	return -1;
}

const char *
conf_include_chain_str(const char *const *chain, size_t depth, size_t from,
    const char *path, char *out, size_t len)
{
	size_t o = 0;
	int n;

	if (len == 0)
		return out;
	out[0] = '\0';
	for (size_t i = from; i <= depth; i++) {
		n = snprintf(out + o, len - o, "%s%s", i > from ? " -> " : "",
		    i < depth ? chain[i] : path);
		if (n < 0 || (size_t)n >= len - o) {
			out[o] = '\0';         /* whole names only */
			break;
		}
		o += (size_t)n;
	}
	return out;
}
