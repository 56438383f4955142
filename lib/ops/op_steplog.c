/* SPDX-License-Identifier: MIT */
/* op_steplog.c: what a running step calls: its log lines (batched into the store),
 * progress events, and results passed between steps; and the events the runner sends to
 * its hooks. The runner itself is op_run.c. */
#include "ops/op_run_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void op_run_emit(struct ferry_op_run *run, enum ferry_op_event_type type, const char *state,
		 const char *msg, int64_t done, int64_t total, int64_t elapsed)
{
	struct run_priv *p = run->priv;
	struct ferry_op_event ev;

	if (!p || !p->hooks || !p->hooks->on_event)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.activity_id = run->op->activity_id;
	ev.kind = run->op->kind;
	ev.env = run->op->env;
	if (type != FERRY_OP_EV_OP_STARTED && type != FERRY_OP_EV_OP_FINISHED) {
		ev.step = run->step;
		ev.step_index = p->index;
		ev.step_count = p->count;
		ev.attempt = run->attempt;
	}
	ev.state = state;
	ev.message = msg;
	ev.done = done;
	ev.total = total;
	ev.elapsed_ms = elapsed;
	p->hooks->on_event(&ev, p->hooks->data);
}

/* Append the buffered lines to the step's log. On failure they stay in the buffer
 * (the next line, or the step's outcome, writes them); a store that is away is asked
 * again only after LOG_RETRY_MS, so a step does not wait on it line by line. */
int op_log_flush(struct ferry_op_run *run)
{
	struct run_priv *p = run->priv;
	int rc;

	if (!p || !p->log.len || ferry_store_in_tx(run->ctx->store) ||
	    ferry_store_fenced(run->ctx->store) || ferry_mono_ms() < p->log_retry_at)
		return 0;
	rc = ferry_store_run(run->ctx->store, NULL,
		"UPDATE operation_steps SET log = log || ? WHERE op_id = ? AND name = ?", "tit",
		p->log.data, run->op->id, run->step);
	if (rc) {
		p->log_retry_at = ferry_mono_ms() + LOG_RETRY_MS;
		if (ferry_store_fenced(run->ctx->store))
			op_fence_trip(p->fence);  /* the step starts no process from now on */
		return rc;
	}
	ferry_buf_reset(&p->log);
	p->log_at = ferry_mono_ms();
	return 0;
}

/* Replace bytes that are not printable ASCII/UTF-8-ish control-free text. */
static void sanitize(char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			*s = '?';
	}
}

/* Remove every `needle` from s (in place), replacing it with `with`, not longer. */
static void cut_all(char *s, const char *needle, const char *with)
{
	size_t n = strlen(needle), w = strlen(with);
	char *at;

	if (!n || w > n)
		return;
	while ((at = strstr(s, needle))) {
		memcpy(at, with, w);
		memmove(at + w, at + n, strlen(at + n) + 1);
	}
}

/* A step's error as the user reads it: no internal work paths of ferry's home
 * ("<home>/work/<activity>/pkg/x.sql" reads "pkg/x.sql") and no empty fields (": : "). */
void op_scrub_error(const struct ferry_op_run *run, char *msg)
{
	char work[1200];

	if (snprintf(work, sizeof(work), "%s/work/%s/", run->ctx->home ? run->ctx->home : "",
		     run->op->activity_id) < (int)sizeof(work))
		cut_all(msg, work, "");
	if (snprintf(work, sizeof(work), "%s/work/%s", run->ctx->home ? run->ctx->home : "",
		     run->op->activity_id) < (int)sizeof(work))
		cut_all(msg, work, "the work directory");
	cut_all(msg, ": : ", ": ");
	cut_all(msg, ":: ", ": ");
}

/* One line (no newline in it) into the step's log and its event. */
static void log_line(struct ferry_op_run *run, char *line)
{
	struct run_priv *p = run->priv;

	sanitize(line);
	op_run_emit(run, FERRY_OP_EV_STEP_LOG, NULL, line, 0, 0, 0);
	if (p->log_capped)
		return;
	if (p->log_bytes + strlen(line) + 1 > STEP_LOG_MAX) {
		p->log_capped = 1;
		ferry_buf_adds(&p->log, "[log truncated: more than 1 MiB]\n");
	} else {
		p->log_bytes += strlen(line) + 1;
		ferry_buf_addf(&p->log, "%s\n", line);
	}
}

/* Every line of a multi-line message is kept (the output of a program, say); a
 * trailing newline makes no empty line. */
void ferry_op_log(struct ferry_op_run *run, const char *fmt, ...)
{
	struct ferry_buf b;
	char *s, *nl;
	va_list ap;

	if (!run->priv)
		return;
	ferry_buf_init(&b);
	va_start(ap, fmt);
	ferry_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!b.data) {
		ferry_buf_release(&b);
		return;
	}
	for (s = b.data; *s; s = nl + 1) {
		if ((nl = strchr(s, '\n'))) {
			*nl = '\0';
			if (nl > s && nl[-1] == '\r')
				nl[-1] = '\0';
		}
		log_line(run, s);
		if (!nl || !nl[1])
			break;
	}
	ferry_buf_release(&b);
	if (ferry_mono_ms() - ((struct run_priv *)run->priv)->log_at >= LOG_BATCH_MS)
		op_log_flush(run);
}

/* Progress marks work that takes a while: the lines before it are written first. */
void ferry_op_progress(struct ferry_op_run *run, int64_t done, int64_t total)
{
	if (run->priv)
		op_log_flush(run);
	op_run_emit(run, FERRY_OP_EV_STEP_PROGRESS, NULL, NULL, done, total, 0);
}

void ferry_op_result_set(struct ferry_op_run *run, json_t *result)
{
	struct run_priv *p = run->priv;

	if (!p) {
		json_decref(result);
		return;
	}
	json_decref(p->result);
	p->result = result;
}

/* 1 and *out (maybe NULL: no result), or a negative code. */
static int result_read(struct ferry_op_run *run, const char *step, json_t **out)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(run->ctx->store, &st, NULL,
		"SELECT result FROM operation_steps WHERE op_id = ? AND name = ?", "it",
		run->op->id, step);

	*out = NULL;
	if (rc)
		return rc;
	if ((rc = ferry_stmt_step(st, NULL)) == 1 && ferry_stmt_text(st, 0))
		*out = json_loads(ferry_stmt_text(st, 0), 0, NULL);
	ferry_stmt_free(st);
	return rc < 0 ? rc : 1;
}

/* A store that is away must not read as "no result" (a step would redo what an
 * earlier attempt did, say retake a restore point): it is asked again meanwhile. */
json_t *ferry_op_result_get(struct ferry_op_run *run, const char *step)
{
	struct run_priv *p = run->priv;
	int64_t since = 0;
	json_t *v;
	int rc;

	while ((rc = result_read(run, step, &v)) < 0 &&
	       op_run_again(run->ctx, p ? p->hooks : NULL, rc, &since))
		;
	return v;
}
