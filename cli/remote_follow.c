/* SPDX-License-Identifier: MIT */
/* remote_follow.c: an operation started on a remote ferryd, followed to where it stops:
 * subscribed to the server's event stream (SSE) before the request that starts it, its
 * events fed to the CLI's progress hooks, and its state looked at now and then in case
 * the stream says nothing. */
#include "remote.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"

#include "ferry/project/curl_sym.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sse {
	struct ferry_buf buf;
	int connected;
};

static size_t on_sse(char *p, size_t sz, size_t n, void *data)
{
	struct sse *s = data;

	if (ferry_buf_add(&s->buf, p, sz * n))
		return 0;
	if (!s->connected && s->buf.len && memmem(s->buf.data, s->buf.len, ": connected", 11))
		s->connected = 1;
	return sz * n;
}

static enum ferry_op_event_type ev_type(const char *name)
{
	int t;

	for (t = FERRY_OP_EV_OP_STARTED; t <= FERRY_OP_EV_OP_FINISHED; t++)
		if (!strcmp(ferry_op_event_name((enum ferry_op_event_type)t), name))
			return (enum ferry_op_event_type)t;
	return (enum ferry_op_event_type)-1;
}

/* Take whole frames from the stream; feed our operation's to the CLI's progress hooks.
 * Returns 1 when our operation finished a run. */
static int sse_frames(struct sse *s, const char *activity, const struct ferry_op_hooks *hooks)
{
	int finished = 0;
	char *end;

	while (s->buf.len && (end = memmem(s->buf.data, s->buf.len, "\n\n", 2))) {
		size_t flen = (size_t)(end - s->buf.data) + 2;
		char *d = memmem(s->buf.data, flen, "data: ", 6);
		json_t *o = d ? json_loadb(d + 6, (size_t)(end - d - 6), 0, NULL) : NULL;
		const char *act = json_string_value(json_object_get(o, "activity_id"));
		const char *name = json_string_value(json_object_get(o, "event"));
		if (o && act && name && !strcmp(act, activity)) {
			struct ferry_op_event ev = { 0 };
			ev.type = ev_type(name);
			ev.activity_id = act;
			ev.kind = json_string_value(json_object_get(o, "kind"));
			ev.env = json_string_value(json_object_get(o, "env"));
			ev.step = json_string_value(json_object_get(o, "step"));
			ev.step_index = (int)json_integer_value(json_object_get(o, "step_index"));
			ev.step_count = (int)json_integer_value(json_object_get(o, "step_count"));
			ev.attempt = (int)json_integer_value(json_object_get(o, "attempt"));
			ev.state = json_string_value(json_object_get(o, "state"));
			ev.message = json_string_value(json_object_get(o, "message"));
			ev.done = json_integer_value(json_object_get(o, "done"));
			ev.total = json_integer_value(json_object_get(o, "total"));
			ev.elapsed_ms = json_integer_value(json_object_get(o, "elapsed_ms"));
			if ((int)ev.type >= 0 && hooks->on_event)
				hooks->on_event(&ev, hooks->data);
			if (ev.type == FERRY_OP_EV_OP_FINISHED)
				finished = 1;
		}
		json_decref(o);
		memmove(s->buf.data, s->buf.data + flen, s->buf.len - flen);
		s->buf.len -= flen;
	}
	return finished;
}

static int op_settled(json_t *op)
{
	const char *st = json_string_value(json_object_get(op, "state"));

	return st && strcmp(st, "running") && strcmp(st, "pending") &&
	       !json_is_true(json_object_get(op, "queued"));
}

/* POST, then follow the operation it started until it stops running. *op gets it, or
 * *sched the schedule when --at made one. */
/* A failed or interrupted operation is the error it stopped with. */
static int op_error(const json_t *op, struct ferry_error *err)
{
	const char *st = json_string_value(json_object_get(op, "state"));
	const char *msg = json_string_value(json_object_get(op, "error"));

	if (!st || (strcmp(st, "failed") && strcmp(st, "interrupted")))
		return 0;
	ferry_error_set(err, FERRY_EFAILED, "%s", msg ? msg : "the operation failed");
	snprintf(err->activity_id, sizeof(err->activity_id), "%s",
		 json_string_value(json_object_get(op, "activity_id")));
	return FERRY_EFAILED;
}

int remote_post_follow(struct remote *rm, const char *path, const json_t *body,
		       const struct ferry_op_hooks *hooks, json_t **op, struct ferry_error *err)
{
	struct sse s = { { 0 }, 0 };
	struct resp r = { 0 };
	struct curl_slist *h = remote_headers(rm, "Accept: text/event-stream");
	CURLM *m = curl_multi_init();
	CURL *c = curl_easy_init();
	char url[4096], act[64], opath[256];
	int running = 1, rc, idle = 0;
	json_t *o = NULL;

	*op = NULL;
	ferry_buf_init(&s.buf);
	ferry_buf_init(&r.body);
	snprintf(url, sizeof(url), "%s/api/events", rm->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_multi_add_handle(m, c);
	for (idle = 0; !s.connected && running && idle < 100; idle++) { /* subscribed before the POST */
		curl_multi_perform(m, &running);
		if (!s.connected)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	if ((rc = remote_http(rm, "POST", path, body, NULL, &r, err)))
		goto out;
	o = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
	if (!json_string_value(json_object_get(o, "activity_id"))) {
		rc = ferry_error_set(err, FERRY_EIO, "ferryd answered %s without an operation", path);
		goto out;
	}
	snprintf(act, sizeof(act), "%s", json_string_value(json_object_get(o, "activity_id")));
	snprintf(opath, sizeof(opath), "/api/operations/%s", act);
	for (idle = 0; !op_settled(o);) {
		int fin = 0;
		if (running) {
			curl_multi_poll(m, NULL, 0, 1000, NULL);
			curl_multi_perform(m, &running);
			fin = sse_frames(&s, act, hooks);
		} else {
			usleep(200000);
		}
		if (fin || ++idle >= 5 || !running) { /* the stream says so, or a look now and then */
			json_decref(o);
			o = NULL;
			idle = 0;
			if ((rc = remote_get_json(rm, opath, &o, err)))
				goto out;
		}
	}
	sse_frames(&s, act, hooks);
	json_object_del(o, "queued");
	if ((rc = op_error(o, err)))
		goto out;
	*op = o;
	o = NULL;
out:
	json_decref(o);
	curl_multi_remove_handle(m, c);
	curl_easy_cleanup(c);
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	ferry_buf_release(&s.buf);
	ferry_buf_release(&r.body);
	return rc;
}
