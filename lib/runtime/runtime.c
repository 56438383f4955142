/* runtime.c: runtime records (slot, directory, port, database) in the state store,
 * port allocation, config.json, and the swaps a self-service upgrade makes. */
#include "runtime/runtime_int.h"

#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT_LO 20000      /* below Linux's ephemeral range (32768-60999) */
#define PORT_HI 32000
#define LOCK_WAIT_MS 60000

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
};

const struct ferry_migrations ferry_schema_runtime = {
	"runtime", runtime_steps, (int)(sizeof(runtime_steps) / sizeof(runtime_steps[0]))
};

/* ---- small helpers ---- */

int rt_port_bindable(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok, one = 1;

	if (fd < 0)
		return 0;
	/* Like a server would: a port in TIME_WAIT is free, a listening one is not. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void port_range(int *lo, int *hi)
{
	const char *r = getenv("FERRY_PORT_RANGE");
	long long a, b;
	char tmp[32], *dash;

	*lo = PORT_LO;
	*hi = PORT_HI;
	if (!r || snprintf(tmp, sizeof(tmp), "%s", r) >= (int)sizeof(tmp) || !(dash = strchr(tmp, '-')))
		return;
	*dash = '\0';
	if (ferry_parse_int(tmp, 1024, 65535, &a) || ferry_parse_int(dash + 1, 1024, 65535, &b) || a > b)
		return;
	*lo = (int)a;
	*hi = (int)b;
}

/* A port no runtime records and nobody has bound, from a random place in the
 * range (so several ferry homes on one machine rarely try the same). Inside the
 * caller's transaction: the unique index makes a collision impossible. */
static int port_alloc(struct ferry_ctx *ctx, int *out, struct ferry_error *err)
{
	int lo, hi, n, i, rc;
	unsigned r = 0;

	port_range(&lo, &hi);
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
		if (rc == 0 && rt_port_bindable(port)) {
			*out = port;
			return 0;
		}
	}
	return ferry_error_set(err, FERRY_EIO,
		"no free port in %d-%d: free some, or set FERRY_PORT_RANGE=LO-HI", lo, hi);
}

int rt_lock(struct ferry_runtime *rt, int *fd, struct ferry_error *err)
{
	int64_t deadline = ferry_mono_ms() + LOCK_WAIT_MS;
	char *p = ferry_runtime_path(rt, "state/lock");
	int rc = 0;

	*fd = -1;
	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	*fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot open lock %s", p);
		goto out;
	}
	while (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, 50 * 1000000L };
		if (errno != EWOULDBLOCK || ferry_mono_ms() > deadline) {
			rc = ferry_error_set(err, FERRY_ESTATE,
				"environment '%s' is busy: another ferry is starting, stopping or "
				"deploying it (lock %s); try again", rt->env.name, p);
			close(*fd);
			*fd = -1;
			goto out;
		}
		nanosleep(&ts, NULL);
	}
out:
	free(p);
	return rc;
}

void rt_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void rt_log(struct ferry_runtime *rt, const char *fmt, ...)
{
	char *p = ferry_runtime_path(rt, "logs/app.log"), when[32];
	va_list ap;
	FILE *f;

	if (!p || !(f = fopen(p, "ae"))) {
		free(p);
		return;
	}
	ferry_time_iso(ferry_now_ms(), when);
	fprintf(f, "--- ferry %s: ", when);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
	free(p);
}

/* ---- open / create ---- */

