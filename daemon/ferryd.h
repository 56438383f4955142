/* SPDX-License-Identifier: MIT */
/* ferryd.h: what ferryd's files share: configuration, the daemon, a request, the
 * route table, replies, logging, the context pool and the event hub. */
#ifndef FERRYD_H
#define FERRYD_H

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/project/token.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ferry_ctx;
struct MHD_Daemon;

/* config.c: settings from the environment, then the config file, then the command
 * line. The library's settings (home, store, ports, limits, ...) go to `settings`,
 * handed to every context; the rest are ferryd's own. */
struct ferryd_config {
	struct ferry_settings settings; /* what the library is told (home, store, ...) */
	char *listen;        /* address to bind, "127.0.0.1" */
	int port;            /* 0: any free port (logged, and written to port_file) */
	char *assets;        /* directory holding openapi.json and web/ (<data-dir>/daemon) */
	char *port_file;     /* write the bound port here once listening (tests, scripts) */
	int max_conns;       /* connection limit */
	int workers;         /* job worker threads */
	size_t body_limit;   /* largest JSON request body in bytes (413 past it) */
	uint64_t upload_limit; /* largest package upload (streamed to a file; 413 past it) */
	int notify_before_s; /* notify this long before a scheduled operation starts */
	int housekeep_s;     /* run upgrade housekeeping this often (0: never) */
	int log_level;       /* 0 debug, 1 info, 2 warn, 3 error: lines below it are dropped */
	char *config_file;   /* --config FILE (NULL: none), read again on SIGHUP */
	char *journal;       /* $JOURNAL_STREAM ("DEV:INODE") when systemd started us, else NULL */
	int print_routes;    /* --routes: print the route table and exit (2: --route-table, JSON) */
	int check_only;      /* --check-config: print the configuration and exit */
	int print_help;      /* --help: the usage was printed; exit 0 */
};

/* Parse `ferryd [--config FILE] [--listen ADDR] [--port N] [--home DIR] [--assets DIR]
 * [--port-file FILE] [--max-connections N] [--SETTING VALUE]...` over the FERRY_*
 * environment. Returns 0, or 2 after printing a usage error. */
int ferryd_config_load(struct ferryd_config *cfg, int argc, char **argv);
void ferryd_config_release(struct ferryd_config *cfg);
/* --check-config: the configuration in effect, as key = value lines. */
void ferryd_config_print(const struct ferryd_config *cfg, FILE *f);
/* SIGHUP: read the environment, the config file and argv again; apply what may change
 * while running (body-limit, upload-limit, notify-before, log-level) and log what needs
 * a restart. Returns how many settings changed, or -1 (the old ones stay) after
 * printing what is wrong. */
int ferryd_config_reload(struct ferryd_config *cfg, int argc, char **argv);

/* log.c: one line per event on stderr: ts=... level=... msg=... key=value ...
 * Values are quoted when needed. Pairs end with NULL. Never pass secrets.
 * level: "debug", "info", "warn" or "error". */
void flog(const char *level, const char *msg, ...) __attribute__((sentinel));
/* Drop lines below min_level (0 debug .. 3 error). With journal set (JOURNAL_STREAM,
 * "DEV:INODE") and stderr that stream, each line starts with its syslog priority
 * ("<3>" error, "<4>" warn, "<6>" info, "<7>" debug) for journald. */
void flog_setup(int min_level, const char *journal);

/* pool.c: a pool of open contexts (one store connection each) shared by requests. */
struct ctx_pool;
/* The pool opens its contexts with (a copy of) settings. */
struct ctx_pool *ctx_pool_new(const struct ferry_settings *settings, int keep);
void ctx_pool_free(struct ctx_pool *p);
struct ferry_ctx *ctx_pool_get(struct ctx_pool *p, struct ferry_error *err);
void ctx_pool_put(struct ctx_pool *p, struct ferry_ctx *ctx);

