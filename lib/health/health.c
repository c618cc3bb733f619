/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * health - track scripts, track files and tracked interfaces at run time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "health/health.h"
#include "os/log.h"

#define HEALTH_FILE_MAX_BYTES 64      /* an integer and a newline */

static void health_evaluate(struct health *h, struct health_inst *hi,
    uint64_t now_ms);
static void health_rewatch(struct health *h, uint64_t now_ms);

/* ---- evaluation ----------------------------------------------------------- */

static void
health_evaluate(struct health *h, struct health_inst *hi, uint64_t now_ms)
{
	const struct conf_instance_track *t = &hi->inst->conf.track;
	const struct conf_instance_bfd *bt = &hi->inst->conf.bfd;
	struct track_obj objs[6 * CONF_MAX_TRACKS];
	struct track_result r;
	struct instance_track it;
	size_t n = 0;

	for (size_t i = 0; i < t->nifs; i++)
		objs[n++] = (struct track_obj){ .kind = TRACK_INTERFACE,
		    .name = t->ifs[i].name, .weight = t->ifs[i].weight,
		    .up = hi->if_up[i] };
	for (size_t i = 0; i < t->nscripts; i++) {
		const struct health_script *s = &h->scripts[t->scripts[i].script];

		objs[n++] = (struct track_obj){ .kind = TRACK_SCRIPT,
		    .name = s->conf.name, .weight = t->scripts[i].weight,
		    .up = s->st.up, .detail = s->last[0] ? s->last : NULL };
	}
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct health_file *f = &h->files[hi->file[i]];

		objs[n++] = (struct track_obj){ .kind = TRACK_FILE,
		    .name = f->path, .weight = t->files[i].weight, .up = f->ok,
		    .value = f->value, .detail = f->ok ? NULL : f->err };
	}
	for (size_t i = 0; i < bt->ntracks; i++) {
		const struct bfd_run_session *rs = h->bfd != NULL ?
		    bfd_run_find(h->bfd, bt->tracks[i].name) : NULL;

		objs[n++] = (struct track_obj){ .kind = TRACK_BFD,
		    .name = bt->tracks[i].name, .weight = bt->tracks[i].weight,
		    .up = bfd_run_up(rs), .detail = rs == NULL ? NULL :
		    bfd_state_name(rs->s.state) };
	}
	for (size_t i = 0; i < t->nprocs; i++) {
		size_t k = t->procs[i].script;

		objs[n++] = (struct track_obj){ .kind = TRACK_PROCESS,
		    .name = t->procs[i].name, .weight = t->procs[i].weight,
		    .up = proc_watch_up(&h->procs, k),
		    .detail = proc_watch_detail(&h->procs, k) };
	}
	if (h->extra != NULL)
		n += h->extra(h->extra_arg, hi->inst, objs + n, CONF_MAX_TRACKS);
	track_evaluate(hi->inst->conf.priority, objs, n, &r);
	it = (struct instance_track){ .fault = r.fault, .priority = r.priority,
	    .adjust = r.adjust };
	snprintf(it.reason, sizeof(it.reason), "%s", r.reason);
	instance_track_apply(hi->inst, h->env, &it, now_ms);
}

void
health_evaluate_all(struct health *h, uint64_t now_ms)
{
	for (size_t i = 0; i < h->ninsts; i++)
		health_evaluate(h, &h->insts[i], now_ms);
}

static void
health_evaluate_if(struct health *h, bool (*uses)(const struct health_inst *,
    const void *), const void *what, uint64_t now_ms)
{
	for (size_t i = 0; i < h->ninsts; i++)
		if (uses(&h->insts[i], what))
			health_evaluate(h, &h->insts[i], now_ms);
}

static bool
uses_script(const struct health_inst *hi, const void *what)
{
	const struct conf_instance_track *t = &hi->inst->conf.track;
	size_t idx = *(const size_t *)what;

	for (size_t i = 0; i < t->nscripts; i++)
		if (t->scripts[i].script == idx)
			return true;
	return false;
}

