/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf - the configuration file (libconfig syntax) as a validated model.
 *
 * This file owns loading (file or string), the lexical pre-check that
 * protects us from libconfig 1.5's quirks, the top level and the global
 * group, and the model's life cycle. The vrrp_instances section and the
 * instance queries of conf.h live in conf_vrrp.c; the error list and the
 * typed getters every section uses in conf_util.c.
 *
 * Every problem becomes one "FILE:LINE: message" in struct conf_errors; we
 * never stop at the first one, so an operator fixes a file in one pass.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_keys.h"
#include "conf/conf_groups.h"
#include "conf/conf_health.h"
#include "conf/conf_include.h"
#include "conf/conf_metrics.h"
#include "conf/conf_peer.h"
#include "conf/conf_route_load.h"
#include "conf/conf_util.h"
#include "conf/conf_vrrp.h"

/* A config file is a few KiB; refuse what is clearly not one. */
#define CONF_MAX_FILE_BYTES (4u * 1024 * 1024)

const char *const conf_top_keys[] = { "global", "vrrp_instances",
	"virtual_services", "conn_sync", "track_scripts", "sync_groups",
	"static_addresses", "static_routes", "static_rules", "bfd_sessions",
	"track_processes", NULL };
static const char *const top_later[] = { NULL };
const char *const conf_global_keys[] = { "router_id", "state_dir",
	"script_user", "handover", "notify_fifo", "metrics_listen", "peer_filter",
	"metrics_allow_remote", NULL };

/* ---- lexical pre-check ------------------------------------------------- */

/*
 * What libconfig 1.5 would get wrong without a word, caught before it
 * parses:
 *  - "@include" makes libconfig open files on its own: one naming a
 *    directory ends in flex's fatal error, i.e. exit() inside a reload, and
 *    a FIFO blocks the event loop. vipd reads exactly one file.
 *  - An integer without the L suffix is read with atoi()/strtoul() and
 *    wrapped to 32 bits: "priority = 4294967396" would be 100. Such
 *    literals get an L appended, so that libconfig reads them as 64-bit and
 *    the range checks see the real value. Only that letter is inserted,
 *    never a newline, so line numbers stay true.
 *  - "\x00" inside a string silently cuts the string short, and a string
 *    or a comment left open at the end of the file is taken as closed
 *    there (or the string dropped), without a word.
 * The scanner follows libconfig's own rules (strings, the three comment
 * forms, names, numbers); on text libconfig would refuse anyway, what it
 * does matters little, as long as it inserts no newline.
 */
enum lex_event { LEX_END, LEX_INCLUDE, LEX_NUL_ESCAPE, LEX_WIDE_INT };

struct lexer {
	const char *p;
	unsigned int line;
	bool bol;                       /* only blanks since the line began */
	enum { LX_CODE, LX_STRING, LX_LINE_COMMENT, LX_BLOCK_COMMENT } state;
	unsigned int open_line;         /* where the string or comment began */
};

static void
lex_advance(struct lexer *lx, size_t n)
{
	for (; n > 0 && *lx->p != '\0'; n--, lx->p++) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->bol = true;
		} else if (*lx->p != ' ' && *lx->p != '\t')
			lx->bol = false;
	}
}

static bool
lex_is_include(const char *p)
{
	if (strncmp(p, "@include", 8) != 0 || (p[8] != ' ' && p[8] != '\t'))
		return false;
	for (p += 8; *p == ' ' || *p == '\t'; p++)
		;
	return *p == '"';
}

/* Past a float's fraction and exponent ([0-9]*.[0-9]*([eE][-+]?[0-9]+)?). */
static const char *
lex_skip_float(const char *p)
{
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if ((*p == 'e' || *p == 'E') && (isdigit((unsigned char)p[1]) ||
	    ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2]))))
		for (p += 2; isdigit((unsigned char)*p); p++)
			;
	return p;
}