/* cache.c: answers of hot GETs while the store is unchanged (SQLite's data_version on
 * a connection of the cache's own); version -1: no counter, nothing cached. get gives
 * a copy the caller frees. ETags are a digest of the body. */
struct resp_cache;
struct resp_cache *resp_cache_new(struct ctx_pool *pool);
void resp_cache_free(struct resp_cache *c);
int64_t resp_cache_version(struct resp_cache *c);
int resp_cache_get(struct resp_cache *c, const char *key, int64_t version, char **body,
		   size_t *len, char etag[24]);
void resp_cache_put(struct resp_cache *c, const char *key, int64_t version, const char *body,
		    size_t len, const char etag[24]);
void resp_cache_etag(const char *body, size_t len, char etag[24]);

/* sse.c: the event hub: a ring of recent events fanned out to /api/events streams. */
struct sse_hub;
struct sse_hub *sse_hub_new(void);
/* Wake and end every stream (before stopping the HTTP server). */
void sse_hub_shutdown(struct sse_hub *h);
/* From the main loop: resume the streams whose keepalive is due. */
void sse_hub_tick(struct sse_hub *h);
void sse_hub_free(struct sse_hub *h);
/* Publish an event of `type` (e.g. "change", "operation", "step"); `project` limits it
 * to tokens of that scope (NULL: unscoped tokens only when it concerns no project).
 * Steals data. */
void sse_publish(struct sse_hub *h, const char *type, const char *project, json_t *data);
/* fn(arg, type, data) sees every event as it is published (before the hub takes it):
 * the metrics. Set once, before any event. */
void sse_hub_observe(struct sse_hub *h, void (*fn)(void *arg, const char *type, const json_t *data),
		     void *arg);

/* jobs.c: operations run by a pool of workers (see docs/ENGINE.md for the engine). */
enum job_action { JOB_RUN, JOB_RESUME, JOB_RERUN_STEP, JOB_COMPLETE_STEP, JOB_CALL };
struct jobs;
struct ferry_op_hooks;

/* A libferry call that creates an operation and runs it, as the CLI calls it
 * (ferry_servicing_apply, ferry_upgrade_begin, ...): args is what the request gave. */
typedef int (*job_call_fn)(struct ferry_ctx *ctx, const json_t *args,
			   const struct ferry_op_hooks *hooks, char activity[37],
			   struct ferry_error *err);

struct watch;

struct ferryd {
	struct ferryd_config cfg;
	struct ctx_pool *pool;
	struct resp_cache *cache;
	struct http_track *track;  /* http.c: open connections (the header deadline) */
	struct sse_hub *hub;
	struct MHD_Daemon *mhd;
	struct jobs *jobs;
	struct metrics *metrics;
	struct watch *watch; /* the upgrades' watch (watch.c) */
	int port;            /* bound port */
};

#define API_MAX_PARAMS 4

/* One HTTP request, from first byte to the reply. */
struct api_req {
	struct ferryd *d;
	struct MHD_Connection *conn;
	const char *method;                  /* NULL until the first call of the request */
	char path[512];
	char bad_url[8];                     /* a control character in the URL ("%00"): 400 */
	const struct route *route;
	const char *params[API_MAX_PARAMS];  /* {name} segments of the path, decoded */
	char segs[512];                      /* storage for params */
	char activity[40];                   /* activity ID of this request */
	struct ferry_ctx *ctx;               /* from the pool, for this request only */
	struct ferry_token tok;              /* the caller, when authenticated */
	char actor[80];                      /* "token:NAME" or "anonymous" */
	struct ferry_buf body;
	int too_large;
	int streaming;                       /* the body goes to upload_path (uploads) */
	int upload_fd;                       /* -1 when closed */
	uint64_t upload_bytes;
	char upload_path[4096];              /* removed when the request ends */
	json_t *json;                        /* parsed body (api_body) */
	unsigned status;                     /* status sent */
	int err_code;                        /* ferry code of a failure reply */
	int err_op;                          /* the failure names an operation (its activity) */
	char err_msg[FERRY_ERROR_MSG_MAX];
	char target[128];                    /* audit: what was acted on (default params[0]) */
	char project[64];                    /* audit/events: the project concerned */
	enum MHD_Result ret;                 /* what the last reply returned */
	int64_t t0;
};

