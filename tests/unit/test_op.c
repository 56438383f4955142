/* SPDX-License-Identifier: MIT */
/* test_op.c: unit tests of the step engine, with the op.selftest kind whose steps
 * write files and SQLite rows: run, fail and resume, crash at every step boundary
 * (forked child killed by FERRY_CRASH_AT) and resume, manual steps, rerun-step,
 * abort, the one-operation-per-environment rule, leases, events and threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/registry/registry.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"
#include "fixture.h"
#include "ops/op_int.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

struct fx {
	char dir[256];
	char home[300];
	struct ferry_ctx *ctx;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ferry_env_spec e1 = { "e1", "p", "sandbox", NULL, "7.3", "PU12" };
	struct ferry_env_spec e2 = { "e2", "p", "sandbox", NULL, "7.3", "PU12" };
	struct ferry_error err;

	snprintf(f->dir, sizeof(f->dir), "%s/ferry-test-op.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	ferry_error_clear(&err);
	ufx_open_home(f->home, &f->ctx);
	assert_int_equal(ferry_project_create(f->ctx, "p", "finance-operations", "", &err), 0);
	assert_int_equal(ferry_env_create(f->ctx, &e1, &err), 0);
	assert_int_equal(ferry_env_create(f->ctx, &e2, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ferry_ctx_free(f->ctx);
	ferry_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

/* Create a selftest on env writing into <dir>/<out>; extra JSON params merged. */
static struct ferry_op *mk(struct fx *f, const char *env, const char *out, const char *extra,
			   int expect_rc)
{
	struct ferry_op_spec spec = { "op.selftest", env, NULL, NULL };
	struct ferry_error err;
	struct ferry_op *op = NULL;
	int rc;

	spec.params = extra ? json_loads(extra, 0, NULL) : json_object();
	json_object_set_new(spec.params, "dir", json_sprintf("%s/%s", f->dir, out));
	ferry_error_clear(&err);
	rc = ferry_op_create(f->ctx, &spec, &op, &err);
	json_decref(spec.params);
	assert_int_equal(rc, expect_rc);
	return op;
}

static enum ferry_op_state state_of(struct fx *f, const char *id)
{
	struct ferry_op *op;
	enum ferry_op_state s;

	assert_int_equal(ferry_op_find(f->ctx, id, &op, NULL), 0);
	s = op->state;
	ferry_op_free(op);
	return s;
}

/* A step's state and attempts from the JSON view. */
static const char *step_state(struct fx *f, const char *id, const char *step, int *attempts)
{
	static char out[32];
	struct ferry_op *op;
	json_t *o, *s;
	size_t i;

	out[0] = '\0';
	assert_int_equal(ferry_op_find(f->ctx, id, &op, NULL), 0);
	assert_int_equal(ferry_op_to_json(f->ctx, op, 1, 0, &o, NULL), 0);
	json_array_foreach(json_object_get(o, "steps"), i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")), step)) {
			snprintf(out, sizeof(out), "%s", json_string_value(json_object_get(s, "state")));
			if (attempts)
				*attempts = (int)json_integer_value(json_object_get(s, "attempts"));
		}
	json_decref(o);
	ferry_op_free(op);
	return out;
}

/* Everything the selftest leaves behind, as one string. */
static char *digest(struct fx *f, const char *out)
{
	static const char *const files[] = { "hello.txt", "a.txt", "b.txt", "c.txt", "journal.txt",
					     "confirmed.txt", "done.txt", NULL };
	struct ferry_buf b = FERRY_BUF_INIT;
	sqlite3 *db;
	sqlite3_stmt *st;
	char p[512];
	int i;

	for (i = 0; files[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s/%s", f->dir, out, files[i]);
		ferry_buf_addf(&b, "[%s]", files[i]);
		ferry_buf_read_file(&b, p);
	}
	snprintf(p, sizeof(p), "%s/%s/rows.db", f->dir, out);
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT n, v FROM rows ORDER BY n", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			ferry_buf_addf(&b, "%d=%s;", sqlite3_column_int(st, 0), sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return ferry_buf_detach(&b);
}

static void test_run_succeeds(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", NULL, 0);
	struct ferry_error err;
	char *d;
	int att = 0;

	assert_int_equal(op->state, FERRY_OP_PENDING);
	assert_string_equal(op->step, "prepare");
	assert_string_equal(step_state(f, op->activity_id, "confirm", NULL), "skipped");
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), 0);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_SUCCEEDED);
	assert_string_equal(step_state(f, op->activity_id, "finish", &att), "succeeded");
	assert_int_equal(att, 1);
	d = digest(f, "out");
	assert_non_null(strstr(d, "[done.txt]done: 100 rows"));
	assert_non_null(strstr(d, "100=row 100;"));
	free(d);
	/* an ended operation does not run again, and frees the environment */
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), FERRY_ESTATE);
	ferry_op_free(mk(f, "e1", "again", NULL, 0));
	ferry_op_free(op);
}

