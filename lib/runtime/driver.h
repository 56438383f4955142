/* SPDX-License-Identifier: MIT */
/* driver.h: the runtime driver interface: what an environment's runtime needs from
 * the place it runs (release trees, the supervised service, its files and log, its
 * database endpoint), as one table of functions per kind of place. The public
 * ferry_runtime_* functions (runtime_driver.c) dispatch through rt->drv; adding a
 * driver is a new driver_<name>*.c and one line in runtime_driver.c's table, never
 * an `if` elsewhere. Drivers call the records layer (runtime_int.h) and their own
 * files, never the ferry_runtime_* dispatch. docs/RUNTIME.md maps every entry to the
 * local, SSH and Kubernetes drivers.
 *
 * Every entry but attach, detach and locate may assume attach succeeded. Entries
 * that act on the service (start, await, stop, reconcile, remove, release_switch)
 * are called with rt_lock() held. Paths and `rel` names are relative to the
 * runtime's directory on its host. */
#ifndef FERRY_LIB_RUNTIME_DRIVER_H
#define FERRY_LIB_RUNTIME_DRIVER_H

#include "runtime/runtime_int.h"

#include <stddef.h>

struct ferry_buf;
struct ferry_envdb;
struct rt_sandbox;
struct rt_sb_host;

/* What starting the service takes, prepared by the dispatch from the release's
 * manifest (service.exec, service.health, service.ready_timeout_s). */
struct rt_launch {
	const char *release;        /* the release to run (the current one) */
	char *const *argv;          /* service.exec, expanded; argv[0] absolute or a bare name */
	const struct rt_vars *vars; /* FERRY_* for its environment, FERRY_SERVICE set */
	const char *cwd;            /* the release directory on the host */
	const char *health_url;     /* ready when GET answers 200 */
	int timeout_s;              /* readiness deadline */
	long health_timeout_ms;     /* one health request (service.health_timeout_ms) */
	const struct rt_sandbox *sb; /* what confines it (its environment and cwd too) */
};

struct ferry_runtime_driver {
	const char *name;           /* as recorded in runtimes.driver */
	/* Its runtimes' files are on another machine: the dispatch decides a sandbox's
	 * policy (rt_sandbox_build leaves it unplaced) and the driver's start and exec
	 * have its paths resolved there (rt_sandbox_place on the host). */
	int remote;

	/* ---- where it runs ---- */
	/* After the record is loaded or before it is made: check the host, set rt->addr,
	 * open what the driver keeps per runtime (rt->drv_data). */
	int (*attach)(struct ferry_runtime *rt, struct ferry_error *err);
	void (*detach)(struct ferry_runtime *rt);               /* frees rt->drv_data */
	/* Before a new runtime is made there: connect now, so what cannot be reached is
	 * named at once (NULL: always reachable). */
	int (*reach)(struct ferry_runtime *rt, struct ferry_error *err);
	/* The directory of a new runtime on its host (caller frees). */
	int (*locate)(struct ferry_runtime *rt, char **dir, struct ferry_error *err);
	/* Make the runtime's directories (idempotent). */
	int (*prepare)(struct ferry_runtime *rt, struct ferry_error *err);
	/* Remove releases, current, state and config.json (whole: the directory). */
	int (*remove)(struct ferry_runtime *rt, int whole, struct ferry_error *err);
	/* Can the service bind port there now? (1 yes, 0 no, -1 cannot tell: the host
	 * is unreachable) */
	int (*port_free)(struct ferry_runtime *rt, int port);
	/* Mutual exclusion of ferry processes acting on one runtime (waits a while). */
	int (*lock)(struct ferry_runtime *rt, struct ferry_error *err);
	void (*unlock)(struct ferry_runtime *rt);

