/* SPDX-License-Identifier: MIT */
/* op_selftest.c: the "op.selftest" operation kind: a diagnostics runbook whose
 * idempotent steps write files and SQLite rows into a directory, with failure
 * injection, a manual step and progress, to check the engine end to end
 * (`ferry op selftest`). Knobs for the engine's own tests: `children` runs the work
 * step in that many child processes one after the other (like a step's scripts),
 * each appending "<node> <child> <tick> <pid>" lines to work.log; `log_ticks` logs
 * each tick; `env_state` moves the environment's state with the operation's, as a
 * servicing operation does. */
#include "ops/op_int.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/project/env.h"
#include "ferry/store/ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SELFTEST_ROWS 100

static const char *param_str(struct ferry_op_run *run, const char *key)
{
	return json_string_value(json_object_get(run->op->params, key));
}

static long long param_int(struct ferry_op_run *run, const char *key, long long def)
{
	json_t *v = json_object_get(run->op->params, key);
	return json_is_integer(v) ? json_integer_value(v) : def;
}

/* Injected failure: params fail_at = this step, for the first fail_times attempts;
 * fail_work = a file name: the message ends with its path in the operation's work
 * directory, as a failing program's output would (the engine shows it relative). */
static int injected(struct ferry_op_run *run, struct ferry_error *err)
{
	const char *at = param_str(run, "fail_at"), *work = param_str(run, "fail_work");
	long long times = param_int(run, "fail_times", 1);

	if (at && !strcmp(at, run->step) && run->attempt <= times)
		return ferry_error_set(err, FERRY_EFAILED,
			"injected failure at step '%s' (attempt %d of %lld that fail)%s%s%s%s%s%s",
			run->step, run->attempt, times, work ? ": : " : "", work ? run->ctx->home : "",
			work ? "/work/" : "", work ? run->op->activity_id : "", work ? "/" : "",
			work ? work : "");
	return 0;
}

static int path_in(struct ferry_op_run *run, const char *name, char *out, size_t cap,
		   struct ferry_error *err)
{
	const char *dir = param_str(run, "dir");

	if (!dir || !*dir)
		return ferry_error_set(err, FERRY_EINVAL, "selftest: parameter 'dir' is missing");
	if ((size_t)snprintf(out, cap, "%s/%s", dir, name) >= cap)
		return ferry_error_set(err, FERRY_EINVAL, "selftest: path too long: %s/%s", dir, name);
	return 0;
}

static int st_prepare(struct ferry_op_run *run, struct ferry_error *err)
{
	char p[4096];
	int rc;

	if ((rc = injected(run, err)) || (rc = path_in(run, "hello.txt", p, sizeof(p), err)))
		return rc;
	if ((rc = ferry_mkdir_p(param_str(run, "dir"), 0755, err)))
		return rc;
	ferry_op_log(run, "directory %s ready", param_str(run, "dir"));
	if (param_str(run, "note")) /* a multi-line message: every line is kept */
		ferry_op_log(run, "%s", param_str(run, "note"));
	return ferry_write_file_atomic(p, "ferry selftest\n", 15, 0644, err);
}

static int st_write_files(struct ferry_op_run *run, struct ferry_error *err)
{
	static const char *const names[] = { "a.txt", "b.txt", "c.txt" };
	char p[4096], body[64];
	int i, rc;

	if ((rc = injected(run, err)))
		return rc;
	for (i = 0; i < 3; i++) {
		int n = snprintf(body, sizeof(body), "file %d of the selftest\n", i + 1);
		if ((rc = path_in(run, names[i], p, sizeof(p), err)) ||
		    (rc = ferry_write_file_atomic(p, body, (size_t)n, 0644, err)))
			return rc;
		ferry_op_log(run, "wrote %s", names[i]);
		ferry_op_crashpoint(run, names[i]);
	}
	ferry_op_result_set(run, json_pack("{s:i}", "files", 3));
	return 0;
}

