/* SPDX-License-Identifier: MIT */
/* pool.c: open contexts (home + store connection) kept for reuse by request threads. */
#include "ferryd.h"

#include "ferry/store/ctx.h"
#include "ferry/registry/registry.h"
#include "ferry/store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ctx_pool {
	pthread_mutex_t lock;
	struct ferry_settings settings;
	int keep, n;
	struct ferry_ctx **free;
};

struct ctx_pool *ctx_pool_new(const struct ferry_settings *settings, int keep)
{
	struct ctx_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (ferry_settings_copy(&p->settings, settings, NULL)) {
		free(p);
		return NULL;
	}
	p->keep = keep;
	p->free = calloc((size_t)keep, sizeof(*p->free));
	if (!p->free) {
		ferry_settings_release(&p->settings);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void ctx_pool_free(struct ctx_pool *p)
{
	if (!p)
		return;
	while (p->n > 0)
		ferry_ctx_free(p->free[--p->n]);
	pthread_mutex_destroy(&p->lock);
	free(p->free);
	ferry_settings_release(&p->settings);
	free(p);
}

struct ferry_ctx *ctx_pool_get(struct ctx_pool *p, struct ferry_error *err)
{
	struct ferry_ctx *ctx = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->n > 0)
		ctx = p->free[--p->n];
	pthread_mutex_unlock(&p->lock);
	if (!ctx && ferry_ctx_open(&p->settings, &ctx, err))
		return NULL;
	return ctx;
}

void ctx_pool_put(struct ctx_pool *p, struct ferry_ctx *ctx)
{
	if (!ctx)
		return;
	ferry_store_rollback(ctx->store); /* a handler bug must not leak a transaction */
	ferry_store_defer_sync(ctx->store, 0, NULL);   /* nor deferred syncs */
	ctx->actor = "ferryd";
	pthread_mutex_lock(&p->lock);
	if (p->n < p->keep) {
		p->free[p->n++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	ferry_ctx_free(ctx);
}
