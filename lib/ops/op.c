/* SPDX-License-Identifier: MIT */
/* op.c: operations in the state store: schema, states, creation, lookup,
 * reaping of runs whose process died, and JSON views. The runner is op_run.c. */
#include "ops/op_int.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/base/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_migrations[] = {
	/* 1: operations and their steps (the journal) */
	"CREATE TABLE operations("
	"  id INTEGER PRIMARY KEY,"
	"  activity_id TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  env_id INTEGER,"
	"  env_name TEXT NOT NULL DEFAULT '',"
	"  project_id INTEGER,"
	"  project_name TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL,"
	"  params TEXT NOT NULL DEFAULT '{}',"
	"  error TEXT NOT NULL DEFAULT '',"
	"  actor TEXT NOT NULL DEFAULT '',"
	"  lease_pid INTEGER,"
	"  lease_token TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  started_ms INTEGER,"
	"  ended_ms INTEGER,"
	"  updated_ms INTEGER NOT NULL);"
	/* one operation that has not ended per environment, enforced by the store */
	"CREATE UNIQUE INDEX operations_one_active ON operations(env_id) WHERE ended_ms IS NULL;"
	"CREATE INDEX operations_env ON operations(env_name, created_ms);"
	"CREATE INDEX operations_state ON operations(state);"
	"CREATE TABLE operation_steps("
	"  op_id INTEGER NOT NULL REFERENCES operations(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  manual INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  started_ms INTEGER,"
	"  ended_ms INTEGER,"
	"  elapsed_ms INTEGER NOT NULL DEFAULT 0,"
	"  confirmed_ms INTEGER,"
	"  confirmed_by TEXT,"
	"  log TEXT NOT NULL DEFAULT '',"
	"  result TEXT,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (op_id, seq),"
	"  UNIQUE (op_id, name));",
	/* 2: leases across nodes: the runner's node and an expiry its heartbeat renews */
	"ALTER TABLE operations ADD COLUMN lease_node TEXT;"
	"ALTER TABLE operations ADD COLUMN lease_until_ms INTEGER;",
	/* 3: fencing: a token that grows each time the lease changes hands (every write of
	 * a runner checks it), and whether the runner was a job of a ferryd node (another
	 * node continues an interrupted job) */
	"ALTER TABLE operations ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE operations ADD COLUMN lease_job INTEGER NOT NULL DEFAULT 0;",
};

const struct ferry_migrations ferry_schema_op = {
	"op", op_migrations, (int)(sizeof(op_migrations) / sizeof(op_migrations[0]))
};

static const char *const op_state_names[] = {
	"pending", "running", "awaiting-confirmation", "awaiting-signoff", "failed",
	"interrupted", "succeeded", "aborted", "rolled-back"
};
static const char *const step_state_names[] = {
	"pending", "running", "succeeded", "failed", "skipped", "interrupted"
};

#define N_OP_STATES (sizeof(op_state_names) / sizeof(op_state_names[0]))
#define N_STEP_STATES (sizeof(step_state_names) / sizeof(step_state_names[0]))

const char *ferry_op_state_name(enum ferry_op_state s)
{
	return (unsigned)s < N_OP_STATES ? op_state_names[s] : "unknown";
}

int ferry_op_state_parse(const char *s, enum ferry_op_state *out)
{
	unsigned i;

	for (i = 0; s && i < N_OP_STATES; i++)
		if (!strcmp(s, op_state_names[i])) {
			*out = (enum ferry_op_state)i;
			return 0;
		}
	return FERRY_EINVAL;
}

int ferry_op_state_terminal(enum ferry_op_state s)
{
	return s == FERRY_OP_SUCCEEDED || s == FERRY_OP_ABORTED || s == FERRY_OP_ROLLED_BACK;
}

const char *ferry_step_state_name(enum ferry_step_state s)
{
	return (unsigned)s < N_STEP_STATES ? step_state_names[s] : "unknown";
}

int ferry_step_state_parse(const char *s, enum ferry_step_state *out)
{
	unsigned i;

	for (i = 0; s && i < N_STEP_STATES; i++)
		if (!strcmp(s, step_state_names[i])) {
			*out = (enum ferry_step_state)i;
			return 0;
		}
	return FERRY_EINVAL;
}

void ferry_op_free(struct ferry_op *op)
{
	if (!op)
		return;
	json_decref(op->params);
	free(op->error);
	free(op);
}

