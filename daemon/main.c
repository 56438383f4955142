/* main.c: ferryd: load the configuration, open the home, serve until SIGTERM. */
#include "ferryd.h"

#include "ferry/store/ctx.h"
#include "ferry/base/version.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void print_routes(void)
{
	const struct route *rt;

	for (rt = ferryd_routes; rt->method; rt++)
		printf("%s %s %s\n", rt->method, rt->path, ferry_token_role_name(rt->role));
}

/* Open the pieces; the store is opened (and migrated) once here so errors show at start. */
static int ferryd_open(struct ferryd *d)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;

	ferry_error_clear(&err);
	d->hub = sse_hub_new();
	d->pool = ctx_pool_new(&d->cfg.settings, 16);
	if (!d->hub || !d->pool) {
		flog("error", "out of memory", NULL);
		return -1;
	}
	if (!(ctx = ctx_pool_get(d->pool, &err))) {
		flog("error", "cannot open the ferry home", "home", d->cfg.settings.home, "error", err.msg,
		     NULL);
		return -1;
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

/* The daemon's one loop: wait for a signal; periodic work ticks here. */
static void serve(struct ferryd *d, const sigset_t *set)
{
	struct timespec tick = { 0, 500000000 };
	int sig;

	for (;;) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			flog("info", "stopping", "signal", sig == SIGTERM ? "TERM" : "INT", NULL);
			return;
		}
		sched_tick(d); /* scheduled operations: notify ahead, start on time */
		jobs_takeover(d);  /* several ferryd on one PostgreSQL store */
	}
}

int main(int argc, char **argv)
{
	struct ferryd d;
	sigset_t set;
	int rc = 1;

	memset(&d, 0, sizeof(d));
	if ((rc = ferryd_config_load(&d.cfg, argc, argv)) || d.cfg.print_routes) {
		if (!rc)
			print_routes();
		ferryd_config_release(&d.cfg);
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
	rc = 1;
	if (ferryd_open(&d))
		goto out;
	jobs_recover(&d);
	if (!(d.jobs = jobs_start(&d, d.cfg.workers)) || http_start(&d) ||
	    !(d.watch = watch_start(&d)))
		goto out;
	announce(&d);
	serve(&d, &set);
	rc = 0;
out:
	if (d.hub)
		sse_hub_shutdown(d.hub);
	http_stop(&d);
	watch_stop(d.watch); /* before the jobs it starts rollbacks on */
	jobs_stop(d.jobs); /* runners stop between steps: operations left interrupted */
	ctx_pool_free(d.pool);
	sse_hub_free(d.hub);
	if (!rc)
		flog("info", "stopped", NULL);
	ferryd_config_release(&d.cfg);
	return rc;
}
