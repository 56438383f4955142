/* SPDX-License-Identifier: MIT */
/* runtime.c: the bottom of lib/runtime: runtime records (slot, driver, host,
 * directory, port, database) in the state store, port allocation, paths, and the
 * lock and log lines every layer above reaches through the record's driver. */
#include "runtime/driver.h"

#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>


static const char *const runtime_steps[] = {
	/* 1: one runtime per environment and slot */
	"CREATE TABLE runtimes("
	"  id INTEGER PRIMARY KEY,"
	"  env_id INTEGER NOT NULL REFERENCES environments(id),"
	"  slot TEXT NOT NULL,"
	"  dir TEXT NOT NULL,"
	"  port INTEGER,"
	"  db_conn TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL,"
	"  UNIQUE (env_id, slot));"
	"CREATE UNIQUE INDEX runtimes_port ON runtimes(port) WHERE port IS NOT NULL;",
	/* 2: the driver that runs it and the host it runs on (docs/RUNTIME.md) */
	"ALTER TABLE runtimes ADD COLUMN driver TEXT NOT NULL DEFAULT 'local';"
	"ALTER TABLE runtimes ADD COLUMN host TEXT NOT NULL DEFAULT 'local';",
};

const struct ferry_migrations ferry_schema_runtime = {
	"runtime", runtime_steps, (int)(sizeof(runtime_steps) / sizeof(runtime_steps[0]))
};

/* ---- small helpers ---- */

/* A port no runtime records and nobody has bound (as rt's driver sees it), from a
 * random place in the range (so several ferry homes on one machine rarely try the
 * same). Inside the caller's transaction: the unique index makes a collision
 * impossible. */
static int port_alloc(struct ferry_ctx *ctx, struct ferry_runtime *rt, int *out, struct ferry_error *err)
{
	int lo, hi, n, i, rc;
	unsigned r = 0;

	lo = ctx->settings.port_lo;
	hi = ctx->settings.port_hi;
	n = hi - lo + 1;
	if (getrandom(&r, sizeof(r), 0) < 0)
		r = (unsigned)time(NULL);
	for (i = 0; i < n; i++) {
		int port = lo + (int)((r + (unsigned)i) % (unsigned)n);
		struct ferry_stmt *st;
		if ((rc = ferry_store_query(ctx->store, &st, err,
				"SELECT 1 FROM runtimes WHERE port = ?", "d", port)))
			return rc;
		rc = ferry_stmt_step(st, err);
		ferry_stmt_free(st);
		if (rc < 0)
			return rc;
		if (rc == 0 && (rc = rt->drv->port_free(rt, port)) > 0) {
			*out = port;
			return 0;
		}
		if (rc < 0)
			return ferry_error_set(err, FERRY_EIO, "cannot find a free port on host '%s': "
					       "it is unreachable (see 'ferry host check %s')", rt->host,
					       rt->host);
	}
	return ferry_error_set(err, FERRY_EIO,
		"no free port in %d-%d: free some, or set FERRY_PORT_RANGE=LO-HI", lo, hi);
}

int rt_port_alloc(struct ferry_runtime *rt, int *out, struct ferry_error *err)
{
	return port_alloc(rt->ctx, rt, out, err);
}

/* ---- the lock and the log, through the driver ---- */

int rt_lock(struct ferry_runtime *rt, struct ferry_error *err)
{
	int rc;

	if (rt->lock_depth > 0) {
		rt->lock_depth++;
		return 0;
	}
	if ((rc = rt->drv->lock(rt, err)))
		return rc;
	rt->lock_depth = 1;
	return 0;
}

void rt_unlock(struct ferry_runtime *rt)
{
	if (rt->lock_depth > 0 && --rt->lock_depth == 0)
		rt->drv->unlock(rt);
}

void rt_log(struct ferry_runtime *rt, const char *fmt, ...)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char when[32];
	va_list ap;

	ferry_time_iso(ferry_now_ms(), when);
	ferry_buf_addf(&b, "--- ferry %s: ", when);
	va_start(ap, fmt);
	ferry_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (b.data)
		rt->drv->note(rt, b.data);
	ferry_buf_release(&b);
}

/* ---- the record ---- */

static int copy_name(char *dst, size_t size, const char *src, const char *what,
		     struct ferry_error *err)
{
	if (snprintf(dst, size, "%s", src ? src : "") >= (int)size)
		return ferry_error_set(err, FERRY_EINVAL, "%s name '%s' is too long (at most %zu bytes)",
				       what, src, size - 1);
	return 0;
}

