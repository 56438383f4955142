/* SPDX-License-Identifier: MIT */
/* op_lease.c: who holds a running operation: process id plus an identity that
 * survives neither a reboot nor pid reuse (boot id and process start time), and the
 * node (machine) it runs on: "<node>/<boot id>:<start time>". Several ferry nodes may
 * share one state store (PostgreSQL); a node can prove a lease dead only for its own
 * processes. A lease of another node counts as alive (never run an operation twice)
 * until an expiry renewed by a heartbeat says otherwise (docs/SCALE.md). */
#include "ops/op_int.h"

#include "ferry/store/ctx.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void read_boot_id(char *out, size_t cap)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, (int)cap, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot. */
static int read_start_time(long long pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	size_t n;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) || !p[1] || !p[2])
		return -1;
	if (p[2] == 'Z' || p[2] == 'X')
		return -1; /* a zombie runs nothing any more */
	/* after ") " comes field 3 (state) */
	for (field = 3, p += 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &v) != 1)
		return -1;
	*out = v;
	return 0;
}

int64_t op_lease_ttl_ms(const struct ferry_settings *s)
{
	return s->lease_ttl_ms;
}

/* This machine: settings node_id (several nodes on one host, tests), else the machine id
 * (systemd's /etc/machine-id), else the host name. At most 24 characters, no '/'. */
static void read_node_id(const struct ferry_settings *s, char out[25])
{
	char buf[128] = "";
	uint32_t h = 2166136261u;
	size_t n, i;
	FILE *f;

	if (s->node_id && *s->node_id) {
		snprintf(buf, sizeof(buf), "%s", s->node_id);
	} else if ((f = fopen("/etc/machine-id", "re"))) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n/:")] = '\0';
	if (!buf[0] && gethostname(buf, sizeof(buf) - 1) < 0)
		snprintf(buf, sizeof(buf), "localhost");
	buf[strcspn(buf, "/:")] = '\0';
	n = strlen(buf);
	if (n <= 24 || strspn(buf, "0123456789abcdef") == n) {   /* a machine id: its first 96 bits */
		snprintf(out, 25, "%.24s", buf);
		return;
	}
	/* A longer host name is not cut (two names sharing 24 characters would be one node):
	 * its start and a hash of the whole (FNV-1a). */
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)buf[i]) * 16777619u;
	snprintf(out, 25, "%.15s~%08x", buf, (unsigned)h);
}

void op_lease_node(const struct ferry_settings *s, char out[25])
{
	read_node_id(s, out);
}

void op_lease_taken(const struct ferry_settings *s, char token[OP_TOKEN_MAX])
{
	size_t n;

	op_lease_self(s, token);
	n = strlen(token);
	snprintf(token + n, OP_TOKEN_MAX - n, "%s", OP_TAKEN_SUFFIX);
}

void op_lease_self(const struct ferry_settings *s, char token[OP_TOKEN_MAX])
{
	char boot[64], node[25];
	unsigned long long st = 0;

	read_node_id(s, node);
	read_boot_id(boot, sizeof(boot));
	read_start_time((long long)getpid(), &st);
	snprintf(token, OP_TOKEN_MAX, "%s/%s:%llu", node, boot, st);
}

int op_lease_alive(const struct ferry_settings *s, int64_t pid, const char *token)
{
	char boot[64], want[OP_TOKEN_MAX];
	unsigned long long st;
	const char *colon;

	if (pid <= 0 || !token)
		return 0;
	{
		const char *slash = strchr(token, '/');
		char node[25];
		if (slash) {
			read_node_id(s, node);
			if (strlen(node) != (size_t)(slash - token) || strncmp(token, node, strlen(node)))
				return 1; /* another node's process: this one cannot see it */
			token = slash + 1;
		}
	}
	read_boot_id(boot, sizeof(boot));
	colon = strrchr(token, ':');
	if (!colon || strncmp(token, boot, (size_t)(colon - token)) ||
	    strlen(boot) != (size_t)(colon - token))
		return 0; /* another boot: nothing of that run survives */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (read_start_time((long long)pid, &st) < 0)
		return 0;
	snprintf(want, sizeof(want), "%s:%llu", boot, st);
	return strcmp(want, token) == 0;
}

