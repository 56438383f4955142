/* SPDX-License-Identifier: MIT */
/* metrics.c: GET /metrics, Prometheus text exposition format 0.0.4: HTTP requests by
 * route and status, step durations and finished operations of this daemon's jobs (from
 * the event hub), measured upgrade downtimes, lease takeovers, the job queue, and the
 * operations in the store by kind and state. Labels carry kinds, states, step names and
 * route patterns, never project or environment names (docs/DAEMON.md "Metrics"). */
#include "ferryd.h"

#include "ferry/base/util.h"
#include "ferry/base/version.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/ops/op.h"
#include "ferry/store/ctx.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NB_STEP 12
#define NB_DOWN 11
static const double step_le[NB_STEP] = { 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600 };
static const double down_le[NB_DOWN] = { 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400 };

/* One series of a counter or histogram, keyed by its label text ("kind=\"x\",..."). */
struct series {
	char *labels;
	double sum;
	uint64_t count;
	uint64_t bucket[NB_STEP]; /* per bucket (not cumulative); NB_STEP >= NB_DOWN */
	struct series *next;
};

#define PENDING 16

struct metrics {
	pthread_mutex_t lock;
	struct series *http;       /* ferryd_http_requests_total{method,route,status} */
	struct series *steps;      /* ferry_step_duration_seconds{kind,step,state} */
	struct series *finished;   /* ferry_operations_finished_total{kind,state} */
	struct series *downtime;   /* ferry_upgrade_downtime_seconds (one series) */
	int64_t started_ms;
	char pending[PENDING][37]; /* data upgrades ended: downtime read on the next tick */
	char pending_env[PENDING][64];
	int npending;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->started_ms = ferry_now_ms();
	return m;
}