/* A multi-line log message keeps every line; a step's error shows no work path of
 * ferry's home and no empty field. */
static void test_log_lines_and_clean_errors(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", "{\"note\": \"one\\ntwo\\r\\nthree\\n\", "
				 "\"fail_at\": \"work\", \"fail_work\": \"pkg/x.sql\"}", 0);
	struct ferry_error err;
	char *log = NULL;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), FERRY_EFAILED);
	assert_null(strstr(err.msg, "/work/"));
	assert_null(strstr(err.msg, ": : "));
	assert_non_null(strstr(err.msg, "that fail): pkg/x.sql"));
	assert_int_equal(ferry_op_log_text(f->ctx, op, "prepare", &log, &err), 0);
	assert_non_null(strstr(log, "\none\ntwo\nthree\n"));
	free(log);
	ferry_op_free(op);
}

static void test_one_active_per_env(void **state)
{
	struct fx *f = *state;
	struct ferry_op *a = mk(f, "e1", "a", "{\"fail_at\": \"work\"}", 0);
	struct ferry_op_spec spec = { "op.selftest", "e1", NULL, NULL };
	struct ferry_error err;
	struct ferry_op *b = NULL;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, a->activity_id, NULL, &err), FERRY_EFAILED);
	assert_int_equal(ferry_op_create(f->ctx, &spec, &b, &err), FERRY_ESTATE);
	assert_null(b);
	assert_non_null(strstr(err.msg, a->activity_id));
	assert_non_null(strstr(err.msg, "failed at step 'work'"));
	/* another environment is free */
	ferry_op_free(mk(f, "e2", "b", NULL, 0));
	/* once aborted, e1 takes a new one */
	assert_int_equal(ferry_op_abort(f->ctx, a->activity_id, &err), 0);
	ferry_op_free(mk(f, "e1", "c", NULL, 0));
	ferry_op_free(a);
}

static void test_fail_then_resume(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", "{\"fail_at\": \"insert-rows\", \"fail_times\": 2}", 0);
	struct ferry_error err;
	int att = 0;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), FERRY_EFAILED);
	assert_string_equal(err.activity_id, op->activity_id);
	assert_non_null(strstr(err.msg, "step 'insert-rows' failed: injected failure"));
	assert_non_null(strstr(err.msg, op->activity_id));
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_FAILED);
	assert_string_equal(step_state(f, op->activity_id, "write-files", NULL), "succeeded");
	assert_string_equal(step_state(f, op->activity_id, "append-journal", NULL), "pending");
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), FERRY_EFAILED);
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), 0);
	assert_string_equal(step_state(f, op->activity_id, "insert-rows", &att), "succeeded");
	assert_int_equal(att, 3);
	assert_string_equal(step_state(f, op->activity_id, "write-files", &att), "succeeded");
	assert_int_equal(att, 1);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_SUCCEEDED);
	ferry_op_free(op);
}

/* Run the operation in a child process that SIGKILLs itself at `at` (the crash_at
 * test hook: test builds only, `make SAN=1`). */
