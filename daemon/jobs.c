/* jobs.c: operations run as jobs on a pool of worker threads, each with its own store
 * connection. The engine's journal is the truth: a job only names an operation and an
 * action (run, resume, rerun a step, confirm a step). On SIGTERM runners stop between
 * steps (the operation becomes interrupted); after a crash the dead runner's lease is
 * reaped at start. Both are reported and resumable, never run twice. */
#include "ferryd.h"

#include "ferry/audit.h"
#include "ferry/ctx.h"
#include "ferry/op.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
	enum job_action action;
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
};

struct job_run {
	struct jobs *js;
	struct job *job;
};

static const char *const action_names[] = { "run", "resume", "rerun-step", "complete-step" };

/* Engine events (on the worker thread) go to the hub, scoped to the project. */
static void on_event(const struct ferry_op_event *ev, void *data)
{
	struct job_run *jr = data;
	json_t *o = ferry_op_event_to_json(ev);
	int op_ev = ev->type == FERRY_OP_EV_OP_STARTED || ev->type == FERRY_OP_EV_OP_FINISHED;

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
	}
	return ferry_error_set(err, FERRY_EINTERNAL, "unknown job action");
}

/* Run one job on this thread's store connection; record its outcome. */
static void job_run(struct jobs *js, struct job *j)
{
	struct job_run jr = { js, j };
	struct ferry_op_hooks hooks = { on_event, &jr, &js->stop };
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
	flog("info", "job started", "operation", j->ref, "action", action_names[j->action],
	     "actor", j->actor, NULL);
	rc = job_exec(ctx, j, &hooks, &err);
	if (ferry_op_find(ctx, j->ref, &op, NULL) == 0 && op->state == FERRY_OP_INTERRUPTED)
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