static void series_free(struct series *s)
{
	while (s) {
		struct series *next = s->next;
		free(s->labels);
		free(s);
		s = next;
	}
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	series_free(m->http);
	series_free(m->steps);
	series_free(m->finished);
	series_free(m->downtime);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* A label value: backslash, quote and newline escaped. */
static void label(struct ferry_buf *b, const char *name, const char *v, int first)
{
	ferry_buf_addf(b, "%s%s=\"", first ? "" : ",", name);
	for (v = v ? v : ""; *v; v++) {
		if (*v == '\\' || *v == '"')
			ferry_buf_addf(b, "\\%c", *v);
		else if (*v == '\n')
			ferry_buf_adds(b, "\\n");
		else
			ferry_buf_add(b, v, 1);
	}
	ferry_buf_adds(b, "\"");
}

/* The series with these labels (added when new); under m->lock. Releases labels. */
static struct series *series_get(struct series **list, struct ferry_buf *labels)
{
	struct series *s;
	const char *text = labels->data ? labels->data : "";

	for (s = *list; s; s = s->next)
		if (!strcmp(s->labels, text))
			break;
	if (!s && (s = calloc(1, sizeof(*s)))) {
		if ((s->labels = strdup(text))) {
			s->next = *list;
			*list = s;
		} else {
			free(s);
			s = NULL;
		}
	}
	ferry_buf_release(labels);
	return s;
}

static void observe(struct series *s, const double *le, int nb, double v)
{
	int i;

	if (!s)
		return;
	s->count++;
	s->sum += v;
	for (i = 0; i < nb && v > le[i]; i++)
		;
	if (i < nb)
		s->bucket[i]++;
}

void metrics_request(struct metrics *m, const char *method, const char *route, unsigned status)
{
	struct ferry_buf l = FERRY_BUF_INIT;
	char st[8];

	if (!m)
		return;
	snprintf(st, sizeof(st), "%u", status);
	label(&l, "method", method, 1);
	label(&l, "route", route, 0);
	label(&l, "status", st, 0);
	pthread_mutex_lock(&m->lock);
	observe(series_get(&m->http, &l), NULL, 0, 0);
	pthread_mutex_unlock(&m->lock);
}

/* The event hub's observer: finished steps and operations of this daemon's jobs. */
void metrics_event(void *arg, const char *type, const json_t *data)
{
	struct metrics *m = arg;
	const char *ev = json_string_value(json_object_get(data, "event"));
	const char *kind = json_string_value(json_object_get(data, "kind"));
	const char *state = json_string_value(json_object_get(data, "state"));
	struct ferry_buf l = FERRY_BUF_INIT;

	if (!m || !ev || !kind || (strcmp(type, "step") && strcmp(type, "operation")))
		return;
	if (!strcmp(ev, "step-finished")) {
		label(&l, "kind", kind, 1);
		label(&l, "step", json_string_value(json_object_get(data, "step")), 0);
		label(&l, "state", state, 0);
		pthread_mutex_lock(&m->lock);
		observe(series_get(&m->steps, &l), step_le, NB_STEP,
			(double)json_integer_value(json_object_get(data, "elapsed_ms")) / 1000.0);
		pthread_mutex_unlock(&m->lock);
	} else if (!strcmp(ev, "op-finished")) {
		label(&l, "kind", kind, 1);
		label(&l, "state", state, 0);
		pthread_mutex_lock(&m->lock);
		observe(series_get(&m->finished, &l), NULL, 0, 0);
		if (!strcmp(kind, FERRY_OP_UPGRADE_DATA) && m->npending < PENDING) {
			const char *act = json_string_value(json_object_get(data, "activity_id"));
			const char *env = json_string_value(json_object_get(data, "env"));
			snprintf(m->pending[m->npending], sizeof(m->pending[0]), "%s", act ? act : "");
			snprintf(m->pending_env[m->npending++], sizeof(m->pending_env[0]), "%s",
				 env ? env : "");
		}
		pthread_mutex_unlock(&m->lock);
	}
}

/* The main loop's tick: the downtime of data upgrades that ended (read from the store,
 * where the engine measured it from power-down to the passed DVT). */
void metrics_tick(struct ferryd *d)
{
	struct metrics *m = d->metrics;
	char act[PENDING][37], env[PENDING][64];
	struct ferry_upgrade u;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int i, n;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	n = m->npending;
	memcpy(act, m->pending, sizeof(act));
	memcpy(env, m->pending_env, sizeof(env));
	m->npending = 0;
	pthread_mutex_unlock(&m->lock);
	ferry_error_clear(&err);
	if (!n || !(ctx = ctx_pool_get(d->pool, &err)))
		return;
	for (i = 0; i < n; i++) {
		struct ferry_buf l = FERRY_BUF_INIT;
		if (ferry_upgrade_last(ctx, env[i], &u, &err) != 1 || strcmp(u.data_op, act[i]) ||
		    !u.downtime_start_ms || !u.downtime_end_ms)
			continue;
		pthread_mutex_lock(&m->lock);
		observe(series_get(&m->downtime, &l), down_le, NB_DOWN,
			(double)(u.downtime_end_ms - u.downtime_start_ms) / 1000.0);
		pthread_mutex_unlock(&m->lock);
	}
	ctx_pool_put(d->pool, ctx);
}

/* ---- the exposition ---------------------------------------------------------- */

static void head(struct ferry_buf *b, const char *name, const char *type, const char *help)
{
	ferry_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counters(struct ferry_buf *b, const char *name, const struct series *s)
{
	for (; s; s = s->next)
		ferry_buf_addf(b, "%s{%s} %llu\n", name, s->labels, (unsigned long long)s->count);
}

static void histograms(struct ferry_buf *b, const char *name, const struct series *s,
		       const double *le, int nb)
{
	for (; s; s = s->next) {
		const char *sep = *s->labels ? "," : "";
		uint64_t cum = 0;
		int i;
		for (i = 0; i < nb; i++) {
			cum += s->bucket[i];
			ferry_buf_addf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, s->labels, sep, le[i],
				       (unsigned long long)cum);
		}
		ferry_buf_addf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, s->labels, sep,
			       (unsigned long long)s->count);
		ferry_buf_addf(b, "%s_sum%s%s%s %.3f\n%s_count%s%s%s %llu\n", name,
			       *s->labels ? "{" : "", s->labels, *s->labels ? "}" : "", s->sum, name,
			       *s->labels ? "{" : "", s->labels, *s->labels ? "}" : "",
			       (unsigned long long)s->count);
	}
}