/* Consume one number; true when it is an int that libconfig would wrap. */
static bool
lex_number(struct lexer *lx)
{
	const char *p = lx->p;
	unsigned long long v = 0, limit = INT_MAX;
	bool sign = false;
	int d;

	if (*p == '-' || *p == '+') {
		if (*p == '-')
			limit = (unsigned long long)INT_MAX + 1;
		sign = true;
		p++;
	}
	/* Hex takes no sign: "-0x10" is "-0" followed by garbage. */
	if (!sign && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    isxdigit((unsigned char)p[2])) {
		limit = INT_MAX;        /* strtoul() then a cast to int */
		for (p += 2; isxdigit((unsigned char)*p); p++) {
			d = isdigit((unsigned char)*p) ? *p - '0' :
			    tolower((unsigned char)*p) - 'a' + 10;
			v = v > (ULLONG_MAX >> 4) ? ULLONG_MAX : v * 16 + (unsigned)d;
		}
	} else {
		for (; isdigit((unsigned char)*p); p++) {
			d = *p - '0';
			v = v > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX :
			    v * 10 + (unsigned)d;
		}
		if (*p == '.' || ((*p == 'e' || *p == 'E') &&
		    lex_skip_float(p) != p)) {
			lex_advance(lx, (size_t)(lex_skip_float(p) - lx->p));
			return false;
		}
	}
	if (*p == 'L') {
		p += p[1] == 'L' ? 2 : 1;
		lex_advance(lx, (size_t)(p - lx->p));
		return false;
	}
	lex_advance(lx, (size_t)(p - lx->p));
	return v > limit;
}

static enum lex_event
lex_next(struct lexer *lx)
{
	const char *p;

	while (*(p = lx->p) != '\0') {
		switch (lx->state) {
		case LX_LINE_COMMENT:
			if (*p == '\n')
				lx->state = LX_CODE;
			lex_advance(lx, 1);
			continue;
		case LX_BLOCK_COMMENT:
			if (p[0] == '*' && p[1] == '/') {
				lx->state = LX_CODE;
				lex_advance(lx, 2);
			} else
				lex_advance(lx, 1);
			continue;
		case LX_STRING:
			if (*p == '"')
				lx->state = LX_CODE;
			else if (*p == '\\' && (p[1] == 'x' || p[1] == 'X') &&
			    p[2] == '0' && p[3] == '0') {
				lex_advance(lx, 4);
				return LEX_NUL_ESCAPE;
			} else if (*p == '\\' && p[1] != '\0')
				lex_advance(lx, 1);
			lex_advance(lx, 1);
			continue;
		case LX_CODE:
			break;
		}
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			lx->state = LX_LINE_COMMENT;
			lex_advance(lx, 1);
		} else if (p[0] == '/' && p[1] == '*') {
			lx->state = LX_BLOCK_COMMENT;
			lx->open_line = lx->line;
			lex_advance(lx, 2);
		} else if (*p == '"') {
			lx->state = LX_STRING;
			lx->open_line = lx->line;
			lex_advance(lx, 1);
		} else if (*p == '@' && lx->bol && lex_is_include(p)) {
			lex_advance(lx, 8);
			return LEX_INCLUDE;
		} else if (isalpha((unsigned char)*p) || *p == '*') {
			/* A name: its digits are no number ("vrrp2", "a-1"). */
			do
				lex_advance(lx, 1);
			while (isalnum((unsigned char)*lx->p) ||
			    (*lx->p != '\0' && strchr("-_*", *lx->p) != NULL));
		} else if (isdigit((unsigned char)*p) || ((*p == '-' ||
		    *p == '+') && isdigit((unsigned char)p[1]))) {
			if (lex_number(lx))
				return LEX_WIDE_INT;
		} else if (*p == '.' || ((*p == '-' || *p == '+') && p[1] == '.'))
			lex_advance(lx, (size_t)(lex_skip_float(p + (*p != '.')) - p));
		else
			lex_advance(lx, 1);
	}
	return LEX_END;
}

/*
 * Report includes, NUL escapes and what is left open (returns -EINVAL:
 * libconfig must not see the text), else 0 with *fixed NULL when text can go to libconfig as it
 * is, or a new string (caller frees) with the wrapping literals widened.
 */
