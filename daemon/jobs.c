/* SPDX-License-Identifier: MIT */
/* jobs.c: operations run as jobs on a pool of worker threads, each with its own store
 * connection. The engine's journal is the truth: a job only names an operation and an
 * action (run, resume, rerun a step, confirm a step). On SIGTERM runners stop between
 * steps (the operation becomes interrupted); after a crash the dead runner's lease is
 * reaped at start. Both are reported and resumable, never run twice. */
#include "ferryd.h"

#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/ops/op.h"
#include "ferry/store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct call;

struct job {
	enum job_action action;
	struct call *call;       /* JOB_CALL: the library call and its hand-off */
	char ref[40];
	char step[64];
	char actor[80];
	char project[64];
	struct job *next;
};

struct jobs {
	struct ferryd *d;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	char (*busy)[40];        /* operations queued or running in this daemon */
	int nbusy, cap;
	int stopping;
	volatile int stop;       /* the engine's stop flag: stop between steps */
	pthread_t *threads;
	int nthreads;
	int ncalls;              /* call threads still running */
	uint64_t takeovers;      /* operations of stopped nodes taken over (metrics) */
};

/* A library call that creates an operation and runs it, and the request waiting for
 * the operation to exist (or for the call to end without one). */
struct call {
	struct jobs *js;
	job_call_fn fn;
	json_t *args;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs, started, done, rc;
	char activity[37];       /* under lock: what the waiting request reads */
	char fn_act[37];         /* the call thread's own: what fn fills */
	struct ferry_error err;
};

struct job_run {
	struct jobs *js;
	struct job *job;
};

static const char *const action_names[] = { "run", "resume", "rerun-step", "complete-step", "run" };

static int busy_find(struct jobs *js, const char *ref);