#define OP_COLS "o.id, o.activity_id, o.kind, COALESCE(o.env_id, 0), o.env_name, " \
	"COALESCE(o.project_id, 0), o.project_name, o.state, o.params, o.error, o.actor, " \
	"COALESCE(o.lease_pid, 0), o.created_ms, COALESCE(o.started_ms, 0), " \
	"COALESCE(o.ended_ms, 0), o.updated_ms, " \
	"(SELECT s.name FROM operation_steps s WHERE s.op_id = o.id " \
	" AND s.state NOT IN ('succeeded', 'skipped') ORDER BY s.seq LIMIT 1), " \
	"o.lease_epoch "

static const char *txt(struct ferry_stmt *st, int col)
{
	const char *s = ferry_stmt_text(st, col);
	return s ? s : "";
}

static struct ferry_op *op_from_row(struct ferry_stmt *st)
{
	struct ferry_op *op = calloc(1, sizeof(*op));
	enum ferry_op_state state = FERRY_OP_PENDING;

	if (!op)
		return NULL;
	op->id = ferry_stmt_int(st, 0);
	snprintf(op->activity_id, sizeof(op->activity_id), "%s", txt(st, 1));
	snprintf(op->kind, sizeof(op->kind), "%s", txt(st, 2));
	op->env_id = ferry_stmt_int(st, 3);
	snprintf(op->env, sizeof(op->env), "%s", txt(st, 4));
	op->project_id = ferry_stmt_int(st, 5);
	snprintf(op->project, sizeof(op->project), "%s", txt(st, 6));
	ferry_op_state_parse(txt(st, 7), &state);
	op->state = state;
	op->params = json_loads(txt(st, 8), 0, NULL);
	if (!json_is_object(op->params)) {
		json_decref(op->params);
		op->params = json_object();
	}
	op->error = strdup(txt(st, 9));
	snprintf(op->actor, sizeof(op->actor), "%s", txt(st, 10));
	op->lease_pid = ferry_stmt_int(st, 11);
	op->created_ms = ferry_stmt_int(st, 12);
	op->started_ms = ferry_stmt_int(st, 13);
	op->ended_ms = ferry_stmt_int(st, 14);
	op->updated_ms = ferry_stmt_int(st, 15);
	snprintf(op->step, sizeof(op->step), "%s", txt(st, 16));
	op->lease_epoch = ferry_stmt_int(st, 17);
	if (!op->error || !op->params) {
		ferry_op_free(op);
		return NULL;
	}
	return op;
}

/* Run a query expected to return at most one operation row. 1 found, 0 not. */
static int op_query_one(struct ferry_store *s, struct ferry_op **out, struct ferry_error *err,
			const char *sql, int64_t arg)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(s, &st, err, sql, "i", arg);

	*out = NULL;
	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1 && !(*out = op_from_row(st)))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	ferry_stmt_free(st);
	return rc;
}

int op_load(struct ferry_ctx *ctx, int64_t id, struct ferry_op **out, struct ferry_error *err)
{
	int rc = op_query_one(ctx->store, out, err,
		"SELECT " OP_COLS "FROM operations o WHERE o.id = ?", id);

	if (rc == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND, "no operation with id %lld",
				       (long long)id);
	return rc < 0 ? rc : 0;
}

int ferry_op_get(struct ferry_ctx *ctx, int64_t id, struct ferry_op **out,
		 struct ferry_error *err)
{
	return op_load(ctx, id, out, err);
}

int ferry_op_active_for_env(struct ferry_ctx *ctx, int64_t env_id, struct ferry_op **out,
			    struct ferry_error *err)
{
	struct ferry_op *op;
	int rc = op_query_one(ctx->store, &op, err,
		"SELECT " OP_COLS "FROM operations o WHERE o.env_id = ? AND o.ended_ms IS NULL", env_id);

	if (rc == 1 && out)
		*out = op;
	else
		ferry_op_free(op);
	return rc;
}

int ferry_op_last_for_env(struct ferry_ctx *ctx, int64_t env_id, const char *kind,
			  struct ferry_op **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " OP_COLS "FROM operations o WHERE o.env_id = ? AND o.kind = ? "
		"ORDER BY o.created_ms DESC, o.id DESC LIMIT 1", "it", env_id, kind);

	*out = NULL;
	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1 && !(*out = op_from_row(st)))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	ferry_stmt_free(st);
	return rc;
}