int op_lease_held(struct ferry_ctx *ctx, const struct ferry_op *op, struct ferry_error *err)
{
	char tok[OP_TOKEN_MAX] = "", taken[OP_TOKEN_MAX];
	struct ferry_stmt *st;
	int64_t until = 0;
	int rc;

	if (!op->lease_pid)
		return 0;
	rc = ferry_store_query(ctx->store, &st, err, "SELECT COALESCE(lease_token, ''), "
			       "COALESCE(lease_until_ms, 0) FROM operations WHERE id = ?", "i", op->id);
	if (rc)
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		snprintf(tok, sizeof(tok), "%s", ferry_stmt_text(st, 0));
		until = ferry_stmt_int(st, 1);
	}
	ferry_stmt_free(st);
	if (rc <= 0)
		return rc;
	op_lease_taken(&ctx->settings, taken);
	if (!strcmp(tok, taken))
		return 0;  /* ferry_op_takeover() took it for this process */
	/* with heartbeats (PostgreSQL), a lease nobody renewed is nobody's: its runner is
	 * gone, paused or cut off, and the new fencing token stops it should it come back */
	if (!strcmp(ferry_store_backend(ctx->store), "postgresql") && until && until < ferry_now_ms())
		return 0;
	return op_lease_alive(&ctx->settings, op->lease_pid, tok);
}

/* ---- heartbeat: renew the expiry while the runner works ---- */

struct op_heartbeat {
	struct ferry_ctx *ctx;       /* its own store connection */
	int64_t op_id, epoch;        /* the lease it renews: only while its token is current */
	struct op_fence *fence;
	int stop, urgent;            /* under lock */
	int64_t answered;            /* under lock: how many renewals were attempted */
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* CLOCK_MONOTONIC */
	pthread_t thread;
};

static void deadline_in(struct timespec *at, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, at);
	at->tv_sec += (time_t)(ms / 1000);
	at->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (at->tv_nsec >= 1000000000L) {
		at->tv_sec++;
		at->tv_nsec -= 1000000000L;
	}
}

/* One renewal: the expiry moves only while the lease's fencing token is current. A
 * token that moved on means another runner took the operation: fenced for good. */
static void renew(struct op_heartbeat *hb, int64_t ttl)
{
	int64_t sent = op_fence_now();
	int rc = ferry_store_run(hb->ctx->store, NULL, "UPDATE operations SET lease_until_ms = ? "
				 "WHERE id = ? AND lease_epoch = ?", "iii",
				 ferry_now_ms() + ttl, hb->op_id, hb->epoch);

	if (rc == 0 && ferry_store_changes(hb->ctx->store) == 1)
		op_fence_lease(hb->fence, sent + ttl);
	else if (rc == 0)
		op_fence_trip(hb->fence);  /* stop what this runner started */
}

static void *heartbeat_main(void *arg)
{
	struct op_heartbeat *hb = arg;
	int64_t ttl = op_lease_ttl_ms(&hb->ctx->settings);
	struct timespec at;

	pthread_mutex_lock(&hb->lock);
	while (!hb->stop) {
		deadline_in(&at, ttl / 3);
		while (!hb->stop && !hb->urgent &&
		       pthread_cond_timedwait(&hb->cond, &hb->lock, &at) != ETIMEDOUT)
			;
		if (hb->stop)
			break;
		hb->urgent = 0;
		pthread_mutex_unlock(&hb->lock);
		if (!op_fence_tripped(hb->fence))
			renew(hb, ttl);
		pthread_mutex_lock(&hb->lock);
		hb->answered++;
		pthread_cond_broadcast(&hb->cond);
	}
	pthread_mutex_unlock(&hb->lock);
	return NULL;
}

/* The fence asks (before a fork, its lease possibly lapsed): renew now, wait for it. */
static void heartbeat_confirm(void *arg, int64_t deadline)
{
	struct op_heartbeat *hb = arg;
	struct timespec at;
	int64_t want, left;

	pthread_mutex_lock(&hb->lock);
	want = hb->answered + 1;
	hb->urgent = 1;
	pthread_cond_broadcast(&hb->cond);
	while (!hb->stop && hb->answered < want && (left = deadline - op_fence_now()) > 0) {
		deadline_in(&at, left);
		pthread_cond_timedwait(&hb->cond, &hb->lock, &at);
	}
	pthread_mutex_unlock(&hb->lock);
}

struct op_heartbeat *op_heartbeat_start(struct ferry_ctx *ctx, int64_t op_id, int64_t epoch,
					struct op_fence *fence)
{
	struct op_heartbeat *hb;
	pthread_condattr_t ca;

