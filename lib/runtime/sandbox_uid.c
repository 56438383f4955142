/* SPDX-License-Identifier: MIT */
/* sandbox_uid.c: a uid of its own for each environment when ferry runs as root
 * (docs/SECURITY.md), like systemd's DynamicUser: taken from the setting
 * `sandbox-uids` on the environment's first sandboxed process, recorded in the state
 * store (table sandbox_uids, component "sandbox"), never one the host's passwd or
 * group files name. The uid of a removed environment (its files and processes are
 * gone) is given again. The gid is the same number. */
#include "runtime/sandbox.h"

#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/runtime/sandbox.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>

static const char *const sandbox_steps[] = {
	/* 1: the uid of each environment (and its gid, the same number) */
	"CREATE TABLE sandbox_uids("
	"  env_id INTEGER PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,"
	"  uid INTEGER NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL);",
};

const struct ferry_migrations ferry_schema_sandbox = {
	"sandbox", sandbox_steps, (int)(sizeof(sandbox_steps) / sizeof(sandbox_steps[0]))
};

/* One int64 from a query (1: found, 0: none, <0: error). */
static int query_one(struct ferry_store *s, int64_t *out, struct ferry_error *err,
		     const char *sql, const char *types, int64_t a, ...)
{
	struct ferry_stmt *st;
	int64_t b = 0;
	va_list ap;
	int rc;

	va_start(ap, a);
	if (types[1])
		b = va_arg(ap, int64_t);
	va_end(ap);
	if ((rc = ferry_store_query(s, &st, err, sql, types, a, b)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		*out = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return rc;
}

/* Does the host know this id as a user or a group? */
int rt_sb_id_known(long id)
{
	struct passwd pw, *pr = NULL;
	struct group gr, *grr = NULL;
	char buf[4096];

	if (getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &pr) == 0 && pr)
		return 1;
	return getgrgid_r((gid_t)id, &gr, buf, sizeof(buf), &grr) == 0 && grr;
}

/* Inside the transaction: the lowest uid of [lo, hi] nobody has. */
static int pick_free(struct ferry_store *s, long lo, long hi, int64_t *out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	long next = lo;
	int rc;

	if ((rc = ferry_store_query(s, &st, err, "SELECT uid FROM sandbox_uids WHERE uid >= ? AND "
				    "uid <= ? ORDER BY uid", "ii", (int64_t)lo, (int64_t)hi)))
		return rc;
	for (;;) {
		int64_t used = hi + 1;
		if ((rc = ferry_stmt_step(st, err)) < 0)
			break;
		if (rc == 1)
			used = ferry_stmt_int(st, 0);
		while (next < used && rt_sb_id_known(next))
			next++;
		if (next < used)
			break;
		next = (long)used + 1;
		if (rc == 0 || next > hi)
			break;
	}
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	if (next > hi)
		return ferry_error_set(err, FERRY_ESTATE, "no free uid left in %ld-%ld for environments: "
				       "widen the setting sandbox-uids (FERRY_SANDBOX_UIDS=LO-HI)", lo, hi);
	*out = next;
	return 0;
}

static int allocate(struct ferry_runtime *rt, int64_t *uid, struct ferry_error *err)
{
	struct ferry_store *s = rt->ctx->store;
	long lo = rt->ctx->settings.sandbox_uid_lo, hi = rt->ctx->settings.sandbox_uid_hi;
	int rc;

	if ((rc = ferry_store_begin(s, err)))
		return rc;
	if ((rc = query_one(s, uid, err, "SELECT uid FROM sandbox_uids WHERE env_id = ?", "i",
			    rt->env.id)) != 0)
		goto done;                     /* another ferry was first (1), or an error */
	/* a removed environment's (its files and processes went with it), else a new one */
	if ((rc = query_one(s, uid, err, "SELECT u.uid FROM sandbox_uids u JOIN environments e ON "
			    "e.id = u.env_id WHERE e.state = 'deleted' AND u.uid >= ? AND u.uid <= ? "
			    "ORDER BY u.uid", "ii", (int64_t)lo, (int64_t)hi)) == 1)
		rc = ferry_store_run(s, err, "UPDATE sandbox_uids SET env_id = ?, created_ms = ? WHERE "
				     "uid = ?", "iii", rt->env.id, ferry_now_ms(), *uid);
	else if (rc == 0 && !(rc = pick_free(s, lo, hi, uid, err)))
		rc = ferry_store_run(s, err, "INSERT INTO sandbox_uids(env_id, uid, created_ms) VALUES "
				     "(?, ?, ?)", "iii", rt->env.id, *uid, ferry_now_ms());
done:
	if (rc < 0) {
		ferry_store_rollback(s);
		return rc;
	}
	return ferry_store_commit(s, err);
}

int rt_sb_uid(struct ferry_runtime *rt, uid_t *out, struct ferry_error *err)
{
	int64_t uid = 0;
	int rc = query_one(rt->ctx->store, &uid, err, "SELECT uid FROM sandbox_uids WHERE env_id = ?",
			   "i", rt->env.id);

	if (rc == 0)
		rc = allocate(rt, &uid, err);
	if (rc < 0) {
		ferry_error_prefix(err, "environment '%s': its uid", rt->env.name);
		return rc;
	}
	*out = (uid_t)uid;
	return 0;
}

int rt_sb_uid_peek(struct ferry_runtime *rt, uid_t *out)
{
	int64_t uid = 0;

	if (query_one(rt->ctx->store, &uid, NULL, "SELECT uid FROM sandbox_uids WHERE env_id = ?", "i",
		      rt->env.id) != 1)
		return 0;
	*out = (uid_t)uid;
	return 1;
}