typedef enum MHD_Result (*api_fn)(struct api_req *r);

struct route {
	const char *method;
	const char *path;                    /* "/api/projects/{project}" */
	enum ferry_token_role role;          /* least role; NONE = public */
	const char *action;                  /* audit action for changes; NULL for reads */
	int global;                          /* not project-bound: scoped tokens are refused */
	api_fn fn;
	const char *summary;
};

/* routes.c: every API route (ferryd --routes prints them; the OpenAPI test reads that). */
extern const struct route ferryd_routes[];

struct jobs *jobs_start(struct ferryd *d, int workers);
/* Stop: runners stop between steps (operations become interrupted), workers join. */
void jobs_stop(struct jobs *js);
/* Queue an action on an operation; FERRY_ESTATE when it is already queued or running here. */
int jobs_submit(struct jobs *js, enum job_action action, const char *ref, const char *step,
		const char *actor, const char *project, struct ferry_error *err);
int jobs_busy(struct jobs *js, const char *ref);
/* Run fn on a thread of its own (with its own store connection) and wait until its
 * operation exists or fn returns. 0 with activity filled when an operation exists
 * (running, parked or already ended); else fn's error (a refusal: nothing was
 * created). Steals args; `what` names the call in logs. */
int jobs_call(struct jobs *js, job_call_fn fn, json_t *args, const char *what,
	      const char *actor, const char *project, char activity[37], struct ferry_error *err);
/* For /metrics: jobs waiting for a worker, operations queued or running here, and
 * operations of stopped nodes taken over since start. */
struct jobs_stats {
	int queued, active;
	uint64_t takeovers;
};
void jobs_stats(struct jobs *js, struct jobs_stats *out);
/* At start: reap operations whose runner died and report every one that needs resuming. */
void jobs_recover(struct ferryd *d);
/* Each tick, on a PostgreSQL store: resume here the operations of other nodes whose
 * lease expired (ferry_op_takeover). */
void jobs_takeover(struct ferryd *d);

/* metrics.c: what GET /metrics exposes (Prometheus text format; docs/DAEMON.md). */
struct metrics;
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* One HTTP request answered: route is the route's pattern ("/api/environments/{env}"). */
void metrics_request(struct metrics *m, const char *method, const char *route, unsigned status);
/* The event hub's observer (sse_hub_observe): finished steps and operations. */
void metrics_event(void *arg, const char *type, const json_t *data);
/* From the main loop: what the metrics read from the store (upgrade downtimes). */
void metrics_tick(struct ferryd *d);
enum MHD_Result api_metrics(struct api_req *r);

/* request.c: what a request says, read without its connection (fuzzed). */
/* The first control character in a raw request target, raw or %-encoded, written as
 * sent ("%00", "0x09") to out: 1 when there is one, else 0 and out "". */
int req_control_char(const char *raw, char out[8]);
/* The route for method and path (HEAD as GET), its {params} copied into segs (cap bytes)
 * and pointed to by params[API_MAX_PARAMS]; *path_known: some method has the path. */
const struct route *req_route_find(const char *method, const char *path, const char **params,
				   char *segs, size_t cap, int *path_known);

/* http.c: the server. */
int http_start(struct ferryd *d);
void http_stop(struct ferryd *d);
/* From the main loop: close connections past the header deadline. */
void http_sweep(struct ferryd *d);

