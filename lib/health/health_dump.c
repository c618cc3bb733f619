/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * health_dump - tracking state in vipd.data and vipd.json (see health.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "health/health.h"
#include "base/json_out.h"

static const struct health_inst *
hd_find(const struct health *h, const struct instance *inst)
{
	for (size_t i = 0; h != NULL && i < h->ninsts; i++)
		if (h->insts[i].inst == inst)
			return &h->insts[i];
	return NULL;
}

void
health_dump_text(FILE *f, const struct health *h, const struct instance *inst)
{
	const struct health_inst *hi = hd_find(h, inst);
	const struct conf_instance_track *t = &inst->conf.track;

	if (t->nifs + t->nscripts + t->nfiles + t->nprocs +
	    inst->conf.bfd.ntracks == 0)
		return;
	fprintf(f, "  tracking: %s, priority %u (base %u, adjust %+d)%s%s\n",
	    inst->track_fault ? "FAULT" : "ok", instance_effective_priority(inst),
	    inst->conf.priority, inst->track.adjust,
	    inst->track.reason[0] ? ": " : "", inst->track.reason);
	for (size_t i = 0; hi != NULL && i < t->nifs; i++)
		fprintf(f, "    interface %s: %s, weight %d\n", t->ifs[i].name,
		    hi->if_up[i] ? "up" : "down", t->ifs[i].weight);
	for (size_t i = 0; i < inst->conf.bfd.ntracks; i++) {
		const struct conf_track_bfd *tb = &inst->conf.bfd.tracks[i];
		const struct bfd_run_session *rs = h->bfd != NULL ?
		    bfd_run_find(h->bfd, tb->name) : NULL;

		fprintf(f, "    bfd %s: %s, weight %d\n", tb->name, rs != NULL ?
		    bfd_state_name(rs->s.state) : "not running", tb->weight);
	}
	for (size_t i = 0; hi != NULL && i < t->nscripts; i++) {
		const struct health_script *s = &h->scripts[t->scripts[i].script];

		fprintf(f, "    script %s: %s, weight %d, last %s\n", s->conf.name,
		    s->st.up ? "succeeding" : "failing", t->scripts[i].weight,
		    s->last[0] ? s->last : "(not run yet)");
	}
	for (size_t i = 0; hi != NULL && i < t->nfiles; i++) {
		const struct health_file *fl = &h->files[hi->file[i]];

		if (fl->ok)
			fprintf(f, "    file %s: %lld, weight %d\n", fl->path,
			    fl->value, t->files[i].weight);
		else
			fprintf(f, "    file %s: unreadable (%s), weight %d\n",
			    fl->path, fl->err, t->files[i].weight);
	}
	for (size_t i = 0; i < t->nprocs; i++)
		fprintf(f, "    process %s: %s (%s), weight %d\n", t->procs[i].name,
		    proc_watch_up(&h->procs, t->procs[i].script) ? "up" :
		    "not running", proc_watch_detail(&h->procs,
		    t->procs[i].script), t->procs[i].weight);
}

void
health_dump_json(FILE *f, const struct health *h, const struct instance *inst)
{
	const struct health_inst *hi = hd_find(h, inst);
	const struct conf_instance_track *t = &inst->conf.track;

	fprintf(f, "{\"fault\": %s, \"adjust\": %d, \"reason\": ",
	    inst->track_fault ? "true" : "false", inst->track.adjust);
	json_out_str(f, inst->track.reason);
	fprintf(f, ", \"group_fault\": %s, \"interfaces\": [",
	    inst->group_fault ? "true" : "false");
	for (size_t i = 0; hi != NULL && i < t->nifs; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_out_str(f, t->ifs[i].name);
		fprintf(f, ", \"up\": %s, \"weight\": %d}", hi->if_up[i] ?
		    "true" : "false", t->ifs[i].weight);
	}
	fprintf(f, "], \"bfd\": [");
	for (size_t i = 0; i < inst->conf.bfd.ntracks; i++) {
		const struct conf_track_bfd *tb = &inst->conf.bfd.tracks[i];
		const struct bfd_run_session *rs = h->bfd != NULL ?
		    bfd_run_find(h->bfd, tb->name) : NULL;

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_out_str(f, tb->name);
		fprintf(f, ", \"up\": %s, \"weight\": %d}", bfd_run_up(rs) ?
		    "true" : "false", tb->weight);
	}
	fprintf(f, "], \"scripts\": [");
	for (size_t i = 0; hi != NULL && i < t->nscripts; i++) {
		const struct health_script *s = &h->scripts[t->scripts[i].script];

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_out_str(f, s->conf.name);
		fprintf(f, ", \"up\": %s, \"weight\": %d, \"last\": ",
		    s->st.up ? "true" : "false", t->scripts[i].weight);
		json_out_str(f, s->last);
		fputc('}', f);
	}
	fprintf(f, "], \"files\": [");
	for (size_t i = 0; hi != NULL && i < t->nfiles; i++) {
		const struct health_file *fl = &h->files[hi->file[i]];

		fprintf(f, "%s{\"path\": ", i ? ", " : "");
		json_out_str(f, fl->path);
		fprintf(f, ", \"ok\": %s, \"value\": %lld, \"weight\": %d, "
		    "\"error\": ", fl->ok ? "true" : "false", fl->ok ? fl->value : 0,
		    t->files[i].weight);
		json_out_str(f, fl->ok ? "" : fl->err);
		fputc('}', f);
	}
	fprintf(f, "], \"processes\": [");
	for (size_t i = 0; i < t->nprocs; i++) {
		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_out_str(f, t->procs[i].name);
		fprintf(f, ", \"up\": %s, \"weight\": %d, \"detail\": ",
		    proc_watch_up(&h->procs, t->procs[i].script) ? "true" : "false",
		    t->procs[i].weight);
		json_out_str(f, proc_watch_detail(&h->procs, t->procs[i].script));
		fputc('}', f);
	}
	fprintf(f, "]}");
}

void
health_dump_scripts_text(FILE *f, const struct health *h)
{
	for (size_t i = 0; h != NULL && i < h->nscripts; i++) {
		const struct health_script *s = &h->scripts[i];

		fprintf(f, "Track script %s: %s%s, runs %" PRIu64 ", successes %"
		    PRIu64 ", failures %" PRIu64 ", timeouts %" PRIu64
		    ", last %s\n", s->conf.name, s->st.up ? "succeeding" :
		    "failing", s->used ? "" : " (unused)", s->st.runs,
		    s->successes, s->failures, s->timeouts,
		    s->last[0] ? s->last : "(not run yet)");
	}
}

void
health_dump_scripts_json(FILE *f, const struct health *h)
{
	fputc('[', f);
	for (size_t i = 0; h != NULL && i < h->nscripts; i++) {
		const struct health_script *s = &h->scripts[i];

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_out_str(f, s->conf.name);
		fprintf(f, ", \"up\": %s, \"used\": %s, \"runs\": %" PRIu64
		    ", \"successes\": %" PRIu64 ", \"failures\": %" PRIu64
		    ", \"timeouts\": %" PRIu64 ", \"last\": ",
		    s->st.up ? "true" : "false", s->used ? "true" : "false",
		    s->st.runs, s->successes, s->failures, s->timeouts);
		json_out_str(f, s->last);
		fputc('}', f);
	}
	fputc(']', f);
}