static int
lex_precheck(struct conf_ctx *ctx, const char *text, bool includes,
    char **fixed)
{
	struct lexer lx = { text, 1, true, LX_CODE, 0 };
	enum lex_event ev;
	size_t wide = 0, o = 0;
	const char *from = text;
	bool bad = false;
	char *out;

	*fixed = NULL;
	while ((ev = lex_next(&lx)) != LEX_END) {
		if (ev == LEX_WIDE_INT)
			wide++;
		else if (ev == LEX_INCLUDE && includes)
			continue;
		else {
			conf_error_line(ctx, lx.line, ev == LEX_INCLUDE ?
			    "@include needs a file: this text is not read from one" :
			    "\\x00 in a string would cut it short");
			bad = true;
		}
	}
	if (lx.state == LX_STRING || lx.state == LX_BLOCK_COMMENT) {
		conf_error_line(ctx, lx.open_line, "%s never closed",
		    lx.state == LX_STRING ? "string" : "/* comment");
		bad = true;
	}
	if (bad)
		return -EINVAL;
	if (wide == 0)
		return 0;
	if ((out = malloc(strlen(text) + wide + 1)) == NULL)
		return -ENOMEM;
	lx = (struct lexer){ text, 1, true, LX_CODE, 0 };
	while ((ev = lex_next(&lx)) != LEX_END) {
		if (ev != LEX_WIDE_INT)
			continue;
		memcpy(out + o, from, (size_t)(lx.p - from));
		o += (size_t)(lx.p - from);
		out[o++] = 'L';
		from = lx.p;
	}
	strcpy(out + o, from);
	*fixed = out;
	return 0;
}

/* ---- sections ---------------------------------------------------------- */

static void
load_global(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_global *gl)
{
	const config_setting_t *s;
	const char *v;
	char q[48];

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ctx, g, "global: expected a group { ... }");
		return;
	}
	conf_check_keys(ctx, g, "global", conf_global_keys, NULL);
	/* Empty is allowed: the daemon then uses the host name. */
	if (conf_get_string(ctx, g, "global", "router_id", &v) > 0) {
		if (v[0] != '\0' && !conf_valid_name(v, CONF_NAME_MAX - 1))
			conf_error(ctx, config_setting_get_member(g, "router_id"),
			    "global.router_id: '%s' is not 1..%d characters of "
			    "A-Z a-z 0-9 _ . -", conf_quote(v, q, sizeof(q)),
			    CONF_NAME_MAX - 1);
		else
			snprintf(gl->router_id, sizeof(gl->router_id), "%s", v);
	}
	if (conf_get_string(ctx, g, "global", "state_dir", &v) > 0) {
		s = config_setting_get_member(g, "state_dir");
		if (v[0] != '/')
			conf_error(ctx, s, "global.state_dir: '%s' is not an "
			    "absolute path", conf_quote(v, q, sizeof(q)));
		else if (strlen(v) >= sizeof(gl->state_dir))
			conf_error(ctx, s, "global.state_dir: longer than %d "
			    "characters", PATH_MAX - 1);
		else
			snprintf(gl->state_dir, sizeof(gl->state_dir), "%s", v);
	}
	/* A user name as useradd takes it; "-x" would read as an option. */
	if (conf_get_string(ctx, g, "global", "script_user", &v) > 0) {
		if (!conf_valid_name(v, CONF_NAME_MAX - 1) || v[0] == '-')
			conf_error(ctx, config_setting_get_member(g,
			    "script_user"), "global.script_user: '%s' is not a "
			    "user name (1..%d characters of A-Z a-z 0-9 _ . -, "
			    "not starting with -)", conf_quote(v, q, sizeof(q)),
			    CONF_NAME_MAX - 1);
		else
			snprintf(gl->script_user, sizeof(gl->script_user), "%s",
			    v);
	}
	if (conf_get_string(ctx, g, "global", "handover", &v) > 0) {
		if (strcmp(v, "make-before-break") == 0)
			gl->handover = CONF_HANDOVER_MAKE_BEFORE_BREAK;
		else if (strcmp(v, "rfc") == 0)
			gl->handover = CONF_HANDOVER_RFC;
		else
			conf_error(ctx, config_setting_get_member(g, "handover"),
			    "global.handover: '%s' is not \"make-before-break\" "
			    "or \"rfc\"", conf_quote(v, q, sizeof(q)));
	}
	conf_health_global_load(ctx, g, gl);
	conf_metrics_load(ctx, g, gl);
	conf_peer_filter_load(ctx, g, gl);
}

static int
load_root(struct conf_ctx *ctx, const config_setting_t *root,
    struct conf *conf)
{
	const config_setting_t *s;