static void run_crashing(struct fx *f, const char *id, const char *at)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ferry_ctx *c;
		if (ferry_ctx_reopen(f->ctx, &c, NULL) ||
		    ferry_settings_set(&c->settings, "crash-at", at, NULL))
			_exit(3);
		ferry_op_run(c, id, NULL, NULL);
		_exit(4); /* should not get here */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_crash_every_boundary(void **state)
{
	static const char *const steps[] = { "prepare", "write-files", "insert-rows",
					     "append-journal", "work", "finish", NULL };
	struct fx *f = *state;
	struct ferry_op *ref;
	char *want, *got, out[64], at[64];
	struct ferry_error err;
	int i, k, n;

#ifndef FERRY_TEST_HOOKS
	skip(); /* a release build has no crash hook: `make SAN=1` builds the tests with it */
#endif
	ref = mk(f, "e2", "ref", NULL, 0);
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, ref->activity_id, NULL, &err), 0);
	want = digest(f, "ref");
	for (i = 0; steps[i]; i++) {
		for (k = 0; k < 3; k++) {
			struct ferry_op *op;
			int att = 0;
			snprintf(out, sizeof(out), "crash-%s-%d", steps[i], k);
			snprintf(at, sizeof(at), "%s%s", steps[i],
				 k == 0 ? "" : k == 1 ? ":after" : ":b.txt");
			if (k == 2 && strcmp(steps[i], "write-files"))
				continue;
			op = mk(f, "e1", out, NULL, 0);
			run_crashing(f, op->activity_id, at);
			assert_int_equal(state_of(f, op->activity_id), FERRY_OP_RUNNING);
			assert_int_equal(ferry_op_reap(f->ctx, &n, NULL, &err), 0);
			assert_int_equal(n, 1);
			assert_int_equal(state_of(f, op->activity_id), FERRY_OP_INTERRUPTED);
			assert_string_equal(step_state(f, op->activity_id, steps[i], NULL), "interrupted");
			ferry_error_clear(&err);
			assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), 0);
			assert_int_equal(state_of(f, op->activity_id), FERRY_OP_SUCCEEDED);
			assert_string_equal(step_state(f, op->activity_id, steps[i], &att), "succeeded");
			assert_int_equal(att, 2);
			got = digest(f, out);
			assert_string_equal(got, want);
			free(got);
			ferry_op_free(op);
		}
	}
	free(want);
	ferry_op_free(ref);
}

static void test_crash_without_reap_resumes(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op;
	struct ferry_error err;

#ifndef FERRY_TEST_HOOKS
	skip(); /* a release build has no crash hook */
#endif
	op = mk(f, "e1", "out", NULL, 0);
	run_crashing(f, op->activity_id, "work");
	/* resume finds the dead lease by itself */
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), 0);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_SUCCEEDED);
	ferry_op_free(op);
}

static void test_manual_and_rerun(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", "{\"manual\": true}", 0);
	struct ferry_error err;
	char *d;
	int att = 0;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), 0);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_AWAITING_CONFIRM);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), FERRY_ESTATE);
	assert_int_equal(ferry_op_complete_step(f->ctx, op->activity_id, "work", NULL, &err), FERRY_EINVAL);
	assert_int_equal(ferry_op_complete_step(f->ctx, op->activity_id, "nope", NULL, &err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_op_rerun_step(f->ctx, op->activity_id, "finish", NULL, &err), FERRY_ESTATE);
	/* rerun a step that ran: it runs again and the operation parks again */
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_rerun_step(f->ctx, op->activity_id, "work", NULL, &err), 0);
	assert_string_equal(step_state(f, op->activity_id, "work", &att), "succeeded");
	assert_int_equal(att, 2);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_AWAITING_CONFIRM);
	assert_int_equal(ferry_op_complete_step(f->ctx, op->activity_id, "confirm", NULL, &err), 0);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_SUCCEEDED);
	d = digest(f, "out");
	assert_non_null(strstr(d, "[confirmed.txt]confirmed"));
	free(d);
	ferry_op_free(op);
}

static void test_abort(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", "{\"fail_at\": \"work\", \"no_abort\": true}", 0);
	struct ferry_error err;
	char p[512];

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), FERRY_EFAILED);
	assert_int_equal(ferry_op_abort(f->ctx, op->activity_id, &err), FERRY_EREFUSED);
	assert_non_null(strstr(err.msg, "--no-abort"));
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_FAILED);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), 0);
	ferry_op_free(op);

	op = mk(f, "e1", "out2", "{\"fail_at\": \"work\"}", 0);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), FERRY_EFAILED);
	snprintf(p, sizeof(p), "%s/out2/a.txt", f->dir);
	assert_true(ferry_path_exists(p));
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_abort(f->ctx, op->activity_id, &err), 0);
	assert_false(ferry_path_exists(p));
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_ABORTED);
	assert_int_equal(ferry_op_abort(f->ctx, op->activity_id, &err), FERRY_ESTATE);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), FERRY_ESTATE);
	ferry_op_free(op);
}

