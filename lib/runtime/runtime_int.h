/* SPDX-License-Identifier: MIT */
/* runtime_int.h: what the runtime_*.c and driver_*.c files share (not part of
 * libferry's API): the runtime record and the internal calls between the layers of
 * lib/runtime. Lowest first, a file calls only those above it in this header:
 *   records   runtime.c (the row, paths, ports), runtime_probe.c, sandbox_secrets.c,
 *             runtime_cmd.c, sandbox_*.c (the sandbox: sandbox.h)
 *   drivers   driver_local_release.c, driver_local_proc.c, driver_local.c (driver.h)
 *   dispatch  runtime_config.c, runtime_driver.c (ferry_runtime_* through the driver)
 *   commands  runtime_swap.c, runtime_env.c, runtime_deploy.c */
#ifndef FERRY_LIB_RUNTIME_INT_H
#define FERRY_LIB_RUNTIME_INT_H

#include "ferry/project/env.h"
#include "ferry/runtime/runtime.h"

#include <sys/types.h>

struct ferry_runtime_driver;

struct ferry_runtime {
	struct ferry_ctx *ctx;
	struct ferry_env env;
	int64_t id;
	char slot[32];
	char driver[16];        /* the record's driver name ("local") */
	char host[64];          /* the host it runs on ("local": ferry's own machine) */
	char addr[64];          /* where its port answers, set by the driver ("127.0.0.1") */
	char *dir;              /* its directory on that host */
	char *db_conn;
	int port;
	const struct ferry_runtime_driver *drv;
	void *drv_data;         /* the driver's per-runtime state (lock, session) */
	int lock_depth;         /* rt_lock() nesting in this process */
};

/* What a new runtime is made with (rt_open with create). NULL fields: the defaults
 * (driver and host of the environment's main runtime, else "local"). */
struct rt_new {
	const char *db_base;    /* ferry_deploy_opts.db */
	const char *driver;
	const char *host;
};

/* ---- records: runtime.c ---- */

/* Load the record of (rt->env, rt->slot); *found = 0 when there is none. */
int rt_rec_load(struct ferry_runtime *rt, int *found, struct ferry_error *err);
/* The driver and host of the environment's main runtime, when it has one. */
int rt_rec_main_place(struct ferry_runtime *rt, char driver[16], char host[64]);
/* Create the record (rt->drv set and attached): port, directory, database
 * connection, the driver's directories and an empty database, in one transaction. */
int rt_rec_create(struct ferry_runtime *rt, const char *db_base, struct ferry_error *err);
/* Refuse a --db (db_base) that would move the existing runtime's database. */
int rt_rec_db_base_check(struct ferry_runtime *rt, const char *db_base, struct ferry_error *err);
/* A free port for rt (none recorded, the driver says it is free there), inside the
 * caller's transaction. */
int rt_port_alloc(struct ferry_runtime *rt, int *out, struct ferry_error *err);
/* Is conn used by a runtime other than rt? (1 when unsure) */
int rt_db_shared(struct ferry_runtime *rt, const char *conn);
/* Hold the runtime against other ferry processes through its driver (re-entrant in
 * this process: the public start, stop and destroy take it too). */
int rt_lock(struct ferry_runtime *rt, struct ferry_error *err);
void rt_unlock(struct ferry_runtime *rt);
/* Append one "--- ferry <time>: ..." line to the runtime's log (best effort). */
void rt_log(struct ferry_runtime *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- health requests: runtime_probe.c ---- */

/* GET url; 0 when it answered 200, else -1 and a description in why[256]. */
int rt_http_ok(const char *url, long timeout_ms, char why[256]);
/* "<url of rt><service.health of man>" into out[512] ("/health" when man has none). */
void rt_health_url(const struct ferry_runtime *rt, const json_t *man, char out[512]);
/* The release manifest's service.health_timeout_ms, else FERRY_HEALTH_TIMEOUT_MS. */
long rt_health_timeout_ms(const json_t *man);

/* ---- commands: runtime_cmd.c ---- */

/* The values ${CONFIG} ${DB} ${PORT} ${ENV} ${RELEASE_DIR} ${DATA} ${SECRETS} stand
 * for, exported to the application as FERRY_*; `service` (FERRY_SERVICE) marks the
 * long-running service of a runtime so that every process of it can be found (empty
 * for one-shot commands). `db` is the connection string as the environment sees it:
 * a password is not in it but in <secrets>/pgpass (rt_sb_db_conn). Paths are on the
 * runtime's host. */
struct rt_vars {
	char config[4096], db[4096], port[16], env[64], release_dir[4096], service[4096];
	char data[4096], tmp[4096], secrets[4096];
};
/* rel: the current release id ("" when none). */
void rt_vars_fill(const struct ferry_runtime *rt, const char *rel, int service, struct rt_vars *v);
/* Expand a JSON argv array with v; "bin/x" becomes "<release_dir>/bin/x". */
int rt_argv_expand(const json_t *argv, const struct rt_vars *v, char ***out,
		   struct ferry_error *err);
/* The whole environment of a process of the runtime, nothing of ferry's own: PATH,
 * LANG, HOME (<dir>/data), TMPDIR (<dir>/tmp), the FERRY_* variables of v and the
 * manifest's "environment" (menv, may be NULL; values expanded like argv). Caller
 * frees with ferry_runtime_argv_free; NULL when out of memory. */
char **rt_envp(const struct rt_vars *v, const json_t *menv);

/* ---- dispatch: runtime_driver.c, runtime_config.c ---- */

/* ferry_runtime_open() with what a new runtime is made with (n may be NULL). */
int rt_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
	    const struct rt_new *n, struct ferry_runtime **out, struct ferry_error *err);
/* Refuse unless stopped: "cannot <what>: ... is running". */
int rt_require_stopped(struct ferry_runtime *rt, const char *what, struct ferry_error *err);

/* ---- commands: runtime_swap.c ---- */

/* Remove what the runtime owns (its database too when drop_db and unshared). */
int rt_remove(struct ferry_runtime *rt, int drop_db, struct ferry_error *err);

#endif