int rt_rec_load(struct ferry_runtime *rt, int *found, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(rt->ctx->store, &st, err,
		"SELECT id, dir, port, db_conn, driver, host FROM runtimes WHERE env_id = ? AND slot = ?",
		"it", rt->env.id, rt->slot);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	*found = rc == 1;
	if (rc == 1) {
		rt->id = ferry_stmt_int(st, 0);
		rt->dir = strdup(ferry_stmt_text(st, 1));
		rt->port = ferry_stmt_is_null(st, 2) ? 0 : (int)ferry_stmt_int(st, 2);
		rt->db_conn = strdup(ferry_stmt_text(st, 3));
		if (!rt->dir || !rt->db_conn)
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		else if ((rc = copy_name(rt->driver, sizeof(rt->driver), ferry_stmt_text(st, 4),
					 "driver", err)) == 0)
			rc = copy_name(rt->host, sizeof(rt->host), ferry_stmt_text(st, 5), "host", err);
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int rt_rec_main_place(struct ferry_runtime *rt, char driver[16], char host[64])
{
	struct ferry_stmt *st;
	int found = 0;

	if (ferry_store_query(rt->ctx->store, &st, NULL,
			"SELECT driver, host FROM runtimes WHERE env_id = ? AND slot = ?", "it",
			rt->env.id, FERRY_SLOT_MAIN))
		return 0;
	if (ferry_stmt_step(st, NULL) == 1 &&
	    !copy_name(driver, 16, ferry_stmt_text(st, 0), "driver", NULL) &&
	    !copy_name(host, 64, ferry_stmt_text(st, 1), "host", NULL))
		found = 1;
	ferry_stmt_free(st);
	return found;
}

/* The database connection of a new runtime: its driver's default (SQLite under
 * it), or on PostgreSQL when db_base says so or, for another slot, when the
 * environment's main runtime is there (docs/RUNTIME.md). */
static int rt_db_conn(struct ferry_runtime *rt, const char *db_base, struct ferry_error *err)
{
	struct ferry_stmt *st = NULL;
	char name[160];
	char *main_conn = NULL;
	int rc = 0, main_slot = !strcmp(rt->slot, FERRY_SLOT_MAIN);

	if (!db_base && !main_slot) {
		if ((rc = ferry_store_query(rt->ctx->store, &st, err, "SELECT db_conn FROM runtimes "
					    "WHERE env_id = ? AND slot = ?", "it", rt->env.id, FERRY_SLOT_MAIN)))
			return rc;
		if (ferry_stmt_step(st, NULL) == 1 && ferry_store_is_pg(ferry_stmt_text(st, 0)))
			main_conn = strdup(ferry_stmt_text(st, 0));
		ferry_stmt_free(st);
	}
	/* a cut name could name another environment's database: too long is an error */
	if (main_conn) {
		if (!(rc = ferry_fmt(name, sizeof(name), err, "database name", "%s%lld", rt->slot,
				     (long long)rt->id)))
			rc = ferry_envdb_pg_url(main_conn, name, &rt->db_conn, err);
	} else if (db_base) {
		if (main_slot)
			rc = ferry_fmt(name, sizeof(name), err, "database name", "%s_%s", rt->env.project,
				       rt->env.name);
		else
			rc = ferry_fmt(name, sizeof(name), err, "database name", "%s_%s_%s%lld",
				       rt->env.project, rt->env.name, rt->slot, (long long)rt->id);
		if (!rc)
			rc = ferry_envdb_pg_url(db_base, name, &rt->db_conn, err);
	} else {
		rc = rt->drv->db_default(rt, &rt->db_conn, err);
	}
	free(main_conn);
	return rc;
}

/* Do two postgresql:// URLs name different servers or settings (anything but the
 * database name)? */
static int rt_db_other_server(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	int differ = 1;

	if (!ferry_envdb_pg_url(a, "x", &x, NULL) && !ferry_envdb_pg_url(b, "x", &y, NULL)) {
		const char *qa = strchr(x, '?'), *qb = strchr(y, '?');
		const char *pa = strstr(x, "://") + 3, *pb = strstr(y, "://") + 3;
		differ = strcspn(pa, "/?") != strcspn(pb, "/?") || strncmp(pa, pb, strcspn(pa, "/?")) ||
			 strcmp(qa ? qa : "", qb ? qb : "");
	}
	free(x);
	free(y);
	return differ;
}

int rt_rec_db_base_check(struct ferry_runtime *rt, const char *db_base, struct ferry_error *err)
{
	char *where;
	int rc;

	if (!db_base || (ferry_store_is_pg(rt->db_conn) && !rt_db_other_server(rt->db_conn, db_base)))
		return 0;
	where = ferry_store_redact(rt->db_conn);
	rc = ferry_error_set(err, FERRY_ESTATE, "environment '%s' already has its database at %s: "
			     "--db chooses it on the first deploy only (remove the environment's "
			     "runtime with 'ferry env rm' to start over)", rt->env.name, where ? where : "?");
	free(where);
	return rc;
}

/* A new database, refusing one on a server that exists already (another
 * environment's, or an old one's). */
static int rt_db_make(struct ferry_runtime *rt, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	int rc;

	if ((rc = rt->drv->db_open(rt, rt->db_conn, &db, err)))
		return rc;
	if (ferry_envdb_exists(db) < 0) {
		rc = ferry_envdb_create(db, err);   /* fails, naming why the host cannot be asked */
	} else if (ferry_envdb_exists(db) && strcmp(ferry_envdb_driver(db), "sqlite")) {
		char *where = ferry_store_redact(rt->db_conn);
		rc = ferry_error_set(err, FERRY_EEXIST, "database %s already exists: another environment "
				     "or an old one uses it; drop it or choose another prefix in --db",
				     where ? where : "?");
		free(where);
	} else if (!ferry_envdb_exists(db)) {
		rc = ferry_envdb_create(db, err);
	}
	ferry_envdb_free(db);
	return rc;
}

/* Insert the record (in a transaction), then the driver's directories and an empty
 * database. */
int rt_rec_create(struct ferry_runtime *rt, const char *db_base, struct ferry_error *err)
{
	struct ferry_store *s = rt->ctx->store;
	struct ferry_stmt *st;
	int64_t now = ferry_now_ms();
	int rc;

	if ((rc = ferry_store_begin(s, err)))
		return rc;
	if ((rc = port_alloc(rt->ctx, rt, &rt->port, err)))
		goto fail;
	if ((rc = ferry_store_query(s, &st, err,
			"INSERT INTO runtimes(env_id, slot, dir, port, db_conn, created_ms, updated_ms, "
			"driver, host) VALUES(?, ?, '', ?, '', ?, ?, ?, ?) RETURNING id", "itdiitt",
			rt->env.id, rt->slot, rt->port, now, now, rt->driver, rt->host)))
		goto fail;
	rc = ferry_stmt_step(st, err);
	rt->id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	if ((rc = rt->drv->locate(rt, &rt->dir, err)) || (rc = rt_db_conn(rt, db_base, err)))
		goto fail;
	if ((rc = ferry_store_run(s, err, "UPDATE runtimes SET dir = ?, db_conn = ? WHERE id = ?",
				  "tti", rt->dir, rt->db_conn, rt->id)))
		goto fail;
	if ((rc = rt->drv->prepare(rt, err)) || (rc = rt_db_make(rt, err)))
		goto fail;
	return ferry_store_commit(s, err);
fail:
	ferry_store_rollback(s);
	return rc;
}

void ferry_runtime_free(struct ferry_runtime *rt)
{
	if (!rt)
		return;
	while (rt->lock_depth > 0)
		rt_unlock(rt);
	if (rt->drv && rt->drv->detach)
		rt->drv->detach(rt);
	free(rt->dir);
	free(rt->db_conn);
	free(rt);
}

const char *ferry_runtime_env(const struct ferry_runtime *rt) { return rt->env.name; }
const char *ferry_runtime_slot(const struct ferry_runtime *rt) { return rt->slot; }
const char *ferry_runtime_dir(const struct ferry_runtime *rt) { return rt->dir; }
const char *ferry_runtime_database(const struct ferry_runtime *rt) { return rt->db_conn; }
int ferry_runtime_port(const struct ferry_runtime *rt) { return rt->port; }
const char *ferry_runtime_driver_name(const struct ferry_runtime *rt) { return rt->driver; }
const char *ferry_runtime_host(const struct ferry_runtime *rt) { return rt->host; }

void ferry_runtime_url(const struct ferry_runtime *rt, char out[FERRY_RUNTIME_URL_MAX])
{
	snprintf(out, FERRY_RUNTIME_URL_MAX, "http://%s:%d", rt->addr[0] ? rt->addr : "127.0.0.1", rt->port);
}

char *ferry_runtime_path(const struct ferry_runtime *rt, const char *rel)
{
	return ferry_path_join(rt->dir, rel);
}

int ferry_runtime_slots(struct ferry_ctx *ctx, const char *env, json_t **out,
			struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct ferry_env e;
	json_t *arr;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT slot FROM runtimes WHERE env_id = ? ORDER BY id", "i", e.id)))
		return rc;
	arr = json_array();
	while ((rc = ferry_stmt_step(st, err)) == 1)
		json_array_append_new(arr, json_string(ferry_stmt_text(st, 0)));
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int rt_db_shared(struct ferry_runtime *rt, const char *conn)
{
	struct ferry_stmt *st;
	int rc;

	if (ferry_store_query(rt->ctx->store, &st, NULL,
			"SELECT 1 FROM runtimes WHERE id <> ? AND db_conn = ?", "it", rt->id, conn))
		return 1;    /* when unsure, keep the data */
	rc = ferry_stmt_step(st, NULL);
	ferry_stmt_free(st);
	return rc != 0;
}