static void test_live_lease_refuses(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", NULL, 0);
	char token[OP_TOKEN_MAX];
	struct ferry_error err;
	int n = -1;

	op_lease_self(&f->ctx->settings, token);
	assert_int_equal(ferry_store_run(f->ctx->store, NULL,
		"UPDATE operations SET state = 'running', lease_pid = ?, lease_token = ? WHERE id = ?",
		"iti", (int64_t)getpid(), token, op->id), 0);
	assert_int_equal(ferry_op_reap(f->ctx, &n, NULL, &err), 0);
	assert_int_equal(n, 0);
	ferry_error_clear(&err);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), FERRY_ESTATE);
	assert_non_null(strstr(err.msg, "is being run by process"));
	assert_int_equal(ferry_op_abort(f->ctx, op->activity_id, &err), FERRY_ESTATE);
	/* the same pid with another start time is a reused pid: dead */
	assert_int_equal(ferry_store_run(f->ctx->store, NULL,
		"UPDATE operations SET lease_token = lease_token || '0' WHERE id = ?", "i", op->id), 0);
	assert_int_equal(ferry_op_reap(f->ctx, &n, NULL, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_INTERRUPTED);
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), 0);
	ferry_op_free(op);
}

static void test_find_refs(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", NULL, 0), *got = NULL;
	struct ferry_error err;
	char pre[9];

	snprintf(pre, sizeof(pre), "%.8s", op->activity_id);
	assert_int_equal(ferry_op_find(f->ctx, pre, &got, &err), 0);
	assert_string_equal(got->activity_id, op->activity_id);
	ferry_op_free(got);
	assert_int_equal(ferry_op_find(f->ctx, "abc", &got, &err), FERRY_EINVAL);
	assert_int_equal(ferry_op_find(f->ctx, "zzzz", &got, &err), FERRY_EINVAL);
	assert_int_equal(ferry_op_find(f->ctx, "0000-0000", &got, &err), FERRY_ENOTFOUND);
	ferry_op_free(op);
}

struct ev_count {
	int op_started, step_started, progress, step_finished, op_finished;
	char last_state[32];
};

static void count_event(const struct ferry_op_event *ev, void *data)
{
	struct ev_count *c = data;
	json_t *j = ferry_op_event_to_json(ev);

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "event")), ferry_op_event_name(ev->type));
	json_decref(j);
	switch (ev->type) {
	case FERRY_OP_EV_OP_STARTED: c->op_started++; break;
	case FERRY_OP_EV_STEP_STARTED: c->step_started++; break;
	case FERRY_OP_EV_STEP_PROGRESS: c->progress++; break;
	case FERRY_OP_EV_STEP_FINISHED: c->step_finished++; break;
	case FERRY_OP_EV_OP_FINISHED:
		c->op_finished++;
		snprintf(c->last_state, sizeof(c->last_state), "%s", ev->state);
		break;
	default: break;
	}
}

static void test_events(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", "{\"ticks\": 7}", 0);
	struct ev_count c = { 0 };
	struct ferry_op_hooks hooks = { count_event, &c, NULL, 0 };
	struct ferry_error err;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, &hooks, &err), 0);
	assert_int_equal(c.op_started, 1);
	assert_int_equal(c.step_started, 6);
	assert_int_equal(c.step_finished, 6);
	assert_int_equal(c.progress, 7);
	assert_int_equal(c.op_finished, 1);
	assert_string_equal(c.last_state, "succeeded");
	ferry_op_free(op);
}

/* FERRY_STEP_NOSYNC: write-files and insert-rows (both flagged) commit with the store's
 * sync deferred; write-files' outcome (chained to insert-rows) too, insert-rows' outcome
 * (chained to an unflagged step) synced, and every other step synced. Seen from the
 * events: STEP_STARTED follows the step's running mark, STEP_FINISHED its outcome. */
struct sync_seen {
	struct ferry_store *store;
	char log[512];
};

static void sync_event(const struct ferry_op_event *ev, void *data)
{
	struct sync_seen *s = data;
	size_t n = strlen(s->log);

	if (ev->type == FERRY_OP_EV_STEP_STARTED || ev->type == FERRY_OP_EV_STEP_FINISHED)
		snprintf(s->log + n, sizeof(s->log) - n, "%s%s=%d ",
			 ev->type == FERRY_OP_EV_STEP_STARTED ? ">" : "<", ev->step,
			 ferry_store_sync_deferred(s->store));
}