static int ref_check(const char *ref, struct ferry_error *err)
{
	size_t i, n = ref ? strlen(ref) : 0;

	if (n < 4 || n > 36)
		return ferry_error_set(err, FERRY_EINVAL,
			"invalid operation '%s': give its activity ID or a prefix of at least 4 characters (see 'ferry op list')",
			ref ? ref : "");
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)ref[i]) && ref[i] != '-')
			return ferry_error_set(err, FERRY_EINVAL,
				"invalid operation '%s': an activity ID is hexadecimal digits and '-' (see 'ferry op list')",
				ref);
	return 0;
}

int ferry_op_find(struct ferry_ctx *ctx, const char *ref, struct ferry_op **out,
		  struct ferry_error *err)
{
	struct ferry_stmt *st;
	char lower[40];
	size_t i, n;
	int rc, count = 0;

	*out = NULL;
	if ((rc = ref_check(ref, err)))
		return rc;
	n = strlen(ref);
	for (i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)ref[i]);
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " OP_COLS "FROM operations o WHERE substr(o.activity_id, 1, ?) = ? "
		"ORDER BY o.id LIMIT 2", "dt", (int)n, lower);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1 && ++count == 1)
		if (!(*out = op_from_row(st)))
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	if (count == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"no operation '%s': see 'ferry op list'", ref);
	if (count > 1) {
		rc = ferry_error_set(err, FERRY_EINVAL,
			"operation '%s' is ambiguous: several activity IDs start with it; give more characters",
			ref);
		goto fail;
	}
	return 0;
fail:
	ferry_op_free(*out);
	*out = NULL;
	return rc;
}

int op_error_context(const struct ferry_op *op, struct ferry_error *err)
{
	if (!err)
		return FERRY_EINTERNAL;
	snprintf(err->activity_id, sizeof(err->activity_id), "%s", op->activity_id);
	if (op->env[0])
		return ferry_error_prefix(err, "%s on '%s' (activity %s)", op->kind, op->env,
					  op->activity_id);
	return ferry_error_prefix(err, "%s (activity %s)", op->kind, op->activity_id);
}

/* ---- creation ------------------------------------------------------------ */

static int refuse_busy_env(const struct ferry_op *other, const char *env,
			   struct ferry_error *err)
{
	const char *st = ferry_op_state_name(other->state);
	char what[256];   /* two step names (63 each), an activity ID and the words */

	switch (other->state) {
	case FERRY_OP_AWAITING_SIGNOFF:
		snprintf(what, sizeof(what), "sign it off or roll it back first");
		break;
	case FERRY_OP_AWAITING_CONFIRM:
		snprintf(what, sizeof(what), "complete step '%s' ('ferry op complete-step %.8s %s') or abort it",
			 other->step, other->activity_id, other->step);
		break;
	case FERRY_OP_RUNNING:
	case FERRY_OP_PENDING:
		snprintf(what, sizeof(what), "wait for it to finish ('ferry op show %.8s')",
			 other->activity_id);
		break;
	default:
		snprintf(what, sizeof(what), "resume it ('ferry op resume %.8s') or abort it",
			 other->activity_id);
	}
	return ferry_error_set(err, FERRY_ESTATE,
		"environment '%s' already has an operation in progress: %s (activity %s) is %s%s%s%s: %s",
		env, other->kind, other->activity_id, st, other->step[0] ? " at step '" : "",
		other->step, other->step[0] ? "'" : "", what);
}

static int insert_steps(struct ferry_ctx *ctx, const struct ferry_op_kind *k,
			int64_t op_id, const json_t *params, struct ferry_error *err)
{
	const struct ferry_op_step_def *d;
	int seq, rc;

	for (d = k->steps, seq = 1; d->name; d++, seq++) {
		int skip = k->plan ? k->plan(params, d->name) : 0;
		rc = ferry_store_run(ctx->store, err,
			"INSERT INTO operation_steps(op_id, seq, name, state, manual) VALUES(?, ?, ?, ?, ?)",
			"idttd", op_id, seq, d->name, skip ? "skipped" : "pending",
			(d->flags & (FERRY_STEP_MANUAL | FERRY_STEP_SIGNOFF)) ? 1 : 0);
		if (rc)
			return rc;
	}
	return 0;
}