	snprintf(conf->global.state_dir, sizeof(conf->global.state_dir), "%s",
	    CONF_DEFAULT_STATE_DIR);
	snprintf(conf->global.script_user, sizeof(conf->global.script_user),
	    "%s", "nobody");
	conf_check_keys(ctx, root, "", conf_top_keys, top_later);
	if ((s = config_setting_get_member(root, "global")) != NULL)
		load_global(ctx, s, &conf->global);
	if ((s = config_setting_get_member(root, "virtual_services")) != NULL &&
	    conf_lb_load(ctx, s, conf) < 0)
		return -ENOMEM;
	if ((s = config_setting_get_member(root, "track_scripts")) != NULL &&
	    conf_health_scripts_load(ctx, s, conf) < 0)
		return -ENOMEM;
	/* Before the instances: track_bfd names a session. */
	if ((s = config_setting_get_member(root, "bfd_sessions")) != NULL &&
	    conf_bfd_sessions_load(ctx, s, conf) < 0)
		return -ENOMEM;
	if ((s = config_setting_get_member(root, "track_processes")) != NULL &&
	    conf_procs_load(ctx, s, conf) < 0)
		return -ENOMEM;
	if ((s = config_setting_get_member(root, "vrrp_instances")) != NULL &&
	    conf_vrrp_load(ctx, s, conf) < 0)
		return -ENOMEM;
	/* dr services take their interfaces from the instances. */
	if ((s = config_setting_get_member(root, "virtual_services")) != NULL)
		conf_lb_resolve(ctx, s, conf);
	/* Groups name instances; instances name track scripts. */
	if ((s = config_setting_get_member(root, "sync_groups")) != NULL &&
	    conf_groups_load(ctx, s, conf) < 0)
		return -ENOMEM;
	conf_health_resolve(ctx, root, conf);
	if (conf_statics_load(ctx, root, &conf->statics) < 0)
		return -ENOMEM;
	/* After the instances and sync groups: follow names one of them. */
	if ((s = config_setting_get_member(root, "conn_sync")) != NULL)
		conf_conn_sync_load(ctx, s, conf);
	return 0;
}

/* ---- loading ----------------------------------------------------------- */

/*
 * Sections are checked one after the other and the checks across
 * instances come last; an operator reads the file top to bottom. Stable,
 * so that messages about one line keep their order.
 */
static void
sort_errors_by_line(struct conf_ctx *ctx)
{
	struct conf_errors *errs = ctx->errs;
	char tmp[CONF_ERROR_LEN];
	unsigned int line;
	size_t i, j;

	for (i = 1; i < errs->stored; i++) {
		line = ctx->line[i];
		for (j = i; j > 0 && ctx->line[j - 1] > line; j--)
			;
		if (j == i)
			continue;
		memcpy(tmp, errs->msg[i], sizeof(tmp));
		memmove(errs->msg[j + 1], errs->msg[j], (i - j) * sizeof(tmp));
		memmove(&ctx->line[j + 1], &ctx->line[j],
		    (i - j) * sizeof(ctx->line[0]));
		memcpy(errs->msg[j], tmp, sizeof(tmp));
		ctx->line[j] = line;
	}
}

