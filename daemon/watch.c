/* SPDX-License-Identifier: MIT */
/* watch.c: ferryd's watch of upgraded environments: a thread of its own (probes run
 * health requests and DVT, which take seconds, away from the main loop) that asks the
 * library every half second to probe the upgrades whose probe is due
 * (ferry_upgrade_watch_tick: claimed in the store, so several ferryd and a CLI watching
 * the same upgrade probe once), and starts the automatic rollbacks it reports as jobs
 * through the environment action "upgrade.auto-rollback" (api_actions.c), which notify. */
#include "ferryd.h"

#include "ferry/lifecycle/upgrade.h"
#include "ferry/store/ctx.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct watch {
	struct ferryd *d;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
};

static void log_events(const json_t *events)
{
	const json_t *e;
	size_t i;

	json_array_foreach(events, i, e)
		flog(strcmp(json_string_value(json_object_get(e, "event")), "probe-ok") ? "warn" : "info",
		     "upgrade watch", "env", json_string_value(json_object_get(e, "env")),
		     "event", json_string_value(json_object_get(e, "event")),
		     "detail", json_string_value(json_object_get(e, "message")), NULL);
}

/* Roll back each upgrade the tick found unhealthy, as a job. */
static void roll_back(struct watch *w, const json_t *due)
{
	const struct env_action *a = env_action_find("upgrade.auto-rollback");
	struct ferry_error err;
	const json_t *x;
	char act[37];
	size_t i;

	json_array_foreach(due, i, x) {
		ferry_error_clear(&err);
		if (jobs_call(w->d->jobs, a->fn, json_pack("{s:O, s:O}", "env", json_object_get(x, "env"),
			      "reason", json_object_get(x, "reason")), "upgrade.auto-rollback", "ferryd",
			      json_string_value(json_object_get(x, "project")), act, &err))
			flog("error", "automatic rollback did not start", "env",
			     json_string_value(json_object_get(x, "env")), "error", err.msg, NULL);
		else
			flog("warn", "automatic rollback", "env", json_string_value(json_object_get(x, "env")),
			     "operation", act, "reason", json_string_value(json_object_get(x, "reason")), NULL);
	}
}

static void tick(struct watch *w)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *due = NULL, *events = NULL;

	ferry_error_clear(&err);
	if (!(ctx = ctx_pool_get(w->d->pool, &err)))
		return;
	ctx->actor = "ferryd";
	if (ferry_upgrade_watch_tick(ctx, NULL, &due, &events, &err))
		flog("error", "upgrade watch failed", "error", err.msg, NULL);
	ctx_pool_put(w->d->pool, ctx);
	log_events(events);
	roll_back(w, due);
	json_decref(due);
	json_decref(events);
}

static void *run(void *arg)
{
	struct watch *w = arg;
	struct timespec until;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		pthread_mutex_unlock(&w->lock);
		tick(w);
		pthread_mutex_lock(&w->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (!w->stop)
			pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct watch *watch_start(struct ferryd *d)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->d = d;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, run, w)) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w);
		return NULL;
	}
	return w;
}

void watch_stop(struct watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