static int st_insert_rows(struct ferry_op_run *run, struct ferry_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char p[4096];
	int i, rc;

	if ((rc = injected(run, err)) || (rc = path_in(run, "rows.db", p, sizeof(p), err)))
		return rc;
	if (sqlite3_open(p, &db) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS rows(n INTEGER PRIMARY KEY, v TEXT NOT NULL);"
			 "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO rows(n, v) VALUES(?, ?) ON CONFLICT(n) DO NOTHING",
			       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (i = 1; i <= SELFTEST_ROWS; i++) {
		char v[32];
		snprintf(v, sizeof(v), "row %d", i);
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_finalize(st);
	sqlite3_close(db);
	ferry_op_log(run, "%d rows in %s", SELFTEST_ROWS, p);
	ferry_op_result_set(run, json_pack("{s:i}", "rows", SELFTEST_ROWS));
	return 0;
fail:
	rc = ferry_error_set(err, FERRY_EIO, "selftest: database %s: %s", p,
			     db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* Appends one line, once: a second run finds its line and does nothing. */
static int st_append_journal(struct ferry_op_run *run, struct ferry_error *err)
{
	static const char line[] = "append-journal: done\n";
	char p[4096], buf[4096];
	ssize_t n;
	int fd, rc;

	if ((rc = injected(run, err)) || (rc = path_in(run, "journal.txt", p, sizeof(p), err)))
		return rc;
	fd = open(p, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "selftest: cannot open %s", p);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (strstr(buf, line)) {
		ferry_op_log(run, "journal line already there: nothing to do");
	} else if (write(fd, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1) || fsync(fd) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "selftest: cannot append to %s", p);
	} else {
		ferry_op_log(run, "appended the journal line");
	}
	close(fd);
	return rc;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* In a forked child: only async-signal-safe calls. Appends "<prefix><tick> <pid>". */
static void __attribute__((noreturn)) child_ticks(int fd, const char *prefix, long long ticks,
						  long long ms)
{
	char line[128], num[24];
	long long i, v;
	size_t n, k;

	for (i = 1; i <= ticks; i++) {
		sleep_ms(ms);
		for (n = 0; prefix[n] && n < 64; n++)
			line[n] = prefix[n];
		for (v = i, k = 0; k == 0 || v > 0; v /= 10)
			num[k++] = (char)('0' + v % 10);
		while (k > 0)
			line[n++] = num[--k];
		line[n++] = ' ';
		for (v = (long long)getpid(), k = 0; k == 0 || v > 0; v /= 10)
			num[k++] = (char)('0' + v % 10);
		while (k > 0)
			line[n++] = num[--k];
		line[n++] = '\n';
		if (write(fd, line, n) != (ssize_t)n)
			_exit(1);
	}
	_exit(0);
}

/* The work in `count` child processes, one after the other, as a step runs scripts. */
static int work_children(struct ferry_op_run *run, long long count, long long ticks, long long ms,
			 struct ferry_error *err)
{
	char p[4096], node[25], prefix[64];
	long long c;
	int fd, status, rc = 0;
	pid_t pid;

	if ((rc = path_in(run, "work.log", p, sizeof(p), err)))
		return rc;
	if ((fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "selftest: cannot open %s", p);
	op_lease_node(&run->ctx->settings, node);
	for (c = 1; c <= count && !rc; c++) {
		snprintf(prefix, sizeof(prefix), "%s %lld ", node, c);
		if ((pid = fork()) < 0) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "selftest: cannot fork");
			break;
		}
		if (pid == 0)
			child_ticks(fd, prefix, ticks, ms);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status))
			rc = ferry_error_set(err, FERRY_EFAILED, "selftest: work process %lld was killed by signal %d",
					     c, WTERMSIG(status));
		else if (WEXITSTATUS(status))
			rc = ferry_error_set(err, FERRY_EFAILED, "selftest: work process %lld exited with status %d",
					     c, WEXITSTATUS(status));
		else
			ferry_op_log(run, "work process %lld of %lld done", c, count);
		ferry_op_progress(run, c, count);
	}
	close(fd);
	return rc;
}

static int st_work(struct ferry_op_run *run, struct ferry_error *err)
{
	long long i, ticks = param_int(run, "ticks", 5), ms = param_int(run, "tick_ms", 0);
	long long children = param_int(run, "children", 0);
	int rc, log_ticks = json_is_true(json_object_get(run->op->params, "log_ticks"));

	if ((rc = injected(run, err)))
		return rc;
	if (children > 0)
		rc = work_children(run, children, ticks, ms, err);
	for (i = 1; children <= 0 && i <= ticks; i++) {
		sleep_ms(ms);
		if (log_ticks)
			ferry_op_log(run, "tick %lld of %lld", i, ticks);
		ferry_op_progress(run, i, ticks);
	}
	if (!rc)
		ferry_op_result_set(run, json_pack("{s:I}", "ticks", (json_int_t)ticks));
	return rc;
}

static int st_confirm(struct ferry_op_run *run, struct ferry_error *err)
{
	char p[4096];
	int rc;

	if ((rc = injected(run, err)) || (rc = path_in(run, "confirmed.txt", p, sizeof(p), err)))
		return rc;
	ferry_op_log(run, "confirmed by an operator");
	return ferry_write_file_atomic(p, "confirmed\n", 10, 0644, err);
}

static int st_finish(struct ferry_op_run *run, struct ferry_error *err)
{
	json_t *rows = ferry_op_result_get(run, "insert-rows");
	char p[4096], body[64];
	int rc, n;

	if ((rc = injected(run, err)) || (rc = path_in(run, "done.txt", p, sizeof(p), err))) {
		json_decref(rows);
		return rc;
	}
	n = snprintf(body, sizeof(body), "done: %lld rows\n",
		     (long long)json_integer_value(json_object_get(rows, "rows")));
	json_decref(rows);
	return ferry_write_file_atomic(p, body, (size_t)n, 0644, err);
}

static int st_plan(const json_t *params, const char *step)
{
	if (!strcmp(step, "confirm"))
		return !json_is_true(json_object_get(params, "manual"));
	return 0;
}

static int st_abort(struct ferry_op_run *run, struct ferry_error *err)
{
	const char *dir = param_str(run, "dir");

	if (json_is_true(json_object_get(run->op->params, "no_abort")))
		return ferry_error_set(err, FERRY_EREFUSED,
			"this selftest was created with --no-abort: it can only be resumed");
	ferry_op_log(run, "removing %s", dir ? dir : "(none)");
	return dir ? ferry_rm_rf(dir, err) : 0;
}

/* With env_state, the environment's state follows the operation's (as servicing's does). */
static int st_on_state(struct ferry_op_run *run, enum ferry_op_state to, struct ferry_error *err)
{
	enum ferry_env_state s;

	if (!run->op->env_id || !json_is_true(json_object_get(run->op->params, "env_state")))
		return 0;
	switch (to) {
	case FERRY_OP_RUNNING: s = FERRY_ENV_SERVICING; break;
	case FERRY_OP_SUCCEEDED:
	case FERRY_OP_ABORTED: s = FERRY_ENV_DEPLOYED; break;
	case FERRY_OP_FAILED:
	case FERRY_OP_INTERRUPTED: s = FERRY_ENV_FAILED; break;
	default: return 0;
	}
	return ferry_env_set_state(run->ctx, run->op->env_id, s, err);
}

static const struct ferry_op_step_def selftest_steps[] = {
	{ "prepare", st_prepare, 0, "create the directory" },
	/* redone whole when a power loss takes their records back (FERRY_STEP_NOSYNC) */
	{ "write-files", st_write_files, FERRY_STEP_NOSYNC, "write three files atomically" },
	{ "insert-rows", st_insert_rows, FERRY_STEP_NOSYNC, "insert rows into an SQLite database" },
	{ "append-journal", st_append_journal, 0, "append a journal line once" },
	{ "work", st_work, 0, "report progress" },
	{ "confirm", st_confirm, FERRY_STEP_MANUAL, "an operator confirms" },
	{ "finish", st_finish, 0, "write the summary" },
	{ NULL, NULL, 0, NULL }
};

const struct ferry_op_kind ferry_op_kind_selftest = {
	"op.selftest", "engine self test (diagnostics)", selftest_steps, st_plan, st_on_state, st_abort
};
