/* SPDX-License-Identifier: MIT */
/* sse.c: the event hub behind /api/events (Server-Sent Events). Publishers append to a
 * ring of recent events; each stream follows it from its Last-Event-ID, sees only its
 * token's project scope, gets a keepalive comment when idle, and ends on shutdown.
 * A stream with nothing to send is suspended (MHD_suspend_connection): it holds no
 * server thread; a publish, the keepalive tick or the shutdown resumes it. */
#include "ferryd.h"

#include "ferry/base/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 1024
#define KEEPALIVE_S 15

struct sse_event {
	uint64_t seq;
	char *project;           /* NULL: concerns no single project */
	char *frame;             /* "id: ..\nevent: ..\ndata: ..\n\n" */
};

struct sse_sub;

struct sse_hub {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sse_sub *subs;    /* every open stream */
	struct sse_event ring[RING];
	uint64_t next;           /* seq of the next event; the first is 1 */
	int stopping;
	void (*observe)(void *arg, const char *type, const json_t *data);
	void *observe_arg;
};

struct sse_sub {
	struct sse_hub *hub;
	struct MHD_Connection *conn;
	struct sse_sub *prev, *next_sub;
	int suspended;           /* under the hub's lock */
	int64_t sent_ms;         /* last frame or keepalive */
	uint64_t next;
	char scope[64];
	char *pending;
	size_t len, off;
};

/* Under the lock: resume s if it waits (due: only when its keepalive is due). */
static void wake(struct sse_sub *s, int64_t due_ms)
{
	if (s->suspended && (!due_ms || s->sent_ms <= due_ms)) {
		s->suspended = 0;
		MHD_resume_connection(s->conn);
	}
}

static void wake_all(struct sse_hub *h, int64_t due_ms)
{
	struct sse_sub *s;

	for (s = h->subs; s; s = s->next_sub)
		wake(s, due_ms);
}

void sse_hub_tick(struct sse_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	wake_all(h, ferry_mono_ms() - KEEPALIVE_S * 1000);
	pthread_mutex_unlock(&h->lock);
}

struct sse_hub *sse_hub_new(void)
{
	struct sse_hub *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	h->next = 1;
	return h;
}

void sse_hub_shutdown(struct sse_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	wake_all(h, 0);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

void sse_hub_free(struct sse_hub *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < RING; i++) {
		free(h->ring[i].project);
		free(h->ring[i].frame);
	}
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void sse_publish(struct sse_hub *h, const char *type, const char *project, json_t *data)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct sse_event *ev;
	char ts[32], *text;
	uint64_t seq;

	if (!h || !data)
		return;
	if (h->observe)
		h->observe(h->observe_arg, type, data);
	pthread_mutex_lock(&h->lock);
	seq = h->next++;
	ferry_time_iso(ferry_now_ms(), ts);
	json_object_set_new(data, "seq", json_integer((json_int_t)seq));
	json_object_set_new(data, "type", json_string(type));
	json_object_set_new(data, "at", json_string(ts));
	text = json_dumps(data, JSON_COMPACT);
	ferry_buf_addf(&b, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)seq, type,
		       text ? text : "{}");
	free(text);
	ev = &h->ring[seq % RING];
	free(ev->project);
	free(ev->frame);
	ev->seq = seq;
	ev->project = project && *project ? strdup(project) : NULL;
	ev->frame = ferry_buf_detach(&b);
	wake_all(h, 0);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	json_decref(data);
}

void sse_hub_observe(struct sse_hub *h, void (*fn)(void *arg, const char *type, const json_t *data),
		     void *arg)
{
	h->observe = fn;
	h->observe_arg = arg;
}

static void sub_set(struct sse_sub *s, const char *text)
{
	free(s->pending);
	s->pending = strdup(text);
	s->len = s->pending ? strlen(s->pending) : 0;
	s->off = 0;
}

/* Under the lock: the next frame for s; 1 when s->pending is set, 0 at the end, 2 when
 * there is nothing to send yet. */
static int sub_next(struct sse_sub *s)
{
	struct sse_hub *h = s->hub;

	if (h->stopping)
		return 0;
	if (s->next + RING < h->next) {
		s->next = h->next - RING;
		sub_set(s, "event: reset\ndata: {\"reason\":\"missed events: reload\"}\n\n");
		return 1;
	}
	while (s->next < h->next) {
		struct sse_event *ev = &h->ring[s->next++ % RING];
		if (!s->scope[0] || (ev->project && !strcmp(ev->project, s->scope))) {
			sub_set(s, ev->frame);
			return 1;
		}
	}
	if (ferry_mono_ms() - s->sent_ms >= KEEPALIVE_S * 1000) {
		sub_set(s, ": keepalive\n\n");
		return 1;
	}
	return 2;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_sub *s = cls;
	size_t n;

	(void)pos;
	if (s->off >= s->len) {
		int more;
		pthread_mutex_lock(&s->hub->lock);
		more = sub_next(s);
		if (more == 2) {   /* nothing yet: give the thread back until woken */
			s->suspended = 1;
			MHD_suspend_connection(s->conn);
			pthread_mutex_unlock(&s->hub->lock);
			return 0;
		}
		if (more)
			s->sent_ms = ferry_mono_ms();
		pthread_mutex_unlock(&s->hub->lock);
		if (!more || !s->pending)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->pending + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse_sub *s = cls;
	struct sse_hub *h = s->hub;

	pthread_mutex_lock(&h->lock);
	if (s->prev)
		s->prev->next_sub = s->next_sub;
	else if (h->subs == s)
		h->subs = s->next_sub;
	if (s->next_sub)
		s->next_sub->prev = s->prev;
	pthread_mutex_unlock(&h->lock);
	free(s->pending);
	free(s);
}

enum MHD_Result api_events(struct api_req *r)
{
	const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
	struct sse_sub *s = calloc(1, sizeof(*s));
	struct MHD_Response *resp;
	long long id;

	if (!s)
		return r->ret = MHD_NO;
	s->hub = r->d->hub;
	s->conn = r->conn;
	s->sent_ms = ferry_mono_ms();
	snprintf(s->scope, sizeof(s->scope), "%s", r->tok.project);
	pthread_mutex_lock(&s->hub->lock);
	s->next_sub = s->hub->subs;
	if (s->next_sub)
		s->next_sub->prev = s;
	s->hub->subs = s;
	s->next = s->hub->next;
	if (last && !ferry_parse_int(last, 0, INT64_MAX, &id) && (uint64_t)id < s->hub->next)
		s->next = (uint64_t)id + 1;
	pthread_mutex_unlock(&s->hub->lock);
	sub_set(s, "retry: 3000\n: connected\n\n");
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, s, sse_free);
	if (!resp) {
		sse_free(s);
		return r->ret = MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = 200;
	r->ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return r->ret;
}
