/* SPDX-License-Identifier: MIT */
/* op.h: the durable step engine: operations (runbooks of steps) journaled in the
 * state store, run step by step, resumable after a failure or a crash.
 *
 * An operation has a kind ("env.apply", "upgrade.prepare", ...), an optional
 * environment, parameters (JSON) and an activity ID (UUID) that every error
 * message carries. Its steps come from the kind's table (struct ferry_op_kind),
 * are copied into the store when the operation is created, and run in order.
 * Each step is marked running in one transaction, run, then marked succeeded,
 * skipped or failed in another; step functions must be idempotent, since a
 * step cut short by a crash runs again on resume. See docs/ENGINE.md.
 *
 * Threads: run operations from several threads only with one struct ferry_ctx
 * (store connection) per thread. Nothing here has mutable global state.
 */
#ifndef FERRY_OP_H
#define FERRY_OP_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

enum ferry_op_state {
	FERRY_OP_PENDING,            /* created, not started */
	FERRY_OP_RUNNING,            /* a live process holds the lease */
	FERRY_OP_AWAITING_CONFIRM,   /* parked at a manual step: `op complete-step` */
	FERRY_OP_AWAITING_SIGNOFF,   /* parked at a sign-off step */
	FERRY_OP_FAILED,             /* a step failed: resume, rerun-step, abort */
	FERRY_OP_INTERRUPTED,        /* its process died mid-run: resume */
	FERRY_OP_SUCCEEDED,          /* terminal */
	FERRY_OP_ABORTED,            /* terminal: given up, cleaned up */
	FERRY_OP_ROLLED_BACK         /* terminal: reversed by a later operation */
};

enum ferry_step_state {
	FERRY_STEP_PENDING,
	FERRY_STEP_RUNNING,
	FERRY_STEP_SUCCEEDED,
	FERRY_STEP_FAILED,
	FERRY_STEP_SKIPPED,
	FERRY_STEP_INTERRUPTED       /* was running when its process died */
};

const char *ferry_op_state_name(enum ferry_op_state s);
int ferry_op_state_parse(const char *s, enum ferry_op_state *out);
/* 1 for succeeded, aborted, rolled-back. */
int ferry_op_state_terminal(enum ferry_op_state s);
const char *ferry_step_state_name(enum ferry_step_state s);
int ferry_step_state_parse(const char *s, enum ferry_step_state *out);

/* An operation record (loaded by ferry_op_get/ferry_op_find; free with ferry_op_free). */
struct ferry_op {
	int64_t id;
	char activity_id[37];
	char kind[64];
	int64_t env_id;            /* 0: no environment */
	char env[64];
	int64_t project_id;        /* 0: no project */
	char project[64];
	enum ferry_op_state state;
	json_t *params;            /* owned; an object */
	char *error;               /* last failure message, "" when none (owned) */
	char actor[64];
	int64_t lease_pid;         /* running: the process that holds it */
	int64_t created_ms, started_ms, ended_ms, updated_ms; /* 0: not yet */
	char step[64];             /* current (first unfinished) step, "" when none */
	int64_t lease_epoch;       /* fencing token: grows each time the lease changes hands */
};

void ferry_op_free(struct ferry_op *op);

/* ---- step implementations ------------------------------------------------ */

/* What a step function gets. Public fields are read-only for the step. */
struct ferry_op_run {
	struct ferry_ctx *ctx;        /* the store connection of this thread */
	const struct ferry_op *op;    /* the operation (params in op->params) */
	const char *step;             /* this step's name */
	int attempt;                  /* 1 on the first run of this step */
	void *priv;                   /* engine internals */
};

/* Step return value meaning "nothing to do here: mark the step skipped". */
#define FERRY_OP_SKIP 1

/* A step function: 0 (succeeded), FERRY_OP_SKIP, or a negative code with err
 * filled (the step fails). Must be idempotent. */
typedef int (*ferry_step_fn)(struct ferry_op_run *run, struct ferry_error *err);