static void test_nosync_steps(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", NULL, 0);
	struct sync_seen seen = { f->ctx->store, "" };
	struct ferry_op_hooks hooks = { sync_event, &seen, NULL, 0 };
	struct ferry_error err;
	char *d;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, &hooks, &err), 0);
	assert_string_equal(seen.log, ">prepare=0 <prepare=0 >write-files=1 <write-files=1 "
			    ">insert-rows=1 <insert-rows=0 >append-journal=0 <append-journal=0 "
			    ">work=0 <work=0 >finish=0 <finish=0 ");
	assert_int_equal(ferry_store_sync_deferred(f->ctx->store), 0);
	d = digest(f, "out");
	assert_non_null(strstr(d, "100=row 100;"));
	free(d);
	ferry_op_free(op);

	/* a flagged step that fails: its outcome is synced, and so is what follows */
	op = mk(f, "e2", "out2", "{\"fail_at\": \"insert-rows\", \"fail_times\": 1}", 0);
	seen.log[0] = '\0';
	assert_true(ferry_op_run(f->ctx, op->activity_id, &hooks, &err) < 0);
	assert_non_null(strstr(seen.log, ">insert-rows=1 <insert-rows=0 "));
	assert_int_equal(ferry_store_sync_deferred(f->ctx->store), 0);
	ferry_op_free(op);
}

static void test_stop_flag_interrupts(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "out", NULL, 0);
	volatile int stop = 1;
	struct ferry_op_hooks hooks = { NULL, NULL, &stop, 0 };
	struct ferry_error err;

	ferry_error_clear(&err);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, &hooks, &err), 0);
	assert_int_equal(state_of(f, op->activity_id), FERRY_OP_INTERRUPTED);
	assert_string_equal(step_state(f, op->activity_id, "prepare", NULL), "pending");
	assert_int_equal(ferry_op_resume(f->ctx, op->activity_id, NULL, &err), 0);
	ferry_op_free(op);
}

/* Another runner takes the lease (a new fencing token) while this one is in the work
 * step, which runs in child processes one after another: this runner's writes are
 * refused, it starts no further child, and it stops with FERRY_OP_FENCED; what the
 * other runner left stays as it was. */
struct taker {
	struct fx *f;
	int64_t op_id;
	char log[600];
	int rc;
};

static void *take_over_when_working(void *p)
{
	struct timespec ms5 = { 0, 5000000L };
	struct taker *t = p;
	struct ferry_ctx *c;
	int i;

	if ((t->rc = ferry_ctx_reopen(t->f->ctx, &c, NULL)))
		return NULL;
	for (i = 0; i < 2000 && access(t->log, F_OK) != 0; i++)
		nanosleep(&ms5, NULL);
	t->rc = access(t->log, F_OK) ? -1 : ferry_store_run(c->store, NULL,
		"UPDATE operations SET lease_epoch = lease_epoch + 1, lease_token = 'another' "
		"WHERE id = ?", "i", t->op_id);
	ferry_ctx_free(c);
	return NULL;
}

static void test_fenced_runner_stops(void **state)
{
	struct fx *f = *state;
	struct ferry_op *op = mk(f, "e1", "fenced",
		"{\"children\": 3, \"ticks\": 10, \"tick_ms\": 30, \"env_state\": true}", 0);
	struct taker t = { f, op->id, "", 0 };
	struct ferry_error err;
	struct ferry_buf log = FERRY_BUF_INIT;
	struct ferry_op *after;
	int attempts = 0, lines = 0;
	char *line;
	pthread_t th;

	snprintf(t.log, sizeof(t.log), "%s/fenced/work.log", f->dir);
	ferry_error_clear(&err);
	assert_int_equal(pthread_create(&th, NULL, take_over_when_working, &t), 0);
	assert_int_equal(ferry_op_run(f->ctx, op->activity_id, NULL, &err), FERRY_ESTATE);
	pthread_join(th, NULL);
	assert_int_equal(t.rc, 0);
	assert_non_null(strstr(err.msg, FERRY_OP_FENCED));
	/* nothing recorded after the takeover: the step is still running, the rest pending */
	assert_int_equal(ferry_op_find(f->ctx, op->activity_id, &after, NULL), 0);
	assert_int_equal(after->state, FERRY_OP_RUNNING);
	assert_int_equal(after->lease_epoch, op->lease_epoch + 2);
	ferry_op_free(after);
	assert_string_equal(step_state(f, op->activity_id, "work", &attempts), "running");
	assert_int_equal(attempts, 1);
	assert_string_equal(step_state(f, op->activity_id, "finish", NULL), "pending");
	/* only the first child ran ("<node> 1 <tick> <pid>"): the fenced runner started no other */
	assert_int_equal(ferry_buf_read_file(&log, t.log), 0);
	for (line = log.data; line && *line; line = strchr(line, '\n') + 1) {
		assert_non_null(strchr(line, '\n'));
		assert_non_null(strstr(line, " 1 "));
		lines++;
	}
	ferry_buf_release(&log);
	assert_int_equal(lines, 10);
	ferry_op_free(op);
}

