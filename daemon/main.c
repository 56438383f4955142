/* SPDX-License-Identifier: MIT */
/* main.c: ferryd: load the configuration, open the home, serve until SIGTERM; tell
 * systemd (sd_notify: READY, WATCHDOG from the tick, RELOADING on SIGHUP, STOPPING). */
#include "ferryd.h"

#include "ferry/store/ctx.h"
#include "ferry/base/util.h"
#include "ferry/base/version.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>

/* --routes: "METHOD PATH ROLE" lines; --route-table: the table as JSON, which
 * scripts/gen-openapi.py turns into daemon/openapi.json. */
static void print_routes(int as_json)
{
	const struct route *rt;
	json_t *all = json_array();

	for (rt = ferryd_routes; rt->method; rt++) {
		if (!as_json)
			printf("%s %s %s\n", rt->method, rt->path, ferry_token_role_name(rt->role));
		else
			json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s}",
				"method", rt->method, "path", rt->path,
				"role", ferry_token_role_name(rt->role), "action", rt->action,
				"global", rt->global, "summary", rt->summary));
	}
	if (as_json)
		json_dumpf(all, stdout, JSON_INDENT(2));
	json_decref(all);
}

/* Open the pieces; the store is opened (and migrated) once here so errors show at start,
 * and a home others can read is reported. */
static int ferryd_open(struct ferryd *d)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;

	ferry_error_clear(&err);
	d->hub = sse_hub_new();
	d->pool = ctx_pool_new(&d->cfg.settings, 16);
	if (d->pool)
		d->cache = resp_cache_new(d->pool);
	if (!d->hub || !d->pool || !d->cache) {
		flog("error", "out of memory", NULL);
		return -1;
	}
	sse_hub_observe(d->hub, metrics_event, d->metrics);
	if (!(ctx = ctx_pool_get(d->pool, &err))) {
		flog("error", "cannot open the ferry home", "home", d->cfg.settings.home, "error", err.msg,
		     NULL);
		return -1;
	}
	{
		char msg[2048];
		if (ferry_ctx_check_private(ctx, msg, sizeof(msg)))
			flog("warn", "the ferry home is not private", "detail", msg, NULL);
	}
	ctx_pool_put(d->pool, ctx);
	return 0;
}

static void announce(struct ferryd *d)
{
	char port[16], tmp[1024];
	FILE *f;

	snprintf(port, sizeof(port), "%d", d->port);
	flog("info", "listening", "listen", d->cfg.listen, "port", port, "home", d->cfg.settings.home,
	     "version", FERRY_VERSION, NULL);
	if (!d->cfg.port_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg.port_file);
	if ((f = fopen(tmp, "w"))) { /* written whole, then renamed: readers never see half */
		fprintf(f, "%d\n", d->port);
		if (fclose(f) == 0 && rename(tmp, d->cfg.port_file) == 0)
			return;
	}
	flog("error", "cannot write the port file", "file", d->cfg.port_file, NULL);
}

/* SIGHUP: the configuration again; what may change now changes (ferryd_config_reload). */
static void reload(struct ferryd *d, int argc, char **argv)
{
	char n[16];
	int rc;

	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
	rc = ferryd_config_reload(&d->cfg, argc, argv);
	if (rc >= 0)
		flog_setup(d->cfg.log_level, d->cfg.journal);
	snprintf(n, sizeof(n), "%d", rc);
	flog(rc < 0 ? "error" : "info", rc < 0 ? "reload failed: the configuration in use stays"
		: "reloaded", "changed", n, NULL);
	sd_notify(0, "READY=1\nSTATUS=serving");
}

/* The daemon's one loop: wait for a signal; periodic work ticks here. */
static void serve(struct ferryd *d, const sigset_t *set, int argc, char **argv)
{
	struct timespec tick = { 0, 500000000 };
	uint64_t wd_usec = 0;
	int64_t wd_last = 0;
	int sig;

	/* WatchdogSec=: ping at least twice per period, from this loop: a stuck loop
	 * (no scheduling, no takeovers) gets ferryd restarted */
	if (sd_watchdog_enabled(0, &wd_usec) <= 0)
		wd_usec = 0;
	for (;;) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			sd_notify(0, "STOPPING=1\nSTATUS=stopping");
			flog("info", "stopping", "signal", sig == SIGTERM ? "TERM" : "INT", NULL);
			return;
		}
		if (sig == SIGHUP)
			reload(d, argc, argv);
		http_sweep(d);     /* connections that never sent a whole request header */
		sse_hub_tick(d->hub); /* event streams' keepalives */
		sched_tick(d); /* scheduled operations: notify ahead, start on time */
		housekeep_tick(d); /* upgrade expiry and restore-point retention */
		updates_tick(d);   /* service updates on their cadence */
		jobs_takeover(d);  /* several ferryd on one PostgreSQL store */
		metrics_tick(d);   /* what /metrics reads from the store */
		if (wd_usec && ferry_mono_ms() - wd_last >= (int64_t)(wd_usec / 2000)) {
			sd_notify(0, "WATCHDOG=1");
			wd_last = ferry_mono_ms();
		}
	}
}

/* --routes, --check-config, --help: answer and exit (1), or go on serving (0). */
static int answered(struct ferryd *d)
{
	if (d->cfg.print_routes)
		print_routes(d->cfg.print_routes == 2);
	else if (d->cfg.check_only)
		ferryd_config_print(&d->cfg, stdout);
	return d->cfg.print_routes || d->cfg.check_only || d->cfg.print_help;
}

/* Room for max-connections sockets plus the store, logs and jobs: the soft open-file
 * limit up to the hard one when it is short. */
static void raise_nofile(int conns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conns + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
	struct ferryd d;
	sigset_t set;
	int rc = 1;

	memset(&d, 0, sizeof(d));
	if ((rc = ferryd_config_load(&d.cfg, argc, argv)) || answered(&d)) {
		ferryd_config_release(&d.cfg);
		return rc;
	}
	flog_setup(d.cfg.log_level, d.cfg.journal);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(d.cfg.max_conns);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
	rc = 1;
	if (!(d.metrics = metrics_new()) || ferryd_open(&d))
		goto out;
	jobs_recover(&d);
	if (!(d.jobs = jobs_start(&d, d.cfg.workers)) || http_start(&d) ||
	    !(d.watch = watch_start(&d)))
		goto out;
	announce(&d);
	sd_notify(0, "READY=1\nSTATUS=serving");
	serve(&d, &set, argc, argv);
	rc = 0;
out:
	if (d.hub)
		sse_hub_shutdown(d.hub);
	http_stop(&d);
	watch_stop(d.watch); /* before the jobs it starts rollbacks on */
	jobs_stop(d.jobs); /* runners stop between steps: operations left interrupted */
	resp_cache_free(d.cache);
	ctx_pool_free(d.pool);
	sse_hub_free(d.hub);
	metrics_free(d.metrics);
	if (!rc)
		flog("info", "stopped", NULL);
	ferryd_config_release(&d.cfg);
	return rc;
}
