/* SPDX-License-Identifier: MIT */
/* runtime_swap.c: what a self-service upgrade does with two runtimes of one
 * environment (point one at another database, exchange their ports, promote the
 * upgraded one, destroy one) and copying a database between runtimes. */
#include "runtime/driver.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ferry_runtime_set_database(struct ferry_runtime *rt, const char *conn, struct ferry_error *err)
{
	struct ferry_envdb *db;
	char *copy;
	int rc;

	if ((rc = rt_require_stopped(rt, "switch the database", err)) ||
	    (rc = rt->drv->db_open(rt, conn, &db, err)))
		return rc;
	ferry_envdb_free(db);
	if ((rc = ferry_store_run(rt->ctx->store, err,
			"UPDATE runtimes SET db_conn = ?, updated_ms = ? WHERE id = ?", "tii",
			conn, ferry_now_ms(), rt->id)))
		return rc;
	if (!(copy = strdup(conn)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(rt->db_conn);
	rt->db_conn = copy;
	return ferry_runtime_config_write(rt, err);
}

int ferry_runtime_swap_ports(struct ferry_runtime *a, struct ferry_runtime *b,
			     struct ferry_error *err)
{
	struct ferry_store *s = a->ctx->store;
	int rc, pa = a->port, pb = b->port;

	if (a->env.id != b->env.id)
		return ferry_error_set(err, FERRY_EINVAL, "cannot swap ports across environments");
	if ((rc = rt_require_stopped(a, "swap ports", err)) ||
	    (rc = rt_require_stopped(b, "swap ports", err)))
		return rc;
	if ((rc = ferry_store_begin(s, err)))
		return rc;
	if ((rc = ferry_store_run(s, err, "UPDATE runtimes SET port = NULL WHERE id = ?", "i", a->id)) ||
	    (rc = ferry_store_run(s, err, "UPDATE runtimes SET port = ? WHERE id = ?", "di", pa, b->id)) ||
	    (rc = ferry_store_run(s, err, "UPDATE runtimes SET port = ? WHERE id = ?", "di", pb, a->id))) {
		ferry_store_rollback(s);
		return rc;
	}
	if ((rc = ferry_store_commit(s, err)))
		return rc;
	a->port = pb;
	b->port = pa;
	if ((rc = ferry_runtime_config_write(a, err)))
		return rc;
	return ferry_runtime_config_write(b, err);
}

/* Remove what the runtime owns but its logs (and, without drop_db, its database).
 * A slot directory nested in the environment's goes whole. */
int rt_remove(struct ferry_runtime *rt, int drop_db, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	int rc;

	if (drop_db && !rt_db_shared(rt, rt->db_conn) &&
	    !rt->drv->db_open(rt, rt->db_conn, &db, NULL)) {
		rc = ferry_envdb_drop(db, err);
		ferry_envdb_free(db);
		if (rc)
			return rc;
	}
	return rt->drv->remove(rt, strcmp(rt->slot, FERRY_SLOT_MAIN) && drop_db &&
				   strncmp(rt->db_conn, rt->dir, strlen(rt->dir)), err);
}

int ferry_runtime_destroy(struct ferry_runtime *rt, int drop_db, struct ferry_error *err)
{
	int rc;

	if ((rc = rt_lock(rt, err)))
		return rc;
	if ((rc = rt->drv->stop(rt, 0, NULL, err)))
		goto out;
	if ((rc = ferry_store_run(rt->ctx->store, err, "DELETE FROM runtimes WHERE id = ?", "i", rt->id)))
		goto out;
	rc = rt_remove(rt, drop_db, err);
out:
	rt_unlock(rt);
	return rc;
}

int ferry_runtime_purge(struct ferry_runtime *rt, struct ferry_error *err)
{
	return rt->drv->remove(rt, 1, err);
}

int ferry_runtime_promote(struct ferry_ctx *ctx, const char *env, const char *slot,
			  struct ferry_error *err)
{
	struct ferry_runtime *old = NULL, *neu = NULL;
	struct ferry_store *s = ctx->store;
	int rc;

	if (!strcmp(slot, FERRY_SLOT_MAIN))
		return 0;
	if ((rc = ferry_runtime_open(ctx, env, slot, 0, &neu, err)))
		return rc;
	if ((rc = ferry_runtime_open(ctx, env, NULL, 0, &old, err)) == FERRY_ENOTFOUND) {
		ferry_error_clear(err);
		rc = ferry_store_run(s, err, "UPDATE runtimes SET slot = ? WHERE id = ?", "ti",
				     FERRY_SLOT_MAIN, neu->id);
		goto out;
	}
	if (rc || (rc = rt_require_stopped(old, "retire the original runtime", err)))
		goto out;
	if ((rc = ferry_store_begin(s, err)))
		goto out;
	if ((rc = ferry_store_run(s, err, "DELETE FROM runtimes WHERE id = ?", "i", old->id)) ||
	    (rc = ferry_store_run(s, err, "UPDATE runtimes SET slot = ?, updated_ms = ? WHERE id = ?",
				  "tii", FERRY_SLOT_MAIN, ferry_now_ms(), neu->id))) {
		ferry_store_rollback(s);
		goto out;
	}
	if ((rc = ferry_store_commit(s, err)))
		goto out;
	snprintf(neu->slot, sizeof(neu->slot), "%s", FERRY_SLOT_MAIN);
	/* After the commit, the files: a crash here leaves only garbage to remove. */
	if (!(rc = rt_remove(old, 1, err)))
		rc = ferry_runtime_config_write(neu, err);
out:
	ferry_runtime_free(old);
	ferry_runtime_free(neu);
	return rc;
}

int ferry_runtime_db_copy(struct ferry_runtime *src, struct ferry_runtime *dst,
			  struct ferry_error *err)
{
	struct ferry_envdb *a = NULL, *b = NULL;
	int rc;

	if ((rc = rt_require_stopped(dst, "copy a database into it", err)) ||
	    (rc = src->drv->db_open(src, src->db_conn, &a, err)) ||
	    (rc = dst->drv->db_open(dst, dst->db_conn, &b, err)))
		goto out;
	if ((rc = ferry_envdb_copy(a, b, err)))
		ferry_error_prefix(err, "copying the database of '%s' into '%s'", src->env.name,
				   dst->env.name);
	else
		rt_log(dst, "database copied from environment '%s' (%s)", src->env.name, src->db_conn);
out:
	ferry_envdb_free(a);
	ferry_envdb_free(b);
	return rc;
}