/* reply.c: replies. Each returns r->ret as well as storing it. */
enum MHD_Result api_json(struct api_req *r, unsigned status, json_t *body); /* steals body */
/* 200 with JSON text (malloc'd, taken) and its ETag (NULL: none, no-store); 304 without
 * a body when the request's If-None-Match names that ETag. */
enum MHD_Result api_json_text(struct api_req *r, char *text, size_t len, const char *etag);
enum MHD_Result api_error(struct api_req *r, unsigned status, const char *code,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Map a libferry error to its status: invalid 422, not-found 404, exists/conflict 409,
 * refused 422, verification/unsafe 422, store 503, anything else 500. */
enum MHD_Result api_ferror(struct api_req *r, const struct ferry_error *err);
enum MHD_Result api_no_content(struct api_req *r);
/* The request body as a JSON object; on failure sends 400/413 and returns NULL. */
json_t *api_body(struct api_req *r);
/* A request body as a JSON object (duplicate keys refused), or NULL with why in msg
 * (connection-free: fuzzed by tests/fuzz/fuzz_http.c). */
json_t *req_json_body(const char *data, size_t len, char *msg, size_t cap);
/* The body as a JSON object, {} when the request has none. */
json_t *api_body_opt(struct api_req *r);
/* A text/plain reply (copied). */
enum MHD_Result api_text(struct api_req *r, unsigned status, const char *text, size_t len);
/* An optional integer member within min..max (else 400, -1); *out untouched when absent. */
int api_member_int(struct api_req *r, json_t *obj, const char *key, long long min, long long max,
		   long long *out);
/* ?view=original|upgrade to a runtime slot ("main", "upgrade"); else 400, -1. */
int api_view_slot(struct api_req *r, const char **slot);
/* A string member: required ones missing or of the wrong type send 400 and return -1. */
int api_member_str(struct api_req *r, json_t *obj, const char *key, int required,
		   const char **out);
/* A query argument or NULL. */
const char *api_query(struct api_req *r, const char *key);

/* auth.c: authentication and authorization. */
/* Read "Authorization: Bearer <token>" and verify it; on failure sends 401 and returns -1. */
int auth_authenticate(struct api_req *r);
/* May the caller act with `need` on `project` (NULL: not project-bound)? Else 403, -1. */
int auth_allow(struct api_req *r, enum ferry_token_role need, const char *project);
/* The route-level check: the role, and no project scope on global routes. */
int auth_route(struct api_req *r);
/* 1 when the caller may see `project` (unscoped tokens see every project). */
int auth_sees(const struct api_req *r, const char *project);

/* api_envs.c: load the environment named in the path (params[0]) and check the
 * caller may act on it with `need` (else 404/403 sent, -1). */
struct ferry_env;
int api_env_access(struct api_req *r, enum ferry_token_role need, struct ferry_env *e);
/* api_read.c: the read handlers' one shape. fn is the library call that builds the
 * JSON view of `name` (an environment, a project, or NULL for every project). */
typedef int (*api_read_fn)(struct ferry_ctx *ctx, const char *name, json_t **out,
			   struct ferry_error *err);
/* Reply 200 with fn's view of name, or the library's error. */
enum MHD_Result api_reply_read(struct api_req *r, api_read_fn fn, const char *name);
/* The environment in the path (viewer access, api_env_access), then fn on it. */
enum MHD_Result api_env_read(struct api_req *r, api_read_fn fn);
/* The project in the path (params[0], viewer access), then fn on it. */
enum MHD_Result api_project_read(struct api_req *r, api_read_fn fn);
/* ?project=P (viewer access to P; a scoped token's own project when absent; else
 * NULL: every project), then fn on it. */
enum MHD_Result api_scoped_read(struct api_req *r, api_read_fn fn);
/* api_ops.c: reply with an operation (GET /api/operations/{op} shape). */
enum MHD_Result api_op_reply(struct api_req *r, unsigned status, const char *ref, int logs);

/* api_assets.c: a private file <home>/tmp/prefix-XXXXXX open for writing (*fd). */
int api_tmpfile(struct api_req *r, const char *prefix, char *path, size_t cap, int *fd);

/* static.c: files. */
enum MHD_Result static_serve(struct api_req *r);
enum MHD_Result api_openapi(struct api_req *r);

/* Route handlers, one file per resource. */
enum MHD_Result api_health(struct api_req *r);
enum MHD_Result api_live(struct api_req *r);
enum MHD_Result api_whoami(struct api_req *r);
enum MHD_Result api_projects_list(struct api_req *r);
enum MHD_Result api_projects_create(struct api_req *r);
enum MHD_Result api_projects_get(struct api_req *r);
enum MHD_Result api_projects_patch(struct api_req *r);
enum MHD_Result api_projects_delete(struct api_req *r);
enum MHD_Result api_features_list(struct api_req *r);
enum MHD_Result api_features_put(struct api_req *r);
enum MHD_Result api_envs_list(struct api_req *r);
enum MHD_Result api_envs_create(struct api_req *r);
enum MHD_Result api_envs_get(struct api_req *r);
enum MHD_Result api_envs_delete(struct api_req *r);
enum MHD_Result api_tokens_list(struct api_req *r);
enum MHD_Result api_tokens_create(struct api_req *r);
enum MHD_Result api_tokens_delete(struct api_req *r);
enum MHD_Result api_audit_list(struct api_req *r);
enum MHD_Result api_events(struct api_req *r);
enum MHD_Result api_ops_list(struct api_req *r);
enum MHD_Result api_ops_get(struct api_req *r);
enum MHD_Result api_ops_log(struct api_req *r);
enum MHD_Result api_ops_resume(struct api_req *r);
enum MHD_Result api_ops_rerun(struct api_req *r);
enum MHD_Result api_ops_complete(struct api_req *r);
enum MHD_Result api_ops_abort(struct api_req *r);
enum MHD_Result api_selftest(struct api_req *r);
enum MHD_Result api_catalogs_list(struct api_req *r);
/* api_hosts.c */
enum MHD_Result api_hosts_list(struct api_req *r);
enum MHD_Result api_hosts_get(struct api_req *r);
enum MHD_Result api_hosts_create(struct api_req *r);
enum MHD_Result api_hosts_check(struct api_req *r);
enum MHD_Result api_hosts_install(struct api_req *r);
enum MHD_Result api_hosts_delete(struct api_req *r);
enum MHD_Result api_catalogs_get(struct api_req *r);
enum MHD_Result api_advisor(struct api_req *r);
enum MHD_Result api_env_updates(struct api_req *r);
enum MHD_Result api_env_apply(struct api_req *r);
enum MHD_Result api_env_signoff(struct api_req *r);
enum MHD_Result api_env_rollback(struct api_req *r);
enum MHD_Result api_env_history(struct api_req *r);
enum MHD_Result api_env_refresh(struct api_req *r);
enum MHD_Result api_env_copy(struct api_req *r);
enum MHD_Result api_env_rehearse(struct api_req *r);
enum MHD_Result api_upgrade_status(struct api_req *r);
enum MHD_Result api_upgrade_targets(struct api_req *r);
enum MHD_Result api_upgrade_preflight(struct api_req *r);
enum MHD_Result api_upgrade_begin(struct api_req *r);
enum MHD_Result api_upgrade_apply(struct api_req *r);
enum MHD_Result api_upgrade_signoff(struct api_req *r);
enum MHD_Result api_upgrade_rollback_pkg(struct api_req *r);
enum MHD_Result api_upgrade_data(struct api_req *r);
enum MHD_Result api_upgrade_commit(struct api_req *r);
enum MHD_Result api_upgrade_rollback(struct api_req *r);
enum MHD_Result api_upgrade_cancel(struct api_req *r);
enum MHD_Result api_upgrade_resume(struct api_req *r);
enum MHD_Result api_upgrade_plan(struct api_req *r);
enum MHD_Result api_upgrade_writes(struct api_req *r);
enum MHD_Result api_upgrade_settings_get(struct api_req *r);
enum MHD_Result api_upgrade_settings_patch(struct api_req *r);
enum MHD_Result api_rt_status(struct api_req *r);
enum MHD_Result api_rt_start(struct api_req *r);
enum MHD_Result api_rt_stop(struct api_req *r);
enum MHD_Result api_rt_restart(struct api_req *r);
enum MHD_Result api_rt_logs(struct api_req *r);
enum MHD_Result api_rt_config_get(struct api_req *r);
enum MHD_Result api_rt_config_patch(struct api_req *r);
enum MHD_Result api_keys_list(struct api_req *r);
enum MHD_Result api_keys_trust(struct api_req *r);
enum MHD_Result api_keys_revoke(struct api_req *r);
enum MHD_Result api_assets_list(struct api_req *r);
enum MHD_Result api_assets_upload(struct api_req *r);
enum MHD_Result api_assets_get(struct api_req *r);
enum MHD_Result api_assets_download(struct api_req *r);
enum MHD_Result api_assets_delete(struct api_req *r);
enum MHD_Result api_schedules_list(struct api_req *r);
enum MHD_Result api_schedules_get(struct api_req *r);
enum MHD_Result api_schedules_cancel(struct api_req *r);
enum MHD_Result api_windows_get(struct api_req *r);
enum MHD_Result api_windows_put(struct api_req *r);

/* api_actions.c: the environment actions (operations), by name ("env.apply",
 * "upgrade.begin", ...), for routes (api_env_ops.c) and schedules (schedule.c). */
#define ENV_ACTION_MEMBERS 3
struct env_action {
	const char *name;
	job_call_fn fn;
	const char *members[ENV_ACTION_MEMBERS]; /* body members it takes; "*name" required */
};
const struct env_action *env_action_find(const char *name);

/* schedule.c: maintenance windows. A request with "at" (a time, "+10m", or "window")
 * is recorded (202 with the schedule) instead of started; the timer starts it. */
enum MHD_Result sched_request(struct api_req *r, const struct ferry_env *e, const char *action,
			      json_t *args, json_t *at);
/* The timer's tick (main loop, once a second): notify ahead, start what is due. */
void sched_tick(struct ferryd *d);

/* housekeep.c: expiry warnings, expiry of unattended upgrades, restore-point retention,
 * every housekeep-interval seconds on exactly one node of the store. */
void housekeep_tick(struct ferryd *d);
/* The preamble of a periodic job on the tick (housekeeping, service updates): off when
 * housekeep-interval is 0; else a pooled context acting as "ferryd" when this node claims
 * the job's current period (ferry_periodic_claim on the wall clock; *run, may be NULL,
 * its number), NULL otherwise (not due, claimed by another node, or an error, logged).
 * Give the context back with ctx_pool_put. */
struct ferry_ctx *periodic_begin(struct ferryd *d, const char *job, int64_t *run);

/* updates.c: the service-update scheduler (every housekeep-interval, one node) and the
 * routes of a project's calendar and pauses. */
void updates_tick(struct ferryd *d);
enum MHD_Result api_updates_calendar(struct api_req *r);
enum MHD_Result api_updates_pause(struct api_req *r);
enum MHD_Result api_updates_resume(struct api_req *r);

/* api_support.c: outage reports and incidents of an environment. */
enum MHD_Result api_env_outage(struct api_req *r);
enum MHD_Result api_env_incidents(struct api_req *r);

/* watch.c: the watch of upgraded environments, on a thread of its own: probes due
 * upgrades and starts automatic rollbacks as jobs. Start after the jobs, stop before. */
struct watch *watch_start(struct ferryd *d);
void watch_stop(struct watch *w);

#endif