enum ferry_step_flags {
	FERRY_STEP_MANUAL = 1,   /* an operator confirms it (`op complete-step`) first */
	FERRY_STEP_SIGNOFF = 2,  /* manual, shown as awaiting-signoff */
	/* Its commits are not synced (ferry_store_defer_sync), nor its outcome when the next
	 * step has this flag too: a power loss may take them back, and the step is run again.
	 * Only for a step that can be redone whole after its later effects on files, and
	 * whose effects no process that cannot be redone acts on before a synced commit
	 * (the first step after it without the flag starts with one). Shortens a downtime. */
	FERRY_STEP_NOSYNC = 4
};

struct ferry_op_step_def {
	const char *name;        /* unique in the kind: [a-z0-9-] */
	ferry_step_fn fn;        /* may be NULL (a manual step with no work) */
	unsigned flags;          /* enum ferry_step_flags */
	const char *title;       /* one line for humans */
};

struct ferry_op_kind {
	const char *name;                       /* "env.apply" */
	const char *title;
	const struct ferry_op_step_def *steps;  /* terminated by { NULL } */
	/* Optional: 0 to include `step` for these params, 1 to record it skipped at
	 * creation. */
	int (*plan)(const json_t *params, const char *step);
	/* Optional: called inside the transaction that moves the operation to `to`
	 * (running, awaiting-*, failed, interrupted, succeeded, aborted), e.g. to set
	 * the environment's state. A failure rolls the transition back. */
	int (*on_state)(struct ferry_op_run *run, enum ferry_op_state to,
			struct ferry_error *err);
	/* NULL: the kind cannot be aborted. Else an idempotent clean-up run by
	 * `op abort` (it may refuse with FERRY_EREFUSED, e.g. past a point of no
	 * return); run->step is the first unfinished step. */
	int (*abort)(struct ferry_op_run *run, struct ferry_error *err);
};

/* The kind named `name` among the kinds the context runs (ctx->op_kinds, listed in
 * lib/registry/registry.c), or NULL. */
const struct ferry_op_kind *ferry_op_kind_find(const struct ferry_ctx *ctx, const char *name);

/* The engine's own self-test kind ("selftest"), registered like every other kind. */
extern const struct ferry_op_kind ferry_op_kind_selftest;

