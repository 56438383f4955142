/* SPDX-License-Identifier: MIT */
/* runtime.h: an environment's runtime: its release trees, its supervised
 * application process, its port, config.json and database, wherever it runs.
 *
 * An environment has one runtime per slot: "main" (what its URL serves) and, during
 * a self-service upgrade, "upgrade" (the upgrade-in-progress environment) side by
 * side. Each runtime record names its driver and host: the functions below dispatch
 * to that driver (lib/runtime/driver.h; "local" runs processes on ferry's machine,
 * docs/RUNTIME.md maps SSH hosts and Kubernetes onto the same calls). A runtime has
 * a directory on its host (local main: <home>/environments/<env>/, other slots:
 * <home>/environments/<env>/<slot>.<id>/) holding
 *   releases/<release-id>/  installed release trees (immutable, read-only files)
 *   current -> releases/<id> switched atomically (symlink + rename)
 *   db/app.db               its own database (the "database" setting may point elsewhere)
 *   config.json             written by ferry for the application
 *   state/app.pid           "<pid> <start-ticks> <release>", written by the service's
 *                           process itself before it runs the application
 *   state/app.ready         the same line once ferry saw it answer its health check
 *   logs/app.log            the application's stdout and stderr, appended
 * Ports and database connection settings are recorded in the state store; the
 * functions that change them open their own transaction: call them outside one.
 * Start, stop, deploy and destroy hold state/lock (flock) so two ferry processes
 * never act on one runtime at once. See docs/RUNTIME.md.
 */
#ifndef FERRY_RUNTIME_H
#define FERRY_RUNTIME_H

#include <jansson.h>
#include <stdint.h>

struct ferry_buf;
struct ferry_ctx;
struct ferry_envdb;
struct ferry_error;
struct ferry_runtime;

#define FERRY_SLOT_MAIN "main"
#define FERRY_SLOT_UPGRADE "upgrade"
#define FERRY_RELEASE_ID_MAX 160
#define FERRY_STOP_GRACE_S 10     /* SIGTERM, then SIGKILL after this */
#define FERRY_READY_TIMEOUT_S 30  /* when the manifest gives none */

/* ---- runtimes ---- */

/* Open the runtime of environment `env` in `slot` (NULL: main). With `create`, a
 * missing runtime is made: record, directories, a free port and an empty database.
 * Without it a missing runtime is FERRY_ENOTFOUND ("nothing deployed"). */
int ferry_runtime_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
		       struct ferry_runtime **out, struct ferry_error *err);
void ferry_runtime_free(struct ferry_runtime *rt);
/* The same with create, a missing runtime made on `host` (a name of `ferry host list`;
 * NULL: as ferry_runtime_open chooses: the main runtime's host, else the one the
 * environment was created on, else "local"). An existing runtime stays where it is. */
int ferry_runtime_open_on(struct ferry_ctx *ctx, const char *env, const char *slot,
			  const char *host, struct ferry_runtime **out, struct ferry_error *err);
/* Do the two runtimes run on the same host? */
int ferry_runtime_same_host(const struct ferry_runtime *a, const struct ferry_runtime *b);

const char *ferry_runtime_env(const struct ferry_runtime *rt);
const char *ferry_runtime_slot(const struct ferry_runtime *rt);
const char *ferry_runtime_dir(const struct ferry_runtime *rt);
const char *ferry_runtime_database(const struct ferry_runtime *rt); /* connection string */
int ferry_runtime_port(const struct ferry_runtime *rt);
/* The driver ("local") and the host ("local": ferry's machine) the runtime runs on. */
const char *ferry_runtime_driver_name(const struct ferry_runtime *rt);
const char *ferry_runtime_host(const struct ferry_runtime *rt);
/* "http://<address>:<port>" (local: 127.0.0.1) into out[64]. */
#define FERRY_RUNTIME_URL_MAX 96   /* "http://" + an address of up to 63 bytes + ":65535" */
void ferry_runtime_url(const struct ferry_runtime *rt, char out[FERRY_RUNTIME_URL_MAX]);
/* Load the HTTP client the health checks use (loaded on first use otherwise, a few ms):
 * before a downtime, so that its start's first health check does not pay for it. */
