/* SPDX-License-Identifier: MIT */
/* cache.c: answers of hot GETs (GET /api/environments) kept while the store does not
 * change. The change counter is SQLite's PRAGMA data_version read on a connection of
 * its own that never writes: it moves on every commit of any other connection, in
 * ferryd or in another process. On PostgreSQL there is no such counter: nothing is
 * cached, the ETag still spares the transfer. */
#include "ferryd.h"

#include "ferry/base/sha256.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 16

struct cache_slot {
	char key[160];
	int64_t version;
	char etag[24];
	char *body;
	size_t len;
	uint64_t used;
};

struct resp_cache {
	pthread_mutex_t lock;
	struct ferry_ctx *watch;      /* reads data_version only */
	struct cache_slot slot[SLOTS];
	uint64_t tick;
};

struct resp_cache *resp_cache_new(struct ctx_pool *pool)
{
	struct resp_cache *c = calloc(1, sizeof(*c));
	struct ferry_error err;

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	ferry_error_clear(&err);
	c->watch = ctx_pool_get(pool, &err);
	if (c->watch && strcmp(ferry_store_backend(c->watch->store), "sqlite")) {
		ctx_pool_put(pool, c->watch);
		c->watch = NULL;
	}
	return c;
}

void resp_cache_free(struct resp_cache *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < SLOTS; i++)
		free(c->slot[i].body);
	ferry_ctx_free(c->watch);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The store's change counter now; -1 when there is none (caching off). */
static int64_t version_locked(struct resp_cache *c)
{
	struct ferry_stmt *st;
	int64_t v = -1;

	if (!c->watch || ferry_store_query(c->watch->store, &st, NULL, "PRAGMA data_version", ""))
		return -1;
	if (ferry_stmt_step(st, NULL) == 1)
		v = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return v;
}

int64_t resp_cache_version(struct resp_cache *c)
{
	int64_t v;

	pthread_mutex_lock(&c->lock);
	v = version_locked(c);
	pthread_mutex_unlock(&c->lock);
	return v;
}

void resp_cache_etag(const char *body, size_t len, char etag[24])
{
	struct ferry_sha256 h;
	char hex[65];

	if (ferry_sha256_init(&h)) {
		snprintf(etag, 24, "\"0\"");
		return;
	}
	ferry_sha256_update(&h, body, len);
	ferry_sha256_final_hex(&h, hex);
	snprintf(etag, 24, "\"%.20s\"", hex);
}

int resp_cache_get(struct resp_cache *c, const char *key, int64_t version, char **body,
		   size_t *len, char etag[24])
{
	int i, hit = 0;

	if (version < 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SLOTS && !hit; i++) {
		struct cache_slot *s = &c->slot[i];
		if (!s->body || s->version != version || strcmp(s->key, key))
			continue;
		if ((*body = malloc(s->len + 1))) {
			memcpy(*body, s->body, s->len + 1);
			*len = s->len;
			memcpy(etag, s->etag, 24);
			s->used = ++c->tick;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void resp_cache_put(struct resp_cache *c, const char *key, int64_t version, const char *body,
		    size_t len, const char etag[24])
{
	struct cache_slot *s = NULL;
	char *copy;
	int i;

	if (version < 0 || strlen(key) >= sizeof(s->key) || !(copy = malloc(len + 1)))
		return;
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < SLOTS; i++) {   /* the same key, else a free slot, else the oldest */
		struct cache_slot *t = &c->slot[i];
		if (t->body && !strcmp(t->key, key)) {
			s = t;
			break;
		}
		if (!s || (s->body && (!t->body || t->used < s->used)))
			s = t;
	}
	free(s->body);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->version = version;
	memcpy(s->etag, etag, 24);
	s->body = copy;
	s->len = len;
	s->used = ++c->tick;
	pthread_mutex_unlock(&c->lock);
}
