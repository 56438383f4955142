/* SPDX-License-Identifier: MIT */
/* sse.c: the event hub behind /api/events (Server-Sent Events). Publishers append to a
 * ring of recent events; each stream follows it from its Last-Event-ID, sees only its
 * token's project scope, gets a keepalive comment when idle, and ends on shutdown. */
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

struct sse_hub {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sse_event ring[RING];
	uint64_t next;           /* seq of the next event; the first is 1 */
	int stopping;
	void (*observe)(void *arg, const char *type, const json_t *data);
	void *observe_arg;
};

struct sse_sub {
	struct sse_hub *hub;
	uint64_t next;
	char scope[64];
	char *pending;
	size_t len, off;
};

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

/* Under the lock: the next frame for s, or wait; 1 when s->pending is set, 0 at the end. */
static int sub_next(struct sse_sub *s)
{
	struct sse_hub *h = s->hub;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += KEEPALIVE_S;
	for (;;) {
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
		if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT) {
			sub_set(s, ": keepalive\n\n");
			return 1;
		}
	}
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
	snprintf(s->scope, sizeof(s->scope), "%s", r->tok.project);
	pthread_mutex_lock(&s->hub->lock);
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