/* Overlap proof: the first step of each run waits (at most 30 s) until the other run
 * is inside a step too; a run that got there alone timed out and says so. */
struct overlap {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int inside;        /* runs that reached their first step */
	int met;           /* runs that saw the other one inside a step */
};

struct thread_arg {
	struct fx *f;
	char id[37];
	int rc;
	struct overlap *ov;
	int waited;
};

static void overlap_event(const struct ferry_op_event *ev, void *data)
{
	struct thread_arg *a = data;
	struct timespec until;

	if (ev->type != FERRY_OP_EV_STEP_STARTED || a->waited++)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(&a->ov->lock);
	a->ov->inside++;
	pthread_cond_broadcast(&a->ov->cond);
	while (a->ov->inside < 2 &&
	       pthread_cond_timedwait(&a->ov->cond, &a->ov->lock, &until) == 0)
		;
	if (a->ov->inside >= 2)
		a->ov->met++;
	pthread_mutex_unlock(&a->ov->lock);
}

static void *thread_run(void *p)
{
	struct thread_arg *a = p;
	struct ferry_op_hooks hooks = { .on_event = overlap_event, .data = a };
	struct ferry_ctx *c;

	a->rc = ferry_ctx_reopen(a->f->ctx, &c, NULL);
	if (!a->rc)
		a->rc = ferry_op_run(c, a->id, a->ov ? &hooks : NULL, NULL);
	ferry_ctx_free(c);
	return NULL;
}

static void test_threads_different_envs(void **state)
{
	struct fx *f = *state;
	struct ferry_op *a = mk(f, "e1", "t1", "{\"ticks\": 50}", 0);
	struct ferry_op *b = mk(f, "e2", "t2", "{\"ticks\": 50}", 0);
	struct overlap ov = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	struct thread_arg ta = { f, "", -1, &ov, 0 }, tb = { f, "", -1, &ov, 0 };
	pthread_t x, y;
	char *da, *db;

	snprintf(ta.id, sizeof(ta.id), "%s", a->activity_id);
	snprintf(tb.id, sizeof(tb.id), "%s", b->activity_id);
	assert_int_equal(pthread_create(&x, NULL, thread_run, &ta), 0);
	assert_int_equal(pthread_create(&y, NULL, thread_run, &tb), 0);
	pthread_join(x, NULL);
	pthread_join(y, NULL);
	assert_int_equal(ta.rc, 0);
	assert_int_equal(tb.rc, 0);
	if (ov.met != 2)   /* both were inside a step at the same time */
		fail_msg("the runs did not overlap: %d of 2 saw the other inside a step", ov.met);
	assert_int_equal(state_of(f, a->activity_id), FERRY_OP_SUCCEEDED);
	assert_int_equal(state_of(f, b->activity_id), FERRY_OP_SUCCEEDED);
	da = digest(f, "t1");
	db = digest(f, "t2");
	assert_string_equal(da, db);
	free(da);
	free(db);
	ferry_op_free(a);
	ferry_op_free(b);
}

/* Leases name their node: a node proves only its own processes dead; another
 * node's lease stays alive (no operation runs twice across machines). */
static void test_lease_nodes(void **state)
{
	struct ferry_settings s;
	char token[OP_TOKEN_MAX];
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "node-id", "node-a", NULL), 0);
	op_lease_self(&s, token);
	assert_non_null(strstr(token, "node-a/"));
	assert_true(op_lease_alive(&s, (int64_t)getpid(), token));
	assert_false(op_lease_alive(&s, (int64_t)child, token));   /* dead here, on node-a */
	assert_int_equal(ferry_settings_set(&s, "node-id", "node-b", NULL), 0);
	assert_true(op_lease_alive(&s, (int64_t)child, token));    /* node-b cannot tell */
	ferry_settings_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_succeeds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_active_per_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_lines_and_clean_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_then_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_every_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_without_reap_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_and_rerun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_lease_refuses, setup, teardown),
		cmocka_unit_test(test_lease_nodes),
		cmocka_unit_test_setup_teardown(test_find_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nosync_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_flag_interrupts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_different_envs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fenced_runner_stops, setup, teardown),
	};
	return cmocka_run_group_tests_name("op", tests, NULL, NULL);
}