static void call_unref(struct call *c)
{
	int last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	json_decref(c->args);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The call's operation exists: mark it busy here and wake the waiting request. */
static void call_started(struct jobs *js, struct job *j, const char *activity)
{
	struct call *c = j->call;

	pthread_mutex_lock(&js->lock);
	if (!j->ref[0] && busy_find(js, activity) < 0 && js->nbusy < js->cap)
		snprintf(js->busy[js->nbusy++], sizeof(js->busy[0]), "%s", activity);
	snprintf(j->ref, sizeof(j->ref), "%s", activity);
	pthread_mutex_unlock(&js->lock);
	pthread_mutex_lock(&c->lock);
	if (!c->started) {
		c->started = 1;
		snprintf(c->activity, sizeof(c->activity), "%s", activity);
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Engine events (on the worker thread) go to the hub, scoped to the project. */
static void on_event(const struct ferry_op_event *ev, void *data)
{
	struct job_run *jr = data;
	json_t *o = ferry_op_event_to_json(ev);
	int op_ev = ev->type == FERRY_OP_EV_OP_STARTED || ev->type == FERRY_OP_EV_OP_FINISHED;

	if (ev->type == FERRY_OP_EV_OP_STARTED && jr->job->call)
		call_started(jr->js, jr->job, ev->activity_id);
	if (!o)
		return;
	json_object_set_new(o, "project", json_string(jr->job->project));
	sse_publish(jr->js->d->hub, op_ev ? "operation" : "step", jr->job->project, o);
}

static int busy_find(struct jobs *js, const char *ref)
{
	int i;

	for (i = 0; i < js->nbusy; i++)
		if (!strcmp(js->busy[i], ref))
			return i;
	return -1;
}

static void busy_drop(struct jobs *js, const char *ref)
{
	int i;

	pthread_mutex_lock(&js->lock);
	if ((i = busy_find(js, ref)) >= 0)
		memmove(js->busy[i], js->busy[js->nbusy - 1], sizeof(js->busy[0])), js->nbusy--;
	pthread_mutex_unlock(&js->lock);
}

static int job_exec(struct ferry_ctx *ctx, struct job *j, const struct ferry_op_hooks *h,
		    struct ferry_error *err)
{
	switch (j->action) {
	case JOB_RUN: return ferry_op_run(ctx, j->ref, h, err);
	case JOB_RESUME: return ferry_op_resume(ctx, j->ref, h, err);
	case JOB_RERUN_STEP: return ferry_op_rerun_step(ctx, j->ref, j->step, h, err);
	case JOB_COMPLETE_STEP: return ferry_op_complete_step(ctx, j->ref, j->step, h, err);
	case JOB_CALL: return j->call->fn(ctx, j->call->args, h, j->call->fn_act, err);
	}
	return ferry_error_set(err, FERRY_EINTERNAL, "unknown job action");
}

/* The call returned: hand its result to the request if it still waits. */
static void call_done(struct jobs *js, struct job *j, int rc, const struct ferry_error *err)
{
	struct call *c = j->call;

	if (!j->ref[0] && c->fn_act[0]) { /* created, but failed before its first event */
		pthread_mutex_lock(&js->lock);
		snprintf(j->ref, sizeof(j->ref), "%s", c->fn_act);
		pthread_mutex_unlock(&js->lock);
	}
	pthread_mutex_lock(&c->lock);
	if (!c->activity[0])
		snprintf(c->activity, sizeof(c->activity), "%s", c->fn_act);
	c->done = 1;
	c->rc = rc;
	c->err = *err;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Run one job on this thread's store connection; record its outcome. */
static void job_run(struct jobs *js, struct job *j)
{
	struct job_run jr = { js, j };
	struct ferry_op_hooks hooks = { on_event, &jr, &js->stop, 1 };
	struct ferry_audit_entry e = { 0 };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_op *op = NULL;
	char action[48];
	int rc;

	ferry_error_clear(&err);
	if (!(ctx = ctx_pool_get(js->d->pool, &err))) {
		flog("error", "job could not open the store", "operation", j->ref, "error", err.msg, NULL);
		return;
	}
	ctx->actor = j->actor;
	flog("info", "job started", "operation", j->ref[0] ? j->ref : "new",
	     "action", j->call ? j->step : action_names[j->action], "actor", j->actor, NULL);
	rc = job_exec(ctx, j, &hooks, &err);
	if (j->call)
		call_done(js, j, rc, &err);
	if (!j->ref[0]) { /* a call refused before its operation existed: the request reports it */
		ctx_pool_put(js->d->pool, ctx);
		return;
	}
	if (rc == FERRY_ESTATE && strstr(err.msg, FERRY_OP_FENCED))
		flog("warn", "job stopped: another node took the operation over while this one was paused or cut off from the store",
		     "operation", j->ref, "error", err.msg, NULL);
	else if (ferry_op_find(ctx, j->ref, &op, NULL) == 0 && op->state == FERRY_OP_INTERRUPTED)
		flog("warn", "job interrupted: resume it with POST /api/operations/ID/resume",
		     "operation", j->ref, "step", op->step, NULL);
	else
		flog(rc ? "warn" : "info", "job ended", "operation", j->ref,
		     "state", op ? ferry_op_state_name(op->state) : "unknown",
		     rc ? "error" : NULL, err.msg, NULL);
	snprintf(action, sizeof(action), "op.%s", action_names[j->action]);
	e.actor = j->actor;
	e.action = action;
	e.target = op ? op->kind : NULL;
	e.project = j->project;
	e.code = rc;
	e.message = rc ? err.msg : NULL;
	e.activity_id = j->ref;
	ferry_audit_record(ctx, &e, NULL);
	ferry_op_free(op);
	ctx_pool_put(js->d->pool, ctx);
}

static void *worker(void *arg)
{
	struct jobs *js = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&js->lock);
		while (!js->head && !js->stopping)
			pthread_cond_wait(&js->cond, &js->lock);
		if (js->stopping) {
			pthread_mutex_unlock(&js->lock);
			return NULL;
		}
		j = js->head;
		js->head = j->next;
		if (!js->head)
			js->tail = NULL;
		pthread_mutex_unlock(&js->lock);
		job_run(js, j);
		busy_drop(js, j->ref);
		free(j);
	}
}

struct jobs *jobs_start(struct ferryd *d, int workers)
{
	struct jobs *js = calloc(1, sizeof(*js));
	int i;

	if (!js)
		return NULL;
	js->d = d;
	js->cap = 1024;
	js->busy = calloc((size_t)js->cap, sizeof(*js->busy));
	js->threads = calloc((size_t)workers, sizeof(*js->threads));
	if (!js->busy || !js->threads) {
		free(js->busy);
		free(js->threads);
		free(js);
		return NULL;
	}
	pthread_mutex_init(&js->lock, NULL);
	pthread_cond_init(&js->cond, NULL);
	for (i = 0; i < workers; i++)
		if (pthread_create(&js->threads[js->nthreads], NULL, worker, js) == 0)
			js->nthreads++;
	return js;
}

void jobs_stop(struct jobs *js)
{
	struct job *j;
	int i;

	if (!js)
		return;
	pthread_mutex_lock(&js->lock);
	js->stop = 1;
	js->stopping = 1;
	pthread_cond_broadcast(&js->cond);
	pthread_mutex_unlock(&js->lock);
	for (i = 0; i < js->nthreads; i++)
		pthread_join(js->threads[i], NULL);
	pthread_mutex_lock(&js->lock);
	while (js->ncalls > 0) /* calls stop between steps too */
		pthread_cond_wait(&js->cond, &js->lock);
	pthread_mutex_unlock(&js->lock);
	while ((j = js->head)) { /* queued, never started: still pending or failed in the store */
		js->head = j->next;
		flog("warn", "job not started before stop: resume it after the restart",
		     "operation", j->ref, NULL);
		free(j);
	}
	pthread_cond_destroy(&js->cond);
	pthread_mutex_destroy(&js->lock);
	free(js->threads);
	free(js->busy);
	free(js);
}

int jobs_submit(struct jobs *js, enum job_action action, const char *ref, const char *step,
		const char *actor, const char *project, struct ferry_error *err)
{
	struct job *j = calloc(1, sizeof(*j));
	int rc = 0;

	if (!j)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	j->action = action;
	snprintf(j->ref, sizeof(j->ref), "%s", ref);
	snprintf(j->step, sizeof(j->step), "%s", step ? step : "");
	snprintf(j->actor, sizeof(j->actor), "%s", actor);
	snprintf(j->project, sizeof(j->project), "%s", project ? project : "");
	pthread_mutex_lock(&js->lock);
	if (js->stopping)
		rc = ferry_error_set(err, FERRY_ESTATE, "ferryd is stopping: try again after the restart");
	else if (busy_find(js, ref) >= 0)
		rc = ferry_error_set(err, FERRY_ESTATE,
			"operation %s is already queued or running in ferryd: watch /api/events", ref);
	else if (js->nbusy >= js->cap)
		rc = ferry_error_set(err, FERRY_ESTATE, "too many jobs queued: try again later");
	if (!rc) {
		snprintf(js->busy[js->nbusy++], sizeof(js->busy[0]), "%s", ref);
		if (js->tail)
			js->tail->next = j;
		else
			js->head = j;
		js->tail = j;
		pthread_cond_signal(&js->cond);
	}
	pthread_mutex_unlock(&js->lock);
	if (rc)
		free(j);
	return rc;
}

int jobs_busy(struct jobs *js, const char *ref)
{
	int b;

	pthread_mutex_lock(&js->lock);
	b = busy_find(js, ref) >= 0;
	pthread_mutex_unlock(&js->lock);
	return b;
}

void jobs_recover(struct ferryd *d)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *found = json_array(), *o, *all = NULL;
	size_t i;
	int n = 0;

	ferry_error_clear(&err);
	if (!found || !(ctx = ctx_pool_get(d->pool, &err))) {
		json_decref(found);
		return;
	}
	if (ferry_op_reap(ctx, &n, found, &err))
		flog("error", "cannot check for interrupted operations", "error", err.msg, NULL);
	if (ferry_op_list(ctx, NULL, 1000, &all, &err) == 0) {
		json_array_foreach(all, i, o) {
			const char *st = json_string_value(json_object_get(o, "state"));
			if (!st || (strcmp(st, "interrupted") && strcmp(st, "pending")))
				continue;
			flog("warn", "operation needs resuming: POST /api/operations/ID/resume",
			     "operation", json_string_value(json_object_get(o, "activity_id")),
			     "kind", json_string_value(json_object_get(o, "kind")),
			     "env", json_string_value(json_object_get(o, "env")), "state", st, NULL);
			sse_publish(d->hub, "operation", json_string_value(json_object_get(o, "project")),
				    json_pack("{s:s, s:O, s:O, s:O, s:O}", "event", "op-needs-resume",
					      "activity_id", json_object_get(o, "activity_id"),
					      "kind", json_object_get(o, "kind"), "env", json_object_get(o, "env"),
					      "state", json_object_get(o, "state")));
		}
	}
	json_decref(all);
	json_decref(found);
	ctx_pool_put(d->pool, ctx);
}

/* The operations this daemon has queued or running (their runners' leases may have
 * lapsed while the store was away: they are not another node's to take). */
static json_t *jobs_running_here(struct jobs *js)
{
	json_t *a = json_array();
	int i;

	pthread_mutex_lock(&js->lock);
	for (i = 0; a && i < js->nbusy; i++)
		json_array_append_new(a, json_string(js->busy[i]));
	pthread_mutex_unlock(&js->lock);
	return a;
}

void jobs_takeover(struct ferryd *d)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *taken, *v, *here;
	size_t i;
	int n = 0;

	ferry_error_clear(&err);
	if (!d->jobs || !(ctx = ctx_pool_get(d->pool, &err)))
		return;
	if (strcmp(ferry_store_backend(ctx->store), "postgresql") || !(taken = json_array())) {
		ctx_pool_put(d->pool, ctx);
		return;
	}
	here = jobs_running_here(d->jobs);
	if (ferry_op_takeover(ctx, here, &n, taken, &err))
		flog("error", "cannot check for operations of dead nodes", "error", err.msg, NULL);
	pthread_mutex_lock(&d->jobs->lock);
	d->jobs->takeovers += json_array_size(taken);
	pthread_mutex_unlock(&d->jobs->lock);
	json_array_foreach(taken, i, v) {
		const char *ref = json_string_value(v);
		struct ferry_op *op = NULL;
		ferry_error_clear(&err);
		ferry_op_find(ctx, ref, &op, NULL);
		flog("warn", "taking over an operation whose node stopped renewing its lease",
		     "operation", ref, "step", op ? op->step : "", NULL);
		if (jobs_submit(d->jobs, JOB_RESUME, ref, NULL, "ferryd (takeover)",
				op ? op->project : "", &err))
			flog("error", "cannot queue the takeover", "operation", ref, "error", err.msg, NULL);
		ferry_op_free(op);
	}
	json_decref(taken);
	json_decref(here);
	ctx_pool_put(d->pool, ctx);
}