static bool
uses_proc(const struct health_inst *hi, const void *what)
{
	const struct conf_instance_track *t = &hi->inst->conf.track;
	size_t idx = *(const size_t *)what;

	for (size_t i = 0; i < t->nprocs; i++)
		if (t->procs[i].script == idx)
			return true;
	return false;
}

/* A process tracker went up or down (proc_watch's callback). */
static void
health_proc_changed(void *arg, size_t tracker, uint64_t now_ms)
{
	health_evaluate_if(arg, uses_proc, &tracker, now_ms);
}

static bool
uses_file(const struct health_inst *hi, const void *what)
{
	size_t idx = *(const size_t *)what;

	for (size_t i = 0; i < hi->inst->conf.track.nfiles; i++)
		if (hi->file[i] == idx)
			return true;
	return false;
}

/* ---- scripts -------------------------------------------------------------- */

static void
health_script_done(struct script_job *job, const struct script_result *res,
    void *arg)
{
	struct health_script *s = arg;
	struct health *h = s->h;
	uint64_t now_ms = evloop_now_ms();
	char text[SCRIPT_WHY_MAX + 32];
	bool ok = script_result_ok(res);
	size_t idx = (size_t)(s - h->scripts);

	(void)job;
	script_result_describe(res, text, sizeof(text));
	if (res->last_line[0] != '\0' && !ok)
		snprintf(s->last, sizeof(s->last), "%.80s: %.70s", text,
		    res->last_line);
	else
		snprintf(s->last, sizeof(s->last), "%.150s", text);
	if (ok)
		s->successes++;
	else
		s->failures++;
	if (res->outcome == SCRIPT_TIMED_OUT)
		s->timeouts++;
	/* Every run of a hanging script would log: a few lines a second at most. */
	if ((res->outcome == SCRIPT_TIMED_OUT ||
	    res->outcome == SCRIPT_START_FAILED ||
	    res->outcome == SCRIPT_REFUSED_INSECURE ||
	    res->outcome == SCRIPT_REFUSED_BUSY) &&
	    log_ratelimit_allow(&s->warn_log, now_ms, NULL))
		log_warn("track script %s: %s%s", s->conf.name, text,
		    res->outcome == SCRIPT_TIMED_OUT ?
		    ", its process group killed" : "");
	s->next_run_ms = now_ms + s->conf.interval_ms;
	if (!track_script_feed(&s->st, ok, s->conf.rise, s->conf.fall))
		return;
	log_notice("track script %s: now %s (%s; rise %u, fall %u)",
	    s->conf.name, s->st.up ? "succeeding" : "failing", s->last,
	    s->conf.rise, s->conf.fall);
	health_evaluate_if(h, uses_script, &idx, now_ms);
}

static void
health_script_run(struct health *h, struct health_script *s, uint64_t now_ms)
{
	s->next_run_ms = 0;
	script_start(h->runner, &s->job, s->argv, NULL, s->conf.timeout_ms,
	    health_script_done, s, now_ms);
}

void
health_tick(struct health *h, uint64_t now_ms)
{
	for (size_t i = 0; i < h->nscripts; i++) {
		struct health_script *s = &h->scripts[i];

		if (s->used && s->next_run_ms != 0 && s->next_run_ms <= now_ms &&
		    s->job.state == SCRIPT_JOB_IDLE)
			health_script_run(h, s, now_ms);
	}
	if (h->rewatch_due_ms != 0 && h->rewatch_due_ms <= now_ms)
		health_rewatch(h, now_ms);
	proc_watch_tick(&h->procs, now_ms);
}

uint64_t
health_next_deadline(const struct health *h)
{
	uint64_t due = h->rewatch_due_ms, p = proc_watch_next_deadline(&h->procs);

	if (p != 0 && (due == 0 || p < due))
		due = p;
	for (size_t i = 0; i < h->nscripts; i++) {
		uint64_t d = h->scripts[i].next_run_ms;

		if (h->scripts[i].used && d != 0 && (due == 0 || d < due))
			due = d;
	}
	return due;
}