/* text has passed lex_precheck (and had its includes spliced in). */
static int
conf_parse_checked(struct conf_ctx *ctx, const char *text, struct conf **out)
{
	config_t cfg;
	struct conf *conf;
	int err;

	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		/* libconfig never sees an @include: the line maps through ctx. */
		conf_error_line(ctx, (unsigned)config_error_line(&cfg),
		    "syntax error: %s", config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		err = -ENOMEM;
	else
		err = load_root(ctx, config_root_setting(&cfg), conf);
	if (err == 0 && ctx->nomem)
		err = -ENOMEM;
	config_destroy(&cfg);
	if (err == -ENOMEM)
		conf_error_line(ctx, 0, "out of memory");
	if (err == 0 && ctx->errs->count > 0)
		err = -EINVAL;
	sort_errors_by_line(ctx);
	if (err < 0) {
		conf_free(conf);
		return err;
	}
	snprintf(conf->path, sizeof(conf->path), "%s", ctx->path);
	*out = conf;
	return 0;
}

static int
conf_parse(struct conf_ctx *ctx, const char *text, struct conf **out)
{
	char *fixed;
	int err;

	if ((err = lex_precheck(ctx, text, false, &fixed)) < 0) {
		if (err == -ENOMEM)
			conf_error_line(ctx, 0, "out of memory");
		return err;
	}
	err = conf_parse_checked(ctx, fixed != NULL ? fixed : text, out);
	free(fixed);
	return err;
}

int
conf_load_string(const char *text, const char *path_for_messages,
    struct conf **out, struct conf_errors *errs)
{
	struct conf_ctx ctx = { .path = path_for_messages != NULL ?
	    path_for_messages : "(string)", .errs = errs };

	*out = NULL;
	errs->count = errs->stored = errs->nwarn = 0;
	return conf_parse(&ctx, text, out);
}

/* Not a regular file, for an include (a FIFO would block the loop). */
#define EFTYPE_NOT_REG 4096

/*
 * The whole file, NUL-terminated, in *out (caller frees); with regular,
 * -EFTYPE_NOT_REG for anything but a regular file, never waiting on it.
 */
static int
read_file(const char *path, bool regular, char **out, size_t *lenp)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	struct stat st;
	ssize_t n;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | (regular ? O_NONBLOCK :
	    0))) < 0)
		return -errno;
	if (regular && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -EFTYPE_NOT_REG;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > CONF_MAX_FILE_BYTES) {
				err = -EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nbuf = realloc(buf, cap + 1)) == NULL) {
				err = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return err;
}

/*
 * @include, expanded here rather than by libconfig: libconfig 1.5 has no
 * hook, takes no glob, exits inside flex on a directory and blocks on a
 * FIFO. Each file is checked by the lexer on its own (so that an open
 * string cannot run into the next file), then its text goes into one
 * buffer with each @include line replaced by the files it names, in
 * glob(3)'s sorted order; ctx->map remembers where each piece came from,
 * so that every message, libconfig's syntax errors too, names the file's
 * own FILE:LINE. Splicing text is exactly what libconfig's own include
 * does, so a file means the same split or whole.
 */
struct splice {
	struct conf_ctx *ctx;
	struct conf_srcmap *map;
	char *out;
	size_t len, cap;
	unsigned int out_line;          /* line of the text being appended to */
	const char *chain[CONF_INCLUDE_DEPTH_MAX + 1]; /* real paths, */
	char real[CONF_INCLUDE_DEPTH_MAX + 1][PATH_MAX]; /* outermost first */
	size_t depth;
	bool bad;
};

static int
splice_append(struct splice *sp, const char *from, size_t n)
{
	char *nout;

	if (sp->len + n + 2 > CONF_MAX_FILE_BYTES)
		return -EFBIG;
	if (sp->len + n + 2 > sp->cap) {
		size_t cap = sp->cap == 0 ? 8192 : sp->cap;

		while (cap < sp->len + n + 2)
			cap *= 2;
		if ((nout = realloc(sp->out, cap)) == NULL)
			return -ENOMEM;
		sp->out = nout;
		sp->cap = cap;
	}
	memcpy(sp->out + sp->len, from, n);
	sp->len += n;
	sp->out[sp->len] = '\0';
	for (size_t i = 0; i < n; i++)
		sp->out_line += from[i] == '\n';
	return 0;
}

static int splice_text(struct splice *sp, const char *path, unsigned int file,
    const char *real, const char *text);