static void *call_thread(void *arg)
{
	struct job *j = arg;
	struct call *c = j->call;
	struct jobs *js = c->js;

	job_run(js, j);
	busy_drop(js, j->ref);
	call_unref(c);
	free(j);
	pthread_mutex_lock(&js->lock);
	js->ncalls--;
	pthread_cond_broadcast(&js->cond);
	pthread_mutex_unlock(&js->lock);
	return NULL;
}

int jobs_call(struct jobs *js, job_call_fn fn, json_t *args, const char *what, const char *actor,
	      const char *project, char activity[37], struct ferry_error *err)
{
	struct job *j = calloc(1, sizeof(*j));
	struct call *c = calloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;
	int rc = 0;

	activity[0] = '\0';
	if (!j || !c) {
		free(j);
		free(c);
		json_decref(args);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	c->js = js;
	c->fn = fn;
	c->args = args;
	c->refs = 2;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	j->action = JOB_CALL;
	j->call = c;
	snprintf(j->step, sizeof(j->step), "%s", what);
	snprintf(j->actor, sizeof(j->actor), "%s", actor);
	snprintf(j->project, sizeof(j->project), "%s", project ? project : "");
	pthread_mutex_lock(&js->lock);
	if (js->stopping)
		rc = ferry_error_set(err, FERRY_ESTATE, "ferryd is stopping: try again after the restart");
	else
		js->ncalls++;
	pthread_mutex_unlock(&js->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!rc && pthread_create(&t, &attr, call_thread, j)) {
		pthread_mutex_lock(&js->lock);
		js->ncalls--;
		pthread_mutex_unlock(&js->lock);
		rc = ferry_error_set(err, FERRY_EFAILED, "cannot start a thread for %s: try again", what);
	}
	pthread_attr_destroy(&attr);
	if (rc) {
		call_unref(c);
		call_unref(c);
		free(j);
		return rc;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->started && !c->done)
		pthread_cond_wait(&c->cond, &c->lock);
	snprintf(activity, 37, "%s", c->activity);
	if (!activity[0] && c->done) {
		rc = c->rc ? c->rc : FERRY_EINTERNAL;
		*err = c->err;
		if (!c->rc)
			ferry_error_set(err, FERRY_EINTERNAL, "%s ended without an operation", what);
	}
	pthread_mutex_unlock(&c->lock);
	call_unref(c);
	return rc;
}

void jobs_stats(struct jobs *js, struct jobs_stats *out)
{
	struct job *j;

	memset(out, 0, sizeof(*out));
	if (!js)
		return;
	pthread_mutex_lock(&js->lock);
	for (j = js->head; j; j = j->next)
		out->queued++;
	out->active = js->nbusy;
	out->takeovers = js->takeovers;
	pthread_mutex_unlock(&js->lock);
}