static int op_insert(struct ferry_ctx *ctx, const struct ferry_op_spec *spec,
		     const struct ferry_env *env, const struct ferry_project *proj,
		     int64_t *id, struct ferry_error *err)
{
	const struct ferry_op_kind *k = ferry_op_kind_find(ctx, spec->kind);
	json_t *empty = json_object();
	const json_t *params = spec->params ? spec->params : empty;
	char uuid[37], *pj = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	struct ferry_stmt *st = NULL;
	int64_t now = ferry_now_ms();
	int rc;

	ferry_uuid(uuid);
	if (!pj) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	rc = ferry_store_query(ctx->store, &st, err,
		"INSERT INTO operations(activity_id, kind, env_id, env_name, project_id, "
		"project_name, state, params, actor, created_ms, updated_ms) "
		"VALUES(?, ?, NULLIF(?, 0), ?, NULLIF(?, 0), ?, 'pending', ?, ?, ?, ?) RETURNING id",
		"ttititttii", uuid, spec->kind, env ? env->id : (int64_t)0, env ? env->name : "",
		proj ? proj->id : (int64_t)0,
		proj ? proj->name : "", pj, ctx->actor ? ctx->actor : "", now, now);
	if (rc)
		goto out;
	if ((rc = ferry_stmt_step(st, err)) != 1) {
		rc = rc < 0 ? rc : ferry_error_set(err, FERRY_ESTORE, "creating operation: no id");
		goto out;
	}
	*id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	st = NULL;
	rc = insert_steps(ctx, k, *id, params, err);
out:
	ferry_stmt_free(st);
	free(pj);
	json_decref(empty);
	return rc;
}

int ferry_op_create(struct ferry_ctx *ctx, const struct ferry_op_spec *spec,
		    struct ferry_op **out, struct ferry_error *err)
{
	struct ferry_project proj;
	struct ferry_env env;
	struct ferry_op *other = NULL;
	int own_tx = !ferry_store_in_tx(ctx->store);
	int64_t id = 0;
	int rc;