/* Operations in the store by kind and state (every node's, not only this daemon's). */
static void store_ops(struct ferryd *d, struct ferry_buf *b)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *counts = NULL, *c;
	size_t i;

	head(b, "ferry_operations", "gauge", "Operations in the state store by kind and state.");
	ferry_error_clear(&err);
	if (!(ctx = ctx_pool_get(d->pool, &err)))
		return;
	if (!ferry_op_counts(ctx, &counts, &err))
		json_array_foreach(counts, i, c) {
			struct ferry_buf l = FERRY_BUF_INIT;
			label(&l, "kind", json_string_value(json_object_get(c, "kind")), 1);
			label(&l, "state", json_string_value(json_object_get(c, "state")), 0);
			ferry_buf_addf(b, "ferry_operations{%s} %lld\n", l.data,
				       (long long)json_integer_value(json_object_get(c, "count")));
			ferry_buf_release(&l);
		}
	json_decref(counts);
	ctx_pool_put(d->pool, ctx);
}

static void exposition(struct ferryd *d, struct ferry_buf *b)
{
	struct metrics *m = d->metrics;
	struct jobs_stats js;

	head(b, "ferryd_build_info", "gauge", "ferryd's version.");
	ferry_buf_addf(b, "ferryd_build_info{version=\"%s\"} 1\n", FERRY_VERSION);
	head(b, "ferryd_start_time_seconds", "gauge", "When ferryd started, seconds since the epoch.");
	ferry_buf_addf(b, "ferryd_start_time_seconds %.3f\n", (double)m->started_ms / 1000.0);
	jobs_stats(d->jobs, &js);
	head(b, "ferry_jobs_queued", "gauge", "Jobs waiting for a worker.");
	ferry_buf_addf(b, "ferry_jobs_queued %d\n", js.queued);
	head(b, "ferry_jobs_active", "gauge", "Operations queued or running in this daemon.");
	ferry_buf_addf(b, "ferry_jobs_active %d\n", js.active);
	store_ops(d, b);
	pthread_mutex_lock(&m->lock);
	head(b, "ferryd_http_requests_total", "counter", "HTTP requests by method, route and status.");
	counters(b, "ferryd_http_requests_total", m->http);
	head(b, "ferry_operations_finished_total", "counter",
	     "Operations this daemon ran that ended, by kind and state.");
	counters(b, "ferry_operations_finished_total", m->finished);
	head(b, "ferry_step_duration_seconds", "histogram",
	     "Duration of the steps this daemon ran, by operation kind, step and outcome.");
	histograms(b, "ferry_step_duration_seconds", m->steps, step_le, NB_STEP);
	head(b, "ferry_upgrade_downtime_seconds", "histogram",
	     "Measured downtime of the data upgrades this daemon ran (power-down to passed DVT).");
	histograms(b, "ferry_upgrade_downtime_seconds", m->downtime, down_le, NB_DOWN);
	head(b, "ferry_lease_takeovers_total", "counter",
	     "Operations of stopped nodes this daemon took over.");
	ferry_buf_addf(b, "ferry_lease_takeovers_total %llu\n", (unsigned long long)js.takeovers);
	pthread_mutex_unlock(&m->lock);
}

enum MHD_Result api_metrics(struct api_req *r)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct MHD_Response *resp;

	exposition(r->d, &b);
	resp = MHD_create_response_from_buffer(b.len, b.data ? b.data : "", MHD_RESPMEM_MUST_COPY);
	ferry_buf_release(&b);
	if (!resp)
		return r->ret = MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = 200;
	r->ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return r->ret;
}