void ferry_runtime_probe_warm(void);
/* "<runtime dir>/<rel>", caller frees: a path on the runtime's host. */
char *ferry_runtime_path(const struct ferry_runtime *rt, const char *rel);

/* Slots of an environment: ["main", "upgrade"...]; caller decrefs. */
int ferry_runtime_slots(struct ferry_ctx *ctx, const char *env, json_t **out,
			struct ferry_error *err);

/* ---- releases ---- */

/* Install a whole release (an extracted application package: manifest.json at its
 * root) as releases/r<N>-<name>-<version>; files are reflinked, hard-linked or
 * copied. Does not switch `current`. The new id goes to out_id. */
int ferry_runtime_release_install(struct ferry_runtime *rt, const char *src_dir,
				  char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
/* A new release = a copy of the current release with an extracted package's payload
 * laid over it (ISV, customization, platform, hotfix). Its manifest is kept as
 * .ferry/packages/<name>.json; .ferry/release.json lists the layers. */
int ferry_runtime_release_overlay(struct ferry_runtime *rt, const char *pkg_dir,
				  char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
/* Point `current` at release id, atomically. */
int ferry_runtime_release_switch(struct ferry_runtime *rt, const char *id,
				 struct ferry_error *err);
/* The current release id into out; FERRY_ENOTFOUND when none. */
int ferry_runtime_release_current(struct ferry_runtime *rt, char out[FERRY_RELEASE_ID_MAX]);
/* [{id, current, base, packages}] oldest first. */
int ferry_runtime_release_list(struct ferry_runtime *rt, json_t **out, struct ferry_error *err);
/* Remove releases but the current one and the `keep` newest others. */
int ferry_runtime_release_prune(struct ferry_runtime *rt, int keep, struct ferry_error *err);
/* The application manifest (manifest.json) of release id (NULL: current). */
int ferry_runtime_release_manifest(struct ferry_runtime *rt, const char *id, json_t **out,
				   struct ferry_error *err);
/* Release id (NULL: current) as a directory on ferry's machine: the release itself
 * for a local runtime (*copy 0), else a copy fetched from its host (*copy 1: the
 * caller removes it with ferry_rm_rf). Caller frees *dir. */
int ferry_runtime_release_local(struct ferry_runtime *rt, const char *id, char **dir, int *copy,
				struct ferry_error *err);
/* A file of the runtime ("current/.ferry/release.json"), wherever it runs, appended
 * to out; FERRY_ENOTFOUND when it does not exist. */
int ferry_runtime_file_read(struct ferry_runtime *rt, const char *rel, struct ferry_buf *out,
			    struct ferry_error *err);

/* ---- the process ---- */

struct ferry_runtime_status {
	int running;           /* our process is alive */
	int stale;             /* a pid file names a process that is gone */
	long pid;
	int ready;             /* its start was seen answering (not an interrupted start) */
	int healthy;           /* -1 not probed, 0 no, 1 yes */
	int unreachable;       /* its host could not be asked (the rest is unknown) */
	char release[FERRY_RELEASE_ID_MAX];
};

/* Start the current release's service (manifest service.exec, no shell, cwd = the
 * release, output appended to logs/app.log) and wait until GET <url><health>
 * answers 200 within timeout_s (0: the manifest's ready_timeout_s). A failed start
 * leaves the process stopped and says which URL and log file. Starting a running
 * runtime is a no-op (*already = 1 when given). Processes of the runtime that are
 * not recorded (a ferry killed while starting one) are stopped first; a service
 * whose start was interrupted before it was seen ready is waited for (adopted,
 * *already = 1) or stopped. */
int ferry_runtime_start(struct ferry_runtime *rt, int timeout_s, int *already,
			struct ferry_error *err);
/* SIGTERM to the process group, SIGKILL after grace_s (0: FERRY_STOP_GRACE_S);
 * unrecorded processes of the runtime go too. Stopping a stopped runtime is a
 * no-op. *killed = 1 when SIGKILL was needed. */
int ferry_runtime_stop(struct ferry_runtime *rt, int grace_s, int *killed,
		       struct ferry_error *err);
/* Process state; with probe, one health request (1 s) fills st->healthy. */
int ferry_runtime_status(struct ferry_runtime *rt, int probe, struct ferry_runtime_status *st);
/* {slot, driver, host, dir, port, url, database, db_driver, release, state, pid,
 * healthy} */
json_t *ferry_runtime_to_json(struct ferry_runtime *rt, const struct ferry_runtime_status *st);
/* Pick a new free port for a stopped runtime (its old one was taken by others). */
int ferry_runtime_new_port(struct ferry_runtime *rt, struct ferry_error *err);
/* The last `lines` lines of the application's log (ferry's "--- ferry" lines
 * included) appended to out; nothing when there is no log yet. */
int ferry_runtime_log_tail(struct ferry_runtime *rt, long lines, struct ferry_buf *out,
			   struct ferry_error *err);

/* ---- config.json ---- */

/* Rewrite the keys ferry manages (environment, role, slot, port, url, database,
 * db_driver, state_dir, release_dir, log_file), keeping every other key. */
int ferry_runtime_config_write(struct ferry_runtime *rt, struct ferry_error *err);
/* The runtime's config.json as a JSON object (caller frees); when it does not exist yet, what
 * its first write will start from: for a slot other than main, the main runtime's unmanaged
 * keys but faults (the environment's settings). */
int ferry_runtime_config_get(struct ferry_runtime *rt, json_t **out, struct ferry_error *err);
/* Set a dotted key ("faults.dvt_MRProcessService") to value (JSON if it parses as
 * JSON, else a string); value NULL removes it. Keys ferry manages are refused. */
int ferry_runtime_config_set(struct ferry_runtime *rt, const char *key, const char *value,
			     struct ferry_error *err);
/* Several edits (values[i] NULL: remove keys[i]) in one write: all or none. */
int ferry_runtime_config_edit(struct ferry_runtime *rt, const char *const *keys,
			      const char *const *values, int n, struct ferry_error *err);

/* ---- swaps (self-service upgrade) ---- */

/* Point the runtime at another database (connection string); refused while
 * running. The application sees it in config.json at its next start. */
int ferry_runtime_set_database(struct ferry_runtime *rt, const char *conn,
			       struct ferry_error *err);
/* Exchange the ports of two stopped runtimes of one environment (the upgraded
 * runtime takes over the original's address). */
int ferry_runtime_swap_ports(struct ferry_runtime *a, struct ferry_runtime *b,
			     struct ferry_error *err);
/* Make `slot` the environment's main runtime: the old main (stopped) is retired:
 * its record, releases and state go; its database stays when a runtime uses it. */
int ferry_runtime_promote(struct ferry_ctx *ctx, const char *env, const char *slot,
			  struct ferry_error *err);
/* Stop and remove a runtime: record, port, releases, state; its database too when
 * drop_db and no other runtime uses it. */
int ferry_runtime_destroy(struct ferry_runtime *rt, int drop_db, struct ferry_error *err);
/* After destroy: remove what is left of the runtime's directory on its host (logs,
 * restore points), whole. */
int ferry_runtime_purge(struct ferry_runtime *rt, struct ferry_error *err);
/* Route the environment's address to the runtime of slot (NULL: back to the main
 * runtime), for a runtime on another host than the main one: the setting route-hook
 * is run as [hook, env, url, old url] (no shell), then the route is recorded. Going
 * back to main when nothing is routed does nothing. */
int ferry_runtime_route(struct ferry_ctx *ctx, const char *env, const char *slot,
			struct ferry_error *err);
/* Where the environment's clients reach it now: the routed URL, else the main
 * runtime's, into out[128]. */
int ferry_runtime_address(struct ferry_ctx *ctx, const char *env, char out[128]);

/* ---- database ---- */

/* A handle on the runtime's database (caller frees with ferry_envdb_free). */
int ferry_runtime_db(struct ferry_runtime *rt, struct ferry_envdb **out, struct ferry_error *err);
/* A handle on database conn as reachable where rt runs (conn recorded earlier on its
 * host: the database an upgrade's restore point belongs to). */
int ferry_runtime_db_at(struct ferry_runtime *rt, const char *conn, struct ferry_envdb **out,
			struct ferry_error *err);
/* Make restore point `name` of the runtime's database (through its driver). */
int ferry_runtime_db_restore_point(struct ferry_runtime *rt, const char *name,
				   struct ferry_error *err);
/* Restore point `name` of the database back into it; refused while running. */
int ferry_runtime_db_restore(struct ferry_runtime *rt, const char *name, struct ferry_error *err);
/* Online copy of src's database (src may keep serving) into dst's; dst stopped. */
int ferry_runtime_db_copy(struct ferry_runtime *src, struct ferry_runtime *dst,
			  struct ferry_error *err);

/* ---- commands (package scripts, DVT) ---- */

/* Expand ${CONFIG} ${DB} ${PORT} ${ENV} ${RELEASE_DIR} in a JSON argv array into a
 * NULL-terminated argv (caller frees with ferry_runtime_argv_free). */
int ferry_runtime_argv(struct ferry_runtime *rt, const json_t *argv, char ***out,
		       struct ferry_error *err);
void ferry_runtime_argv_free(char **argv);
/* Run argv (JSON array, expanded) with no shell, cwd = the current release, the
 * FERRY_* variables set, stdout and stderr appended to out (may be NULL), killed
 * after timeout_s (0: none). Returns 0 when it exited 0, else FERRY_EFAILED naming
 * the exit status. */
int ferry_runtime_exec(struct ferry_runtime *rt, const json_t *argv, int timeout_s,
		       struct ferry_buf *out, struct ferry_error *err);
/* The same with cwd (and a relative argv[0]) in another directory, e.g. an
 * extracted data-upgrade package (cwd NULL: the current release). */
int ferry_runtime_exec_in(struct ferry_runtime *rt, const json_t *argv, const char *cwd,
			  int timeout_s, struct ferry_buf *out, struct ferry_error *err);

/* ---- environment level (what `ferry env ...` does) ---- */

struct ferry_deploy_opts {
	const char *slot;      /* NULL: main */
	int no_start;
	int timeout_s;         /* readiness; 0: the manifest's */
	/* where a new environment's database lives: NULL for SQLite under the runtime,
	 * or a postgresql:// server URL: database "<prefix>_<project>_<env>" there
	 * (prefix: the URL's database name, else "ferry"); a later slot (upgrade) of a
	 * PostgreSQL environment gets "<that>_<slot><id>" on the same server. Only the
	 * first deploy of a slot chooses; FERRY_ESTATE when it would change. */
	const char *db;
};

/* Deploy an extracted application package (dir with manifest.json, type
 * application, service.exec) onto an environment: install, stop, switch, create
 * the database when missing, start, health check; the environment becomes
 * deployed (failed when the start fails). */
int ferry_runtime_deploy(struct ferry_ctx *ctx, const char *env, const char *dir,
			 const struct ferry_deploy_opts *o, char out_id[FERRY_RELEASE_ID_MAX],
			 struct ferry_error *err);
/* The same from the asset library: REF (sha256, prefix, name@version) of the
 * environment's project is verified, extracted, checked to be the application package
 * of the environment's release and platform, deployed, and recorded as referenced by
 * the environment (so 'ferry asset rm' refuses it). */
int ferry_runtime_deploy_package(struct ferry_ctx *ctx, const char *env, const char *ref,
				 const struct ferry_deploy_opts *o,
				 char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
/* Start / stop one slot, moving the environment between deployed and stopped. */
int ferry_runtime_env_start(struct ferry_ctx *ctx, const char *env, const char *slot,
			    int timeout_s, int new_port, int *already, struct ferry_error *err);
int ferry_runtime_env_stop(struct ferry_ctx *ctx, const char *env, const char *slot,
			   int grace_s, int *killed, struct ferry_error *err);
/* Every runtime of an environment as JSON {slot: {...}} for `env show`. */
int ferry_runtime_env_json(struct ferry_ctx *ctx, const char *env, int probe, json_t **out,
			   struct ferry_error *err);
/* Delete an environment with its runtimes: stop them, free their ports, remove
 * <home>/environments/<env>, then mark it deleted (ferry_env_rm's refusals apply). */
int ferry_runtime_env_remove(struct ferry_ctx *ctx, const char *env, struct ferry_error *err);

/* This component's tables (runtime instances and ports), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_runtime;

#endif
