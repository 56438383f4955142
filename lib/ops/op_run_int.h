/* SPDX-License-Identifier: MIT */
/* op_run_int.h: the runner's state for one run (op_run.c), shared with what its steps
 * call (op_steplog.c: log lines, progress, results). Private to lib/ops. */
#ifndef FERRY_LIB_OPS_OP_RUN_INT_H
#define FERRY_LIB_OPS_OP_RUN_INT_H

#include "ops/op_int.h"
#include "ferry/base/buf.h"

#define STEP_LOG_MAX ((size_t)1 << 20)
/* A log line that could not be written is kept and tried again this much later. */
#define LOG_RETRY_MS 1000
/* Lines are written together: with the step's outcome, before work that reports
 * progress (a script, a copy, a check), or by the first line this long after the last
 * write. Each write is a commit (an fsync of the store): one per line put ~20 fsyncs
 * inside the upgrade's downtime. A crash loses at most this much of a step's log. */
#define LOG_BATCH_MS 250

struct run_priv {
	const struct ferry_op_hooks *hooks;
	const struct ferry_op_kind *kind;
	struct op_fence *fence;    /* the processes of this run (op_fence.c) */
	int index, count;          /* position of the running step (1-based) */
	json_t *result;            /* set by the step, stored when it succeeds */
	struct ferry_buf log;      /* lines not yet in the store: kept until written */
	size_t log_bytes;          /* bytes logged by this attempt */
	int log_capped;
	int64_t log_retry_at;      /* after a failed write: not before (monotonic ms) */
	int64_t log_at;            /* the last write of the log, or the step's start */
	int store_lost;            /* a journal write gave up: the store stayed away */
	char chained[64];          /* the next step, marked running with the last one's outcome */
	int chained_attempts;      /* its attempts before that */
};

/* The event to the run's hooks (nothing without them). */
void op_run_emit(struct ferry_op_run *run, enum ferry_op_event_type type, const char *state,
		 const char *msg, int64_t done, int64_t total, int64_t elapsed);
/* A journal write or read that failed on a store away for a moment: 1 to try again
 * (after a pause), 0 to give up (op_retry.c). */
int op_run_again(struct ferry_ctx *ctx, const struct ferry_op_hooks *h, int rc, int64_t *since);
/* 1 when the hooks ask the runner to stop between steps (op_retry.c). */
int op_stop_asked(const struct ferry_op_hooks *h);
/* The buffered log lines into the step's log (op_steplog.c). */
int op_log_flush(struct ferry_op_run *run);
/* A step's error without ferry's work paths in it. */
void op_scrub_error(const struct ferry_op_run *run, char *msg);

#endif