/* Inside a step: append a line to the step's log (stored, and sent as an event). */
void ferry_op_log(struct ferry_op_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Inside a step: report progress (done of total units; total 0 = unknown). */
void ferry_op_progress(struct ferry_op_run *run, int64_t done, int64_t total);
/* Inside a step: set the step's result (stored when it succeeds). Steals `result`. */
void ferry_op_result_set(struct ferry_op_run *run, json_t *result);
/* The stored result of an earlier step of the same operation (new reference), or
 * NULL when it has none. */
json_t *ferry_op_result_get(struct ferry_op_run *run, const char *step);
/* Fault injection inside a step: SIGKILL this process when FERRY_CRASH_AT is
 * "<step>:<label>". The engine itself honours "<step>" (after the step is marked
 * running, before its work) and "<step>:after" (after its work, before it is
 * marked finished). */
void ferry_op_crashpoint(struct ferry_op_run *run, const char *label);

/* ---- events (CLI progress, daemon streams) ------------------------------ */

enum ferry_op_event_type {
	FERRY_OP_EV_OP_STARTED,
	FERRY_OP_EV_STEP_STARTED,
	FERRY_OP_EV_STEP_LOG,
	FERRY_OP_EV_STEP_PROGRESS,
	FERRY_OP_EV_STEP_FINISHED,   /* state: succeeded, skipped or failed */
	FERRY_OP_EV_OP_FINISHED      /* state: the operation's new state */
};

struct ferry_op_event {
	enum ferry_op_event_type type;
	const char *activity_id;
	const char *kind;
	const char *env;             /* "" when none */
	const char *step;            /* NULL for operation events */
	int step_index, step_count;  /* 1-based position */
	int attempt;
	const char *state;           /* step or operation state name */
	const char *message;         /* log line or error, may be NULL */
	int64_t done, total;         /* progress */
	int64_t elapsed_ms;          /* step duration on STEP_FINISHED */
};

/* The event as JSON ({"event": "step-started", ...}); caller owns it. */
json_t *ferry_op_event_to_json(const struct ferry_op_event *ev);
const char *ferry_op_event_name(enum ferry_op_event_type t);

struct ferry_op_hooks {
	/* Called on the running thread; must not use the run's store. */
	void (*on_event)(const struct ferry_op_event *ev, void *data);
	void *data;
	/* When non-NULL and set non-zero (e.g. by a signal handler or a daemon
	 * shutting down), the runner stops between steps and leaves the operation
	 * interrupted, to be resumed. */
	const volatile int *stop;
	/* Non-zero when a ferryd node runs the operation as a job: if this runner stops
	 * (its process died, or it was stopped), another node may continue it (see
	 * ferry_op_takeover). */
	int job;
};

/* A runner whose lease another runner took (a newer fencing token: its lease expired
 * while it was paused or cut off from the store) writes nothing more: every journal,
 * state and environment write it tries is refused, its step's processes are killed,
 * and it returns FERRY_ESTATE with a message containing this phrase. */
#define FERRY_OP_FENCED "another runner took the operation over"

/* ---- operations ---------------------------------------------------------- */

/* What to create: kind, optional environment (required for environment
 * operations: one active operation per environment), optional project (taken
 * from the environment when NULL), parameters (borrowed; NULL = {}). */
struct ferry_op_spec {
	const char *kind;
	const char *env;
	const char *project;
	json_t *params;
};

/* Record a new pending operation with its steps. Runs inside the caller's open
 * transaction when there is one (so a domain check and the creation are one
 * transaction), else in its own. Refused with FERRY_ESTATE, naming the other
 * operation, while the environment has an operation that has not ended.
 * Fills *out (caller frees) when out is non-NULL. */
int ferry_op_create(struct ferry_ctx *ctx, const struct ferry_op_spec *spec,
		    struct ferry_op **out, struct ferry_error *err);

/* Run (or continue) an operation from its first unfinished step until it
 * succeeds, fails, parks at a manual step or is stopped. Takes the lease: a
 * second runner of the same operation is refused (FERRY_ESTATE). Returns 0 when
 * the operation succeeded or is awaiting a manual step (see op->state after
 * ferry_op_get), or the failing step's error (FERRY_EFAILED or the step's code)
 * with err->activity_id set. */
int ferry_op_run(struct ferry_ctx *ctx, const char *ref, const struct ferry_op_hooks *hooks,
		 struct ferry_error *err);

/* Continue a failed, interrupted or pending operation at its failed or
 * interrupted step (ferry_op_run with a state check and a clear message). */
int ferry_op_resume(struct ferry_ctx *ctx, const char *ref, const struct ferry_op_hooks *hooks,
		    struct ferry_error *err);
/* Mark `step` pending again (it ran before) and continue the operation: the step
 * runs again, then the first unfinished ones. */
int ferry_op_rerun_step(struct ferry_ctx *ctx, const char *ref, const char *step,
			const struct ferry_op_hooks *hooks, struct ferry_error *err);
/* Confirm the manual step the operation waits at and continue it. */
int ferry_op_complete_step(struct ferry_ctx *ctx, const char *ref, const char *step,
			   const struct ferry_op_hooks *hooks, struct ferry_error *err);
/* Abort a pending, failed, interrupted or waiting operation of a kind that
 * allows it: runs the kind's clean-up, then marks it aborted. */
int ferry_op_abort(struct ferry_ctx *ctx, const char *ref, struct ferry_error *err);
/* The rule ferry_op_abort applies before it runs anything: 0 when op may be aborted
 * now, else the refusal (FERRY_ESTATE: ended, or being run right now; FERRY_EREFUSED:
 * its kind has no clean-up). The kind's clean-up may still refuse (a point of no
 * return). Faces use it to offer Abort only where it is allowed (ferryd's "actions"). */
int ferry_op_abort_check(struct ferry_ctx *ctx, const struct ferry_op *op, struct ferry_error *err);
/* What may be done with op now by the engine's rules, whoever asks: an array of
 * "resume", "rerun-step", "complete-step", "abort" (ferryd empties it for a caller whose
 * role may not act, or while a job on op is queued). The caller owns it. */
json_t *ferry_op_actions(struct ferry_ctx *ctx, const struct ferry_op *op);

/* End a non-running operation as rolled-back (the caller reverses it with
 * another operation), inside the caller's transaction if one is open. */
int ferry_op_close_rolled_back(struct ferry_ctx *ctx, int64_t op_id, struct ferry_error *err);

/* Load by activity ID or a unique prefix of it (at least 4 characters). */
int ferry_op_find(struct ferry_ctx *ctx, const char *ref, struct ferry_op **out,
		  struct ferry_error *err);
/* Load by row id. */
int ferry_op_get(struct ferry_ctx *ctx, int64_t id, struct ferry_op **out,
		 struct ferry_error *err);
/* The environment's operation that has not ended, if any: 1 (and *out), 0 none. */
int ferry_op_active_for_env(struct ferry_ctx *ctx, int64_t env_id, struct ferry_op **out,
			    struct ferry_error *err);
/* The newest operation of `kind` on the environment (any state): 1, or 0 none. */
int ferry_op_last_for_env(struct ferry_ctx *ctx, int64_t env_id, const char *kind,
			  struct ferry_op **out, struct ferry_error *err);

/* Find operations marked running whose process is gone (dead pid, reused pid,
 * or a reboot) and mark them interrupted, their running step too. Stores the
 * number found in *n (may be NULL) and, when `found` is non-NULL, appends one
 * JSON object per operation to it. */
int ferry_op_reap(struct ferry_ctx *ctx, int *n, json_t *found, struct ferry_error *err);

/* Several nodes on one (PostgreSQL) store: take over what no runner serves any more:
 * running operations whose lease expired (their heartbeat stopped: the node or its
 * process died, paused, or lost the store), of other nodes, and of this node when
 * they were jobs (hooks.job) no runner of this process holds (`running_here`: a JSON
 * array of the activity IDs this process runs, may be NULL); and jobs interrupted on
 * another node (it crashed and restarted, or stopped). Claimed with SELECT ... FOR
 * UPDATE SKIP LOCKED, so of several nodes exactly one takes each; the lease becomes
 * this process's with a new fencing token (the previous runner can write nothing
 * more). Appends their activity IDs to `taken` (may be NULL) and sets *n; resume each
 * with ferry_op_resume() (it continues at the interrupted step). */
int ferry_op_takeover(struct ferry_ctx *ctx, const json_t *running_here, int *n, json_t *taken,
		      struct ferry_error *err);

/* JSON views (caller owns). with_steps adds "steps" (state, attempts, times,
 * durations, result, error); with_logs adds each step's log. */
int ferry_op_to_json(struct ferry_ctx *ctx, const struct ferry_op *op, int with_steps,
		     int with_logs, json_t **out, struct ferry_error *err);
/* Newest first; env may be NULL for all; limit <= 0 means 100. */
int ferry_op_list(struct ferry_ctx *ctx, const char *env, int limit, json_t **out,
		  struct ferry_error *err);
/* How many operations the store holds of each kind in each state, as
 * [{"kind", "state", "count"}] (caller owns; ferryd's /metrics). */
int ferry_op_counts(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err);
/* The log of one step, or of all steps with headers when step is NULL (caller frees). */
int ferry_op_log_text(struct ferry_ctx *ctx, const struct ferry_op *op, const char *step,
		      char **out, struct ferry_error *err);

/* This component's tables (operations, steps, leases), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_op;

#endif