	if (strcmp(ferry_store_backend(ctx->store), "postgresql") || !(hb = calloc(1, sizeof(*hb))))
		return NULL;
	hb->op_id = op_id;
	hb->epoch = epoch;
	hb->fence = fence;
	if (ferry_ctx_reopen(ctx, &hb->ctx, NULL)) {
		free(hb);
		return NULL;
	}
	pthread_mutex_init(&hb->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hb->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&hb->thread, NULL, heartbeat_main, hb)) {
		pthread_cond_destroy(&hb->cond);
		pthread_mutex_destroy(&hb->lock);
		ferry_ctx_free(hb->ctx);
		free(hb);
		return NULL;
	}
	op_fence_confirm_with(fence, heartbeat_confirm, hb);
	return hb;
}

void op_heartbeat_stop(struct op_heartbeat *hb)
{
	if (!hb)
		return;
	op_fence_confirm_with(hb->fence, NULL, NULL);
	pthread_mutex_lock(&hb->lock);
	hb->stop = 1;
	pthread_cond_broadcast(&hb->cond);
	pthread_mutex_unlock(&hb->lock);
	pthread_join(hb->thread, NULL);
	pthread_cond_destroy(&hb->cond);
	pthread_mutex_destroy(&hb->lock);
	ferry_ctx_free(hb->ctx);
	free(hb);
}

/* ---- takeover across nodes ---- */

/* 1 when `activity` is in the JSON array of strings `list` (may be NULL). */
static int listed(const json_t *list, const char *activity)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), activity))
			return 1;
	return 0;
}

/* What a node may take (docs/SCALE.md): a running operation whose lease expired
 * (its heartbeat stopped: the node died, paused, or was cut off from the store), of
 * another node, or of this node when it was a job (this node's runner gave up on it);
 * and a job interrupted on another node (it crashed and restarted, or was stopped),
 * unless someone holds it right now. */
#define TAKEABLE "((state = 'running' AND lease_until_ms IS NOT NULL AND lease_until_ms < ? " \
	"AND (COALESCE(lease_node, '') <> ? OR lease_job = 1)) " \
	"OR (state = 'interrupted' AND lease_job = 1 AND COALESCE(lease_node, '') <> ? " \
	"AND (lease_pid IS NULL OR (lease_until_ms IS NOT NULL AND lease_until_ms < ?))))"

int ferry_op_takeover(struct ferry_ctx *ctx, const json_t *running_here, int *n, json_t *taken,
		      struct ferry_error *err)
{
	char token[OP_TOKEN_MAX], node[25];
	int64_t now = ferry_now_ms(), ids[32];
	struct ferry_stmt *st;
	int rc, i, count = 0;

	if (n)
		*n = 0;
	op_lease_taken(&ctx->settings, token);
	op_lease_node(&ctx->settings, node);
	if ((rc = ferry_store_begin_rowlocks(ctx->store, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id, activity_id FROM operations WHERE " TAKEABLE
		" ORDER BY id LIMIT 32 FOR UPDATE SKIP LOCKED", "itti", now, node, node, now);
	while (!rc && (rc = ferry_stmt_step(st, err)) == 1) {
		rc = 0;
		if (listed(running_here, ferry_stmt_text(st, 1)))
			continue;  /* a runner of this process has it (the store was away) */
		ids[count++] = ferry_stmt_int(st, 0);
		if (taken)
			json_array_append_new(taken, json_string(ferry_stmt_text(st, 1)));
	}
	ferry_stmt_free(st);
	/* a new fencing token: whoever ran it before can write nothing more */
	for (i = 0; rc >= 0 && i < count; i++)
		rc = ferry_store_run(ctx->store, err, "UPDATE operations SET lease_pid = ?, lease_token = ?, "
				     "lease_node = ?, lease_until_ms = ?, lease_epoch = lease_epoch + 1 "
				     "WHERE id = ?", "ittii", (int64_t)getpid(), token, node,
				     now + op_lease_ttl_ms(&ctx->settings), ids[i]);
	if (rc < 0) {
		ferry_store_rollback(ctx->store);
		if (taken)
			json_array_clear(taken);
		return rc;
	}
	if ((rc = ferry_store_commit(ctx->store, err))) {
		if (taken)
			json_array_clear(taken);
		return rc;
	}
	if (n)
		*n = count;
	return 0;
}