/* ---- files ---------------------------------------------------------------- */

/* Read the file's integer; a FIFO or a huge file is no track file. */
static void
health_file_read(struct health_file *f)
{
	char buf[HEALTH_FILE_MAX_BYTES + 1];
	struct stat st;
	ssize_t n;
	int fd;

	f->reads++;
	f->ok = false;
	if ((fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(f->err, sizeof(f->err), "%s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(f->err, sizeof(f->err), "not a regular file");
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(f->err, sizeof(f->err), "%s", strerror(errno));
		return;
	}
	if (n > HEALTH_FILE_MAX_BYTES || !track_parse_file(buf, (size_t)n,
	    &f->value)) {
		snprintf(f->err, sizeof(f->err), "not an integer");
		return;
	}
	f->ok = true;
	f->err[0] = '\0';
}

/*
 * Watch f's directory: the file may not exist yet, or be replaced by
 * rename. False when it cannot be watched (said once, retried later).
 */
static bool
health_file_watch(struct health *h, struct health_file *f)
{
	char dir[CONF_PATH_MAX];
	size_t len = (size_t)(f->base - f->path);

	memcpy(dir, f->path, len);
	dir[len > 1 ? len - 1 : len] = '\0';
	f->wd = h->inotify_fd < 0 ? -1 : inotify_add_watch(h->inotify_fd, dir,
	    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
	    IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
	if (f->wd < 0) {
		if (!f->watch_failed)
			log_warn("track file %s: cannot watch %s: %s (trying again "
			    "every %u ms)", f->path, dir, strerror(errno),
			    HEALTH_REWATCH_MS);
		f->watch_failed = true;
		return false;
	}
	if (f->watch_failed)
		log_notice("track file %s: watching %s again", f->path, dir);
	f->watch_failed = false;
	return true;
}

static void
health_file_changed(struct health *h, size_t idx, uint64_t now_ms)
{
	struct health_file *f = &h->files[idx];
	bool was_ok = f->ok;
	long long was = f->value;

	health_file_read(f);
	if (f->ok == was_ok && (!f->ok || f->value == was))
		return;
	if (f->ok)
		log_notice("track file %s: %lld", f->path, f->value);
	else
		log_notice("track file %s: %s (counts as failure)", f->path, f->err);
	health_evaluate_if(h, uses_file, &idx, now_ms);
}

/* Watch again what has no watch; the file is read after, not before. */
static void
health_rewatch(struct health *h, uint64_t now_ms)
{
	bool missing = false;

	for (size_t i = 0; i < h->nfiles; i++) {
		struct health_file *f = &h->files[i];

		if (f->wd >= 0)
			continue;
		if (health_file_watch(h, f))
			health_file_changed(h, i, now_ms);
		else
			missing = true;
	}
	h->rewatch_due_ms = missing ? now_ms + HEALTH_REWATCH_MS : 0;
}

/*
 * The directory watched as wd went away (deleted: IN_DELETE_SELF then
 * IN_IGNORED; moved: IN_MOVE_SELF, and the path no longer leads to it):
 * its files are read again (now missing) and watched again later.
 */
static void
health_watch_lost(struct health *h, int wd, bool moved, uint64_t now_ms)
{
	bool ours = false;

	if (moved)
		inotify_rm_watch(h->inotify_fd, wd);
	for (size_t i = 0; i < h->nfiles; i++) {
		if (h->files[i].wd != wd)
			continue;
		ours = true;
		h->files[i].wd = -1;
		h->files[i].watch_failed = true;
		log_notice("track file %s: its directory was %s; watching it again "
		    "when it is back", h->files[i].path, moved ? "moved" : "removed");
		health_file_changed(h, i, now_ms);
	}
	if (ours && h->rewatch_due_ms == 0)
		h->rewatch_due_ms = now_ms + HEALTH_REWATCH_MS;
}

static void
health_inotify_ready(struct evloop_watch *w, uint32_t events)
{
	struct health *h = w->arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t now_ms = evloop_now_ms();
	ssize_t n;

	(void)events;
	while ((n = read(h->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW)
				h->inotify_overflows++;
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				health_watch_lost(h, ev->wd,
				    (ev->mask & IN_MOVE_SELF) != 0, now_ms);
				continue;
			}
			for (size_t i = 0; i < h->nfiles; i++) {
				struct health_file *f = &h->files[i];

				if ((ev->mask & IN_Q_OVERFLOW) || (ev->wd == f->wd &&
				    (ev->len == 0 || strcmp(ev->name, f->base) == 0)))
					health_file_changed(h, i, now_ms);
			}
		}
	}
}

/* ---- interfaces ------------------------------------------------------------ */

static bool
health_link_up(struct health *h, const char *ifname)
{
	struct netlink_link_info li;

	return h->nl != NULL && netlink_link_get(h->nl, ifname, &li) == 0 && li.up;
}

bool
health_script_up(const struct health *h, const char *name,
    const char **detail)
{
	for (size_t i = 0; i < h->nscripts; i++) {
		const struct health_script *s = &h->scripts[i];

		if (strcmp(s->conf.name, name) != 0)
			continue;
		*detail = s->last;
		return s->st.up;
	}
	*detail = "no such track script";
	return false;
}

void
health_link_event(struct health *h, const char *ifname, uint64_t now_ms)
{
	for (size_t i = 0; i < h->ninsts; i++) {
		struct health_inst *hi = &h->insts[i];
		const struct conf_instance_track *t = &hi->inst->conf.track;
		bool changed = false;

		for (size_t k = 0; k < t->nifs; k++) {
			bool up;

			if (strcmp(t->ifs[k].name, ifname) != 0)
				continue;
			up = health_link_up(h, ifname);
			if (up != hi->if_up[k]) {
				log_notice("%s: tracked interface %s is %s",
				    hi->inst->conf.name, ifname, up ? "up" : "down");
				hi->if_up[k] = up;
				changed = true;
			}
		}
		if (changed)
			health_evaluate(h, hi, now_ms);
	}
}

/* ---- configuration ---------------------------------------------------------- */

int
health_init(struct health *h, struct evloop *loop, struct script_runner *runner,
    struct netlink *nl, const struct instance_env *env)
{
	memset(h, 0, sizeof(*h));
	h->loop = loop;
	proc_watch_init(&h->procs, loop, health_proc_changed, h);
	h->runner = runner;
	h->nl = nl;
	h->env = env;
	h->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (h->inotify_fd < 0)
		return -errno;
	h->ino_watch = (struct evloop_watch){ h->inotify_fd, health_inotify_ready, h };
	return evloop_add(loop, &h->ino_watch, EPOLLIN);
}

static size_t
health_add_file(struct health_file *files, size_t *nfiles, const char *path)
{
	for (size_t i = 0; i < *nfiles; i++)
		if (strcmp(files[i].path, path) == 0)
			return i;
	snprintf(files[*nfiles].path, sizeof(files[0].path), "%s", path);
	files[*nfiles].base = strrchr(files[*nfiles].path, '/') + 1;
	files[*nfiles].wd = -1;
	return (*nfiles)++;
}

static void
health_free_parts(struct health *h, struct health_script *scripts, size_t nscripts,
    struct health_file *files, size_t nfiles)
{
	for (size_t i = 0; i < nscripts; i++)
		script_cancel(h->runner, &scripts[i].job);
	for (size_t i = 0; i < nfiles; i++)
		if (files[i].wd >= 0 && h->inotify_fd >= 0)
			inotify_rm_watch(h->inotify_fd, files[i].wd);
	free(scripts);
	free(files);
}

static void
health_setup_script(struct health *h, struct health_script *s,
    const struct conf_track_script *c, uint64_t now_ms)
{
	s->conf = *c;
	s->h = h;
	s->warn_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(3, 1);
	for (size_t k = 0; k < c->argc; k++)
		s->argv[k] = s->conf.argv[k];
	s->argv[c->argc] = NULL;
	track_script_init(&s->st);
	/* Same script as before: keep its state (a reload is no recovery). */
	for (size_t j = 0; j < h->nscripts; j++) {
		const struct health_script *o = &h->scripts[j];

		if (strcmp(o->conf.name, c->name) == 0) {
			s->st = o->st;
			memcpy(s->last, o->last, sizeof(s->last));
			s->timeouts = o->timeouts;
			s->failures = o->failures;
			s->successes = o->successes;
		}
	}
	s->next_run_ms = now_ms;
}

int
health_configure(struct health *h, const struct conf *conf,
    struct instance **instances, size_t ninstances, uint64_t now_ms)
{
	size_t nfiles = 0, maxfiles = 1;
	struct health_script *scripts;
	struct health_file *files;
	struct health_inst *insts;

	for (size_t i = 0; i < ninstances; i++)
		maxfiles += instances[i]->conf.track.nfiles;
	scripts = calloc(conf->ntrack_scripts + 1, sizeof(*scripts));
	files = calloc(maxfiles, sizeof(*files));
	insts = calloc(ninstances + 1, sizeof(*insts));
	if (scripts == NULL || files == NULL || insts == NULL) {
		free(scripts);
		free(files);
		free(insts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < conf->ntrack_scripts; i++)
		health_setup_script(h, &scripts[i], &conf->track_scripts[i], now_ms);
	for (size_t i = 0; i < ninstances; i++) {
		const struct conf_instance_track *t = &instances[i]->conf.track;

		insts[i].inst = instances[i];
		for (size_t k = 0; k < t->nscripts; k++)
			scripts[t->scripts[k].script].used = true;
		for (size_t k = 0; k < t->nfiles; k++)
			insts[i].file[k] = health_add_file(files, &nfiles,
			    t->files[k].path);
		for (size_t k = 0; k < t->nifs; k++)
			insts[i].if_up[k] = health_link_up(h, t->ifs[k].name);
	}
	/* Announced services' track_scripts run as an instance's do. */
	for (size_t i = 0; i < conf->nservices; i++)
		for (size_t k = 0; k < conf->services[i].ntrack_scripts; k++)
			for (size_t j = 0; j < conf->ntrack_scripts; j++)
				if (strcmp(conf->track_scripts[j].name,
				    conf->services[i].track_scripts[k]) == 0)
					scripts[j].used = true;
	health_free_parts(h, h->scripts, h->nscripts, h->files, h->nfiles);
	free(h->insts);
	h->scripts = scripts;
	h->nscripts = conf->ntrack_scripts;
	h->files = files;
	h->nfiles = nfiles;
	h->insts = insts;
	h->ninsts = ninstances;
	h->rewatch_due_ms = 0;
	if (proc_watch_configure(&h->procs, conf, now_ms) < 0)
		log_err("out of memory: process trackers not updated");
	for (size_t i = 0; i < nfiles; i++) {
		if (!health_file_watch(h, &files[i]))
			h->rewatch_due_ms = now_ms + HEALTH_REWATCH_MS;
		health_file_read(&files[i]);
	}
	for (size_t i = 0; i < ninstances; i++)
		health_evaluate(h, &insts[i], now_ms);
	return 0;
}

void
health_close(struct health *h)
{
	health_free_parts(h, h->scripts, h->nscripts, h->files, h->nfiles);
	free(h->insts);
	h->scripts = NULL;
	h->files = NULL;
	h->insts = NULL;
	h->nscripts = h->nfiles = h->ninsts = 0;
	proc_watch_close(&h->procs);
	if (h->inotify_fd >= 0) {
		evloop_del(h->loop, &h->ino_watch);
		close(h->inotify_fd);
		h->inotify_fd = -1;
	}
}

void
health_link_all(struct health *h, uint64_t now_ms)
{
	for (size_t i = 0; i < h->ninsts; i++)
		for (size_t k = 0; k < h->insts[i].inst->conf.track.nifs; k++)
			health_link_event(h, h->insts[i].inst->conf.track.ifs[k].name,
			    now_ms);
}