	if (out)
		*out = NULL;
	if (!spec->kind || !ferry_op_kind_find(ctx, spec->kind))
		return ferry_error_set(err, FERRY_EINVAL, "unknown operation kind '%s'",
				       spec->kind ? spec->kind : "");
	if (spec->params && !json_is_object(spec->params))
		return ferry_error_set(err, FERRY_EINVAL, "operation parameters must be a JSON object");
	if (own_tx && (rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if (spec->env) {
		if ((rc = ferry_env_get(ctx, spec->env, &env, err)))
			goto fail;
		if ((rc = ferry_op_active_for_env(ctx, env.id, &other, err)) < 0)
			goto fail;
		if (rc == 1) {
			rc = refuse_busy_env(other, env.name, err);
			goto fail;
		}
	}
	if (spec->project || spec->env) {
		rc = ferry_project_get(ctx, spec->project ? spec->project : env.project, &proj, err);
		if (rc)
			goto fail;
		if (spec->env && proj.id != env.project_id) {
			rc = ferry_error_set(err, FERRY_EINVAL,
				"environment '%s' belongs to project '%s', not '%s'",
				env.name, env.project, proj.name);
			goto fail;
		}
	}
	rc = op_insert(ctx, spec, spec->env ? &env : NULL,
		       spec->project || spec->env ? &proj : NULL, &id, err);
	if (rc)
		goto fail;
	if (own_tx && (rc = ferry_store_commit(ctx->store, err)))
		return rc;
	return out ? op_load(ctx, id, out, err) : 0;
fail:
	ferry_op_free(other);
	if (own_tx)
		ferry_store_rollback(ctx->store);
	return rc;
}

/* ---- transitions and reaping --------------------------------------------- */

int op_transition(struct ferry_ctx *ctx, struct ferry_op *op, enum ferry_op_state to,
		  const char *error, const char *step, struct ferry_error *err)
{
	const struct ferry_op_kind *k = ferry_op_kind_find(ctx, op->kind);
	int64_t now = ferry_now_ms();
	int terminal = ferry_op_state_terminal(to);
	int rc;

	rc = ferry_store_run(ctx->store, err,
		"UPDATE operations SET state = ?, error = COALESCE(?, error), updated_ms = ?, "
		"ended_ms = CASE WHEN ? = 1 THEN ? ELSE NULL END, "
		"lease_pid = CASE WHEN ? = 1 THEN lease_pid ELSE NULL END, "
		"lease_token = CASE WHEN ? = 1 THEN lease_token ELSE NULL END WHERE id = ?",
		"ttididdi", ferry_op_state_name(to), error, now, terminal, now,
		to == FERRY_OP_RUNNING, to == FERRY_OP_RUNNING, op->id);
	if (rc)
		return rc;
	if (k && k->on_state) {
		struct ferry_op_run run = { ctx, op, step ? step : op->step, 0, NULL };
		if ((rc = k->on_state(&run, to, err)))
			return ferry_error_prefix(err, "moving operation to %s", ferry_op_state_name(to));
	}
	op->state = to;
	if (terminal)
		op->ended_ms = now;
	if (error) {
		char *e = strdup(error);
		if (e) {
			free(op->error);
			op->error = e;
		}
	}
	return 0;
}

struct reap_candidate {
	int64_t id;
	int64_t pid;
	char token[OP_TOKEN_MAX];
};

static int reap_one(struct ferry_ctx *ctx, const struct reap_candidate *c, json_t *found,
		    struct ferry_error *err)
{
	struct ferry_op *op = NULL;
	struct ferry_stmt *st;
	char msg[512], token[OP_TOKEN_MAX] = "";
	int rc;

	/* re-check inside the transaction: it may have moved on meanwhile */
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT COALESCE(lease_token, '') FROM operations WHERE id = ? AND state = 'running' "
		"AND lease_pid = ?", "ii", c->id, c->pid);
	if (rc)
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		snprintf(token, sizeof(token), "%s", txt(st, 0));
	ferry_stmt_free(st);
	if (rc <= 0 || strcmp(token, c->token))
		return rc < 0 ? rc : 0;
	if ((rc = op_load(ctx, c->id, &op, err)))
		return rc;
	snprintf(msg, sizeof(msg),
		 "interrupted: the ferry process (pid %lld) running it stopped%s%s%s: run 'ferry op resume %s'",
		 (long long)c->pid, op->step[0] ? " during step '" : "", op->step,
		 op->step[0] ? "'" : "", op->activity_id);
	rc = ferry_store_run(ctx->store, err,
		"UPDATE operation_steps SET state = 'interrupted', error = ? "
		"WHERE op_id = ? AND state = 'running'", "ti", msg, op->id);
	if (!rc)  /* a new fencing token: the runner, dead as it is, writes nothing more */
		rc = ferry_store_run(ctx->store, err,
			"UPDATE operations SET lease_epoch = lease_epoch + 1 WHERE id = ?", "i", op->id);
	if (!rc)
		rc = op_transition(ctx, op, FERRY_OP_INTERRUPTED, msg, NULL, err);
	if (!rc)
		rc = 1;
	if (rc == 1 && found)
		json_array_append_new(found, json_pack("{s:s, s:s, s:s, s:s, s:s}",
			"activity_id", op->activity_id, "kind", op->kind, "env", op->env,
			"step", op->step, "message", msg));
	ferry_op_free(op);
	return rc;
}

int ferry_op_reap(struct ferry_ctx *ctx, int *n, json_t *found, struct ferry_error *err)
{
	struct reap_candidate c[32];
	struct ferry_stmt *st;
	int rc, i, count = 0, dead = 0;

	if (n)
		*n = 0;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id, COALESCE(lease_pid, 0), COALESCE(lease_token, '') FROM operations "
		"WHERE state = 'running' ORDER BY id", "");
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1 && count < 32) {
		c[count].id = ferry_stmt_int(st, 0);
		c[count].pid = ferry_stmt_int(st, 1);
		snprintf(c[count].token, sizeof(c[count].token), "%s", txt(st, 2));
		if (!op_lease_alive(&ctx->settings, c[count].pid, c[count].token))
			count++;
	}
	ferry_stmt_free(st);
	if (rc < 0 || count == 0)
		return rc < 0 ? rc : 0;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	for (i = 0; i < count && rc >= 0; i++) {
		rc = reap_one(ctx, &c[i], found, err);
		dead += rc == 1;
	}
	if (rc < 0) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	if ((rc = ferry_store_commit(ctx->store, err)))
		return rc;
	if (n)
		*n = dead;
	return 0;
}

int ferry_op_close_rolled_back(struct ferry_ctx *ctx, int64_t op_id, struct ferry_error *err)
{
	int own_tx = !ferry_store_in_tx(ctx->store);
	struct ferry_op *op = NULL;
	int rc;

	if (own_tx && (rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = op_load(ctx, op_id, &op, err)))
		goto fail;
	if (op->state == FERRY_OP_RUNNING || ferry_op_state_terminal(op->state)) {
		rc = ferry_error_set(err, FERRY_ESTATE, "operation %s is %s: it cannot be rolled back now",
				     op->activity_id, ferry_op_state_name(op->state));
		goto fail;
	}
	if ((rc = op_transition(ctx, op, FERRY_OP_ROLLED_BACK, NULL, NULL, err)))
		goto fail;
	ferry_op_free(op);
	return own_tx ? ferry_store_commit(ctx->store, err) : 0;
fail:
	ferry_op_free(op);
	if (own_tx)
		ferry_store_rollback(ctx->store);
	return rc;
}