/* One file named by an include at ctx (the including file) line `line`. */
static int
splice_one(struct splice *sp, struct conf_ctx *at, unsigned int line,
    const char *path)
{
	char real[PATH_MAX], chain[CONF_ERROR_LEN];
	char *text = NULL;
	size_t len = 0;
	int err, file, loop;

	if (realpath(path, real) == NULL) {
		conf_error_line(at, line, "@include: %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	if ((loop = conf_include_find(sp->chain, sp->depth, real)) >= 0) {
		conf_error_line(at, line, "@include loop: %s",
		    conf_include_chain_str(sp->chain, sp->depth, (size_t)loop,
		    real, chain, sizeof(chain)));
		return -EINVAL;
	}
	if (sp->depth >= CONF_INCLUDE_DEPTH_MAX) {
		conf_error_line(at, line, "@include: %s: more than %d levels of "
		    "includes", path, CONF_INCLUDE_DEPTH_MAX);
		return -EINVAL;
	}
	if ((err = read_file(path, true, &text, &len)) < 0) {
		conf_error_line(at, line, "@include: %s: %s", path,
		    err == -EFTYPE_NOT_REG ? "not a regular file" :
		    err == -EFBIG ? "too large" : strerror(-err));
		return -EINVAL;
	}
	if (memchr(text, '\0', len) != NULL) {
		conf_error_line(at, line, "@include: %s: NUL byte: not a text "
		    "file", path);
		free(text);
		return -EINVAL;
	}
	if ((file = conf_srcmap_add_file(sp->map, path)) < 0) {
		conf_error_line(at, line, "@include: %s: more than %d files",
		    path, CONF_INCLUDE_FILES_MAX);
		free(text);
		return -EINVAL;
	}
	err = splice_text(sp, conf_srcmap_file(sp->map, (unsigned)file),
	    (unsigned)file, real, text);
	free(text);
	return err;
}

/* Every file the include pattern of ctx's line names, sorted. */
static int
splice_include(struct splice *sp, struct conf_ctx *at, unsigned int line,
    const char *pattern)
{
	char full[PATH_MAX];
	glob_t g;
	int err = 0, rc;

	if (conf_include_join(at->path, pattern, full, sizeof(full)) < 0) {
		conf_error_line(at, line, "@include: path too long");
		return -EINVAL;
	}
	/* A directory that is not there matches nothing, as in keepalived. */
	rc = glob(full, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		conf_warn_line(at, line, "@include \"%s\" matches no file",
		    pattern);
		return 0;
	}
	if (rc != 0) {
		conf_error_line(at, line, "@include \"%s\": %s", pattern,
		    rc == GLOB_NOSPACE ? "out of memory" : "cannot read the "
		    "directory");
		globfree(&g);
		return -EINVAL;
	}
	for (size_t i = 0; i < g.gl_pathc && err != -ENOMEM && err != -EFBIG; i++)
		if ((rc = splice_one(sp, at, line, g.gl_pathv[i])) < 0)
			err = rc;
	globfree(&g);
	return err;
}

/*
 * The quoted name after "@include" at p, into pat; the rest of the line
 * may hold blanks and a comment only. End of that line in *eol.
 */
static bool
include_pattern(const char *p, char *pat, size_t len, const char **eol)
{
	const char *q, *e;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '"' || (q = strpbrk(p, "\"\n\\")) == NULL || *q != '"' ||
	    q == p || (size_t)(q - p) >= len)
		return false;
	memcpy(pat, p, (size_t)(q - p));
	pat[q - p] = '\0';
	e = q + 1 + strspn(q + 1, " \t");
	*eol = strchrnul(e, '\n');
	return *e == '\n' || *e == '\0' || *e == '#' || (e[0] == '/' &&
	    (e[1] == '/' || e[1] == '*'));
}