	/* ---- release trees (ferry_runtime_release_*, same contracts) ---- */
	int (*release_install)(struct ferry_runtime *rt, const char *src_dir,
			       char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
	int (*release_overlay)(struct ferry_runtime *rt, const char *pkg_dir,
			       char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err);
	int (*release_switch)(struct ferry_runtime *rt, const char *id, struct ferry_error *err);
	int (*release_current)(struct ferry_runtime *rt, char out[FERRY_RELEASE_ID_MAX]);
	int (*release_list)(struct ferry_runtime *rt, json_t **out, struct ferry_error *err);
	int (*release_prune)(struct ferry_runtime *rt, int keep, struct ferry_error *err);
	int (*release_manifest)(struct ferry_runtime *rt, const char *id, json_t **out,
				struct ferry_error *err);
	/* A copy of release id (NULL: current) on ferry's machine, in a new directory
	 * *dir (caller frees and removes it). NULL entry: the release is on ferry's
	 * machine already (the dispatch hands out its own directory). */
	int (*release_fetch)(struct ferry_runtime *rt, const char *id, char **dir,
			     struct ferry_error *err);

	/* ---- files ferry keeps for the application and the operator ---- */
	/* Whole file rel into out; FERRY_ENOTFOUND when it does not exist. */
	int (*file_read)(struct ferry_runtime *rt, const char *rel, struct ferry_buf *out,
			 struct ferry_error *err);
	/* Replace file rel atomically (mode 0600). */
	int (*file_write)(struct ferry_runtime *rt, const char *rel, const void *data,
			  size_t len, struct ferry_error *err);
	/* Append one line (no newline) to the application's log, best effort. */
	void (*note)(struct ferry_runtime *rt, const char *line);
	/* The last `lines` lines of the application's log (empty when there is none). */
	int (*log_tail)(struct ferry_runtime *rt, long lines, struct ferry_buf *out,
			struct ferry_error *err);

	/* ---- the service ---- */
	/* Adopt on resume: make what is recorded match what runs. A process of this
	 * runtime that the record does not name (left by a ferry killed while starting
	 * it, or by an older ferry) is stopped; a stale record is dropped. Fills st like
	 * status (st->ready: the running service's start was confirmed ready). */
	int (*reconcile)(struct ferry_runtime *rt, struct ferry_runtime_status *st,
			 struct ferry_error *err);
	/* Start the service so that it is recorded before it can bind its port (a kill
	 * of ferry at any instant leaves nothing reconcile cannot find), wait until
	 * l->health_url answers, record it ready. On failure it is left stopped and the
	 * error names the URL and the log. */
	int (*start)(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err);
	/* The service runs but its readiness was never confirmed (its ferry was killed
	 * while waiting): wait for it like start does, record it ready or stop it. */
	int (*await)(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err);
	/* Stop the service and every other process of this runtime: a grace of grace_s
	 * seconds, then forced (*killed = 1). Stopping a stopped runtime is a no-op. */
	int (*stop)(struct ferry_runtime *rt, int grace_s, int *killed, struct ferry_error *err);
	/* Read-only state: running, stale, pid, ready (st->release and st->healthy are
	 * the dispatch's). */
	void (*status)(struct ferry_runtime *rt, struct ferry_runtime_status *st);
	/* One health request from where the operator's clients would come. */
	int (*probe)(struct ferry_runtime *rt, const char *url, long timeout_ms, char why[256]);
	/* Run argv to completion inside sb (its environment, working directory, limits,
	 * user, filesystem and network: sandbox.h), output into out (may be NULL), killed
	 * after timeout_s (0: none); FERRY_EFAILED naming the exit status. */
	int (*exec)(struct ferry_runtime *rt, char *const *argv, const struct rt_sandbox *sb,
		    int timeout_s, struct ferry_buf *out, struct ferry_error *err);

	/* ---- the sandbox (sandbox.h, docs/SECURITY.md) ---- */
	/* What the host offers: Landlock's ABI, bubblewrap, whether ferry is root there. */
	void (*sandbox_host)(struct ferry_runtime *rt, struct rt_sb_host *out);
	/* What the running process pid has in force (uid, no_new_privs, limits...), or
	 * NULL when it cannot be seen. */
	json_t *(*sandbox_observe)(struct ferry_runtime *rt, long pid);

	/* ---- the database endpoint ---- */
	/* The connection string of a new runtime's own database (caller frees). */
	int (*db_default)(struct ferry_runtime *rt, char **conn, struct ferry_error *err);
	/* A handle on database conn as reachable from ferry (ferry_envdb_free). */
	int (*db_open)(struct ferry_runtime *rt, const char *conn, struct ferry_envdb **out,
		       struct ferry_error *err);
	/* Restore point `name` of the runtime's database: does it exist, make it,
	 * restore it (the service stopped). */
	int (*rp_exists)(struct ferry_runtime *rt, const char *name);
	int (*restore_point)(struct ferry_runtime *rt, const char *name, struct ferry_error *err);
	int (*restore)(struct ferry_runtime *rt, const char *name, struct ferry_error *err);
};

/* The local driver: processes on ferry's machine under <home>/environments. */
extern const struct ferry_runtime_driver rt_driver_local;
/* The SSH driver: the same on a recorded host, through its agent (driver_ssh.c). */
extern const struct ferry_runtime_driver rt_driver_ssh;

#endif