static int rt_load(struct ferry_runtime *rt, int *found, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(rt->ctx->store, &st, err,
		"SELECT id, dir, port, db_conn FROM runtimes WHERE env_id = ? AND slot = ?",
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
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int rt_make_dirs(struct ferry_runtime *rt, struct ferry_error *err)
{
	static const char *const sub[] = { "releases", "db", "state", "logs" };
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *p = ferry_runtime_path(rt, sub[i]);
		rc = p ? ferry_mkdir_p(p, 0700, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

/* The database connection of a new runtime: a file under it (SQLite), or on
 * PostgreSQL when db_base says so or, for another slot, when the environment's main
 * runtime is there (docs/RUNTIME.md). */
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
	if (main_conn) {
		snprintf(name, sizeof(name), "%s%lld", rt->slot, (long long)rt->id);
		rc = ferry_envdb_pg_url(main_conn, name, &rt->db_conn, err);
	} else if (db_base) {
		if (main_slot)
			snprintf(name, sizeof(name), "%s_%s", rt->env.project, rt->env.name);
		else
			snprintf(name, sizeof(name), "%s_%s_%s%lld", rt->env.project, rt->env.name,
				 rt->slot, (long long)rt->id);
		rc = ferry_envdb_pg_url(db_base, name, &rt->db_conn, err);
	} else if (!(rt->db_conn = ferry_runtime_path(rt, "db/app.db"))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
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

/* Insert the record (in a transaction), then directories and an empty database. */
static int rt_create(struct ferry_runtime *rt, const char *db_base, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_store *s = rt->ctx->store;
	struct ferry_envdb *db = NULL;
	struct ferry_stmt *st;
	int64_t now = ferry_now_ms();
	int rc;

	if ((rc = ferry_store_begin(s, err)))
		return rc;
	if ((rc = port_alloc(rt->ctx, &rt->port, err)))
		goto fail;
	if ((rc = ferry_store_query(s, &st, err,
			"INSERT INTO runtimes(env_id, slot, dir, port, db_conn, created_ms, updated_ms) "
			"VALUES(?, ?, '', ?, '', ?, ?) RETURNING id", "itdii",
			rt->env.id, rt->slot, rt->port, now, now)))
		goto fail;
	rc = ferry_stmt_step(st, err);
	rt->id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	if (!strcmp(rt->slot, FERRY_SLOT_MAIN))
		ferry_buf_addf(&b, "%s/environments/%s", rt->ctx->home, rt->env.name);
	else
		ferry_buf_addf(&b, "%s/environments/%s/%s.%lld", rt->ctx->home, rt->env.name,
			       rt->slot, (long long)rt->id);
	if (!(rt->dir = ferry_buf_detach(&b))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = rt_db_conn(rt, db_base, err)))
		goto fail;
	if ((rc = ferry_store_run(s, err, "UPDATE runtimes SET dir = ?, db_conn = ? WHERE id = ?",
				  "tti", rt->dir, rt->db_conn, rt->id)))
		goto fail;
	if ((rc = rt_make_dirs(rt, err)))
		goto fail;
	if ((rc = ferry_envdb_open(rt->db_conn, &db, err)))
		goto fail;
	if (ferry_envdb_exists(db) && strcmp(ferry_envdb_driver(db), "sqlite")) {
		char *where = ferry_store_redact(rt->db_conn);
		rc = ferry_error_set(err, FERRY_EEXIST, "database %s already exists: another environment "
				     "or an old one uses it; drop it or choose another prefix in --db",
				     where ? where : "?");
		free(where);
		goto fail;
	}
	if (!ferry_envdb_exists(db) && (rc = ferry_envdb_create(db, err)))
		goto fail;
	ferry_envdb_free(db);
	return ferry_store_commit(s, err);
fail:
	ferry_envdb_free(db);
	ferry_store_rollback(s);
	return rc;
}

int ferry_runtime_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
		       struct ferry_runtime **out, struct ferry_error *err)
{
	return rt_open(ctx, env, slot, create, NULL, out, err);
}

int rt_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
	    const char *db_base, struct ferry_runtime **out, struct ferry_error *err)
{
	struct ferry_runtime *rt;
	int rc, found = 0;

	*out = NULL;
	slot = slot && *slot ? slot : FERRY_SLOT_MAIN;
	if ((rc = ferry_name_check(slot, "slot", err)))
		return rc;
	if (!(rt = calloc(1, sizeof(*rt))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rt->ctx = ctx;
	snprintf(rt->slot, sizeof(rt->slot), "%s", slot);
	if ((rc = ferry_env_get(ctx, env, &rt->env, err)) || (rc = rt_load(rt, &found, err)))
		goto fail;
	if (!found && !create) {
		rc = strcmp(slot, FERRY_SLOT_MAIN)
			? ferry_error_set(err, FERRY_ENOTFOUND, "environment '%s' has no '%s' runtime", env, slot)
			: ferry_error_set(err, FERRY_ENOTFOUND,
				"nothing deployed on environment '%s': run 'ferry env deploy %s --package REF' first",
				env, env);
		goto fail;
	}
	if (!found && (rc = rt_create(rt, db_base, err)))
		goto fail;
	if (found && db_base && (!ferry_store_is_pg(rt->db_conn) ||
				 rt_db_other_server(rt->db_conn, db_base))) {
		char *where = ferry_store_redact(rt->db_conn);
		rc = ferry_error_set(err, FERRY_ESTATE, "environment '%s' already has its database at %s: "
				     "--db chooses it on the first deploy only (remove the environment's "
				     "runtime with 'ferry env rm' to start over)", env, where ? where : "?");
		free(where);
		goto fail;
	}
	if (found && (rc = rt_make_dirs(rt, err)))
		goto fail;
	*out = rt;
	return 0;
fail:
	ferry_runtime_free(rt);
	return rc;
}

void ferry_runtime_free(struct ferry_runtime *rt)
{
	if (!rt)
		return;
	free(rt->dir);
	free(rt->db_conn);
	free(rt);
}

const char *ferry_runtime_env(const struct ferry_runtime *rt) { return rt->env.name; }
const char *ferry_runtime_slot(const struct ferry_runtime *rt) { return rt->slot; }
const char *ferry_runtime_dir(const struct ferry_runtime *rt) { return rt->dir; }
const char *ferry_runtime_database(const struct ferry_runtime *rt) { return rt->db_conn; }
int ferry_runtime_port(const struct ferry_runtime *rt) { return rt->port; }

void ferry_runtime_url(const struct ferry_runtime *rt, char out[64])
{
	snprintf(out, 64, "http://127.0.0.1:%d", rt->port);
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

int ferry_runtime_new_port(struct ferry_runtime *rt, struct ferry_error *err)
{
	struct ferry_runtime_status st;
	int rc, port;

	ferry_runtime_status(rt, 0, &st);
	if (st.running)
		return ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' is running on port %d: stop it first", rt->env.name, rt->port);
	if ((rc = ferry_store_begin(rt->ctx->store, err)))
		return rc;
	if ((rc = port_alloc(rt->ctx, &port, err)) ||
	    (rc = ferry_store_run(rt->ctx->store, err,
			"UPDATE runtimes SET port = ?, updated_ms = ? WHERE id = ?", "dii",
			port, ferry_now_ms(), rt->id))) {
		ferry_store_rollback(rt->ctx->store);
		return rc;
	}
	if ((rc = ferry_store_commit(rt->ctx->store, err)))
		return rc;
	rt->port = port;
	return 0;
}

/* ---- config.json ---- */

static const char *const managed_keys[] = {
	"environment", "role", "slot", "port", "url", "database", "db_driver",
	"state_dir", "release_dir", "log_file", NULL
};

static int config_is_managed(const char *key)
{
	int i;

	for (i = 0; managed_keys[i]; i++)
		if (!strcmp(key, managed_keys[i]))
			return 1;
	return 0;
}

/* The first config.json of another slot (an upgrade-in-progress runtime) starts from the
 * environment's settings: every key of the main runtime's config.json that ferry does not
 * manage (the application's own: credentials, site settings), except the per-runtime
 * fault switches. So the runtime that takes the environment over has its settings. */
static json_t *config_inherited(struct ferry_runtime *rt)
{
	struct ferry_stmt *st;
	json_t *cfg = json_pack("{s:{}}", "faults"), *main_cfg = NULL, *v;
	const char *key;
	char *p = NULL;

	if (!cfg || !strcmp(rt->slot, FERRY_SLOT_MAIN) ||
	    ferry_store_query(rt->ctx->store, &st, NULL,
			      "SELECT dir FROM runtimes WHERE env_id = ? AND slot = ?", "it",
			      rt->env.id, FERRY_SLOT_MAIN))
		return cfg;
	if (ferry_stmt_step(st, NULL) == 1)
		p = ferry_path_join(ferry_stmt_text(st, 0), "config.json");
	ferry_stmt_free(st);
	if (p && ferry_path_exists(p))
		main_cfg = json_load_file(p, 0, NULL);
	json_object_foreach(main_cfg, key, v)
		if (!config_is_managed(key) && strcmp(key, "faults"))
			json_object_set(cfg, key, v);
	json_decref(main_cfg);
	free(p);
	return cfg;
}

int ferry_runtime_config_get(struct ferry_runtime *rt, json_t **out, struct ferry_error *err)
{
	char *p = ferry_runtime_path(rt, "config.json");
	json_error_t je;
	json_t *cfg;

	*out = NULL;
	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!ferry_path_exists(p)) {
		free(p);
		if (!(*out = config_inherited(rt)))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		return 0;
	}
	cfg = json_load_file(p, 0, &je);
	if (!cfg || !json_is_object(cfg)) {
		json_decref(cfg);
		ferry_error_set(err, FERRY_EINVAL, "%s is not a JSON object (line %d: %s): fix or remove it",
				p, je.line, je.text);
		free(p);
		return FERRY_EINVAL;
	}
	free(p);
	*out = cfg;
	return 0;
}

static int config_save(struct ferry_runtime *rt, json_t *cfg, struct ferry_error *err)
{
	char *p = ferry_runtime_path(rt, "config.json");
	char *text = json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (!p || !text)
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	else
		rc = ferry_write_file_atomic(p, text, strlen(text), 0600, err);
	free(p);
	free(text);
	return rc;
}

int ferry_runtime_config_write(struct ferry_runtime *rt, struct ferry_error *err)
{
	char rel[FERRY_RELEASE_ID_MAX], url[64];
	char *state = ferry_runtime_path(rt, "state"), *log = ferry_runtime_path(rt, "logs/app.log");
	char *reldir = NULL;
	struct ferry_envdb *db = NULL;
	json_t *cfg = NULL;
	int rc;

	if ((rc = ferry_runtime_config_get(rt, &cfg, err)) ||
	    (rc = ferry_envdb_open(rt->db_conn, &db, err)))
		goto out;
	if (ferry_runtime_release_current(rt, rel) == 0) {
		char sub[FERRY_RELEASE_ID_MAX + 16];
		snprintf(sub, sizeof(sub), "releases/%s", rel);
		reldir = ferry_runtime_path(rt, sub);
	}
	ferry_runtime_url(rt, url);
	json_object_set_new(cfg, "environment", json_string(rt->env.name));
	json_object_set_new(cfg, "role", json_string(ferry_env_role_name(rt->env.role)));
	json_object_set_new(cfg, "slot", json_string(rt->slot));
	json_object_set_new(cfg, "port", json_integer(rt->port));
	json_object_set_new(cfg, "url", json_string(url));
	json_object_set_new(cfg, "database", json_string(rt->db_conn));
	json_object_set_new(cfg, "db_driver", json_string(ferry_envdb_driver(db)));
	json_object_set_new(cfg, "state_dir", json_string(state ? state : ""));
	json_object_set_new(cfg, "release_dir", reldir ? json_string(reldir) : json_null());
	json_object_set_new(cfg, "log_file", json_string(log ? log : ""));
	if (!json_is_object(json_object_get(cfg, "faults")))
		json_object_set_new(cfg, "faults", json_object());
	rc = config_save(rt, cfg, err);
out:
	json_decref(cfg);
	ferry_envdb_free(db);
	free(state);
	free(log);
	free(reldir);
	return rc;
}

/* The value as JSON when it parses (1, true, "x", {...}), else as a string. */
static json_t *config_value(const char *value)
{
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(value);
}

/* Apply one edit to cfg in memory. */
static int config_apply(struct ferry_runtime *rt, json_t *cfg, const char *key, const char *value,
			struct ferry_error *err)
{
	char path[256], *part, *dot;
	size_t len;
	json_t *node = cfg;
	int i;

	if (!key || !*key || snprintf(path, sizeof(path), "%s", key) >= (int)sizeof(path) ||
	    key[0] == '.' || key[strlen(key) - 1] == '.' || strstr(key, ".."))
		return ferry_error_set(err, FERRY_EINVAL, "invalid configuration key '%s'", key ? key : "");
	dot = strchr(path, '.');
	len = dot ? (size_t)(dot - path) : strlen(path);
	for (i = 0; managed_keys[i]; i++)
		if (strlen(managed_keys[i]) == len && !strncmp(path, managed_keys[i], len))
			return ferry_error_set(err, FERRY_EREFUSED,
				"'%s' in config.json is managed by ferry and cannot be set (see 'ferry env show %s')",
				managed_keys[i], rt->env.name);
	for (part = path; (dot = strchr(part, '.')); part = dot + 1) {
		json_t *next;
		*dot = '\0';
		next = json_object_get(node, part);
		if (!json_is_object(next)) {
			if (!value)
				return 0;       /* nothing to remove */
			next = json_object();
			json_object_set_new(node, part, next);
		}
		node = next;
	}
	if (value)
		json_object_set_new(node, part, config_value(value));
	else
		json_object_del(node, part);
	return 0;
}

int ferry_runtime_config_edit(struct ferry_runtime *rt, const char *const *keys,
			      const char *const *values, int n, struct ferry_error *err)
{
	json_t *cfg = NULL;
	int rc, i;

	if ((rc = ferry_runtime_config_get(rt, &cfg, err)))
		return rc;
	for (i = 0; i < n && !rc; i++)
		rc = config_apply(rt, cfg, keys[i], values[i], err);
	if (!rc)
		rc = config_save(rt, cfg, err);
	json_decref(cfg);
	return rc;
}

int ferry_runtime_config_set(struct ferry_runtime *rt, const char *key, const char *value,
			     struct ferry_error *err)
{
	return ferry_runtime_config_edit(rt, &key, &value, 1, err);
}

/* ---- swaps ---- */

static int require_stopped(struct ferry_runtime *rt, const char *what, struct ferry_error *err)
{
	struct ferry_runtime_status st;

	ferry_runtime_status(rt, 0, &st);
	if (st.running)
		return ferry_error_set(err, FERRY_ESTATE,
			"cannot %s: environment '%s' (%s) is running (pid %ld): stop it first",
			what, rt->env.name, rt->slot, st.pid);
	return 0;
}

int ferry_runtime_set_database(struct ferry_runtime *rt, const char *conn, struct ferry_error *err)
{
	struct ferry_envdb *db;
	char *copy;
	int rc;

	if ((rc = require_stopped(rt, "switch the database", err)) ||
	    (rc = ferry_envdb_open(conn, &db, err)))
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
	if ((rc = require_stopped(a, "swap ports", err)) || (rc = require_stopped(b, "swap ports", err)))
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

/* Is conn used by a runtime other than id? */
static int db_shared(struct ferry_ctx *ctx, int64_t id, const char *conn)
{
	struct ferry_stmt *st;
	int rc;

	if (ferry_store_query(ctx->store, &st, NULL,
			"SELECT 1 FROM runtimes WHERE id <> ? AND db_conn = ?", "it", id, conn))
		return 1;    /* when unsure, keep the data */
	rc = ferry_stmt_step(st, NULL);
	ferry_stmt_free(st);
	return rc != 0;
}

/* Remove what the runtime owns on disk but its logs (and, without drop_db, its
 * database). A slot directory nested in the environment's goes whole. */
static int rt_remove_files(struct ferry_runtime *rt, int drop_db, struct ferry_error *err)
{
	static const char *const owned[] = { "releases", "current", "state", "config.json" };
	struct ferry_envdb *db = NULL;
	size_t i;
	int rc = 0;

	if (drop_db && !db_shared(rt->ctx, rt->id, rt->db_conn) &&
	    !ferry_envdb_open(rt->db_conn, &db, NULL)) {
		rc = ferry_envdb_drop(db, err);
		ferry_envdb_free(db);
		if (rc)
			return rc;
	}
	if (strcmp(rt->slot, FERRY_SLOT_MAIN) && drop_db &&
	    strncmp(rt->db_conn, rt->dir, strlen(rt->dir)))
		return ferry_rm_rf(rt->dir, err);
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char *p = ferry_runtime_path(rt, owned[i]);
		rc = p ? ferry_rm_rf(p, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

int ferry_runtime_destroy(struct ferry_runtime *rt, int drop_db, struct ferry_error *err)
{
	int rc, lock;

	if ((rc = rt_lock(rt, &lock, err)))
		return rc;
	if ((rc = rt_stop_locked(rt, 0, NULL, err)))
		goto out;
	if ((rc = ferry_store_run(rt->ctx->store, err, "DELETE FROM runtimes WHERE id = ?", "i", rt->id)))
		goto out;
	rc = rt_remove_files(rt, drop_db, err);
out:
	rt_unlock(lock);
	return rc;
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
	if (rc || (rc = require_stopped(old, "retire the original runtime", err)))
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
	if (!(rc = rt_remove_files(old, 1, err)))
		rc = ferry_runtime_config_write(neu, err);
out:
	ferry_runtime_free(old);
	ferry_runtime_free(neu);
	return rc;
}

/* ---- database ---- */

int ferry_runtime_db(struct ferry_runtime *rt, struct ferry_envdb **out, struct ferry_error *err)
{
	return ferry_envdb_open(rt->db_conn, out, err);
}

int ferry_runtime_db_restore(struct ferry_runtime *rt, const char *name, struct ferry_error *err)
{
	struct ferry_envdb *db;
	int rc;

	if ((rc = ferry_envdb_open(rt->db_conn, &db, err)))
		return rc;
	/* A missing restore point is reported first: it is what the operator must fix. */
	if (ferry_envdb_rp_exists(db, name))
		rc = require_stopped(rt, "restore the database", err);
	if (!rc)
		rc = ferry_envdb_rp_restore(db, name, err);
	ferry_envdb_free(db);
	if (!rc)
		rt_log(rt, "database restored from restore point '%s'", name);
	return rc;
}

int ferry_runtime_db_copy(struct ferry_runtime *src, struct ferry_runtime *dst,
			  struct ferry_error *err)
{
	struct ferry_envdb *a = NULL, *b = NULL;
	int rc;

	if ((rc = require_stopped(dst, "copy a database into it", err)) ||
	    (rc = ferry_envdb_open(src->db_conn, &a, err)) ||
	    (rc = ferry_envdb_open(dst->db_conn, &b, err)))
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