static int
splice_text(struct splice *sp, const char *path, unsigned int file,
    const char *real, const char *text)
{
	struct conf_ctx at = { .path = path, .errs = sp->ctx->errs };
	struct lexer lx;
	const char *from, *bol, *eol;
	char *fixed = NULL, pat[PATH_MAX];
	unsigned int line;
	int err = 0, rc;

	if ((rc = lex_precheck(&at, text, true, &fixed)) < 0)
		return rc == -ENOMEM ? rc : (sp->bad = true, 0);
	from = fixed != NULL ? fixed : text;
	lx = (struct lexer){ from, 1, true, LX_CODE, 0 };
	snprintf(sp->real[sp->depth], sizeof(sp->real[0]), "%s", real);
	sp->chain[sp->depth] = sp->real[sp->depth];
	sp->depth++;
	if (conf_srcmap_add_seg(sp->map, sp->out_line, file, 1) < 0)
		err = -ENOSPC;
	while (err == 0 && lex_next(&lx) == LEX_INCLUDE) {
		line = lx.line;
		for (bol = lx.p - 8; bol > from && bol[-1] != '\n'; bol--)
			;
		if ((err = splice_append(sp, from, (size_t)(bol - from))) < 0)
			break;
		if (!include_pattern(lx.p, pat, sizeof(pat), &eol)) {
			conf_error_line(&at, line, "@include: expected \"PATTERN\" "
			    "and nothing else on the line");
			sp->bad = true;
			eol = strchrnul(lx.p, '\n');
		} else if ((rc = splice_include(sp, &at, line, pat)) < 0) {
			sp->bad = true;
			if (rc == -ENOMEM || rc == -EFBIG || rc == -ENOSPC)
				err = rc;
		}
		/* Whatever came before ended with a newline: keep it so. */
		if (err == 0 && sp->len > 0 && sp->out[sp->len - 1] != '\n')
			err = splice_append(sp, "\n", 1);
		/* The include line's own newline, then the rest of this file. */
		from = *eol == '\n' ? eol + 1 : eol;
		lex_advance(&lx, (size_t)(from - lx.p));
		lx.state = LX_CODE;
		if (err == 0 && conf_srcmap_add_seg(sp->map, sp->out_line, file,
		    line + 1) < 0)
			err = -ENOSPC;
	}
	if (err == 0)
		err = splice_append(sp, from, strlen(from));
	if (err == 0 && sp->len > 0 && sp->out[sp->len - 1] != '\n')
		err = splice_append(sp, "\n", 1);
	sp->depth--;
	free(fixed);
	return err;
}

int
conf_load_file(const char *path, struct conf **out, struct conf_errors *errs)
{
	struct conf_ctx ctx = { .path = path, .errs = errs };
	struct splice sp = { .ctx = &ctx, .out_line = 1 };
	char root[PATH_MAX];
	const char *nul;
	char *text = NULL;
	size_t len = 0;
	unsigned int line = 1;
	int err;

	*out = NULL;
	errs->count = errs->stored = errs->nwarn = 0;
	if ((err = read_file(path, false, &text, &len)) < 0) {
		if (err == -EFBIG)
			conf_error_line(&ctx, 0, "larger than %u bytes: not a "
			    "configuration file", CONF_MAX_FILE_BYTES);
		else
			conf_error_line(&ctx, 0, "cannot read: %s",
			    strerror(-err));
		return err;
	}
	/* libconfig would stop at a NUL byte and ignore the rest silently. */
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		conf_error_line(&ctx, line, "NUL byte: not a text file");
		free(text);
		return -EINVAL;
	}
	if ((sp.map = calloc(1, sizeof(*sp.map))) == NULL) {
		free(text);
		conf_error_line(&ctx, 0, "out of memory");
		return -ENOMEM;
	}
	if (realpath(path, root) == NULL)
		snprintf(root, sizeof(root), "%s", path);
	if ((err = conf_srcmap_add_file(sp.map, path)) >= 0)
		err = splice_text(&sp, conf_srcmap_file(sp.map, 0), 0, root, text);
	free(text);
	if (err == -EFBIG)
		conf_error_line(&ctx, 0, "with its includes larger than %u "
		    "bytes", CONF_MAX_FILE_BYTES);
	else if (err == -ENOSPC)
		conf_error_line(&ctx, 0, "too many includes (at most %d files)",
		    CONF_INCLUDE_FILES_MAX);
	else if (err < 0)
		conf_error_line(&ctx, 0, "out of memory");
	if (err == 0 && sp.bad)
		err = -EINVAL;
	if (err == 0) {
		ctx.map = sp.map;
		err = conf_parse_checked(&ctx, sp.out != NULL ? sp.out : "", out);
		/* The model must not point into the map: messages are made. */
	}
	free(sp.out);
	free(sp.map);
	return err;
}

void
conf_router_id(const struct conf *conf, char *out, size_t len)
{
	if (len == 0)
		return;
	if (conf->global.router_id[0] != '\0') {
		snprintf(out, len, "%s", conf->global.router_id);
		return;
	}
	if (gethostname(out, len) < 0)
		snprintf(out, len, "vipd");
	out[len - 1] = '\0';
}

void
conf_free(struct conf *conf)
{
	if (conf == NULL)
		return;
	conf_lb_free(conf);
	conf_groups_free(conf);
	conf_health_free(conf);
	conf_procs_free(conf);
	conf_vrrp_free(conf);
	conf_statics_free(&conf->statics);
	conf_bfd_free(conf);
	free(conf);
}
