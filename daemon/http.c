/* SPDX-License-Identifier: MIT */
/* http.c: the HTTP server: libmicrohttpd setup, request bodies, routing, auth, audit
 * of changes, and one log line per request. libmicrohttpd's own event loop (epoll)
 * on a pool of HTTP_THREADS threads, not a thread per connection: thousands of idle
 * connections cost a few KiB each. A client address may hold PER_IP_CONNS connections;
 * a connection must send a whole request header within HEADER_DEADLINE_MS of its
 * start (or of its previous answer): trickled bytes do not extend it. */
#include "ferryd.h"

#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/base/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_THREADS 8
#define PER_IP_CONNS 512
#define HEADER_DEADLINE_MS 15000

/* ---- connections: the header deadline ---- */

struct conn_track {
	struct conn_track *prev, *next;
	int fd;
	int waiting;             /* no complete request header yet */
	int64_t since_ms;        /* when it began waiting */
};

struct http_track {
	pthread_mutex_t lock;
	struct conn_track *head;
};

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* waiting: the connection now waits for a request header (again), else it has one. */
static void track_set(struct ferryd *d, struct MHD_Connection *conn, int waiting)
{
	struct conn_track *t = track_of(conn);

	if (!t || !d->track)
		return;
	pthread_mutex_lock(&d->track->lock);
	t->waiting = waiting;
	t->since_ms = ferry_mono_ms();
	pthread_mutex_unlock(&d->track->lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct ferryd *d = cls;
	struct http_track *h = d->track;
	struct conn_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || !(t = calloc(1, sizeof(*t))))
			return;
		t->fd = ci->connect_fd;
		t->waiting = 1;
		t->since_ms = ferry_mono_ms();
		pthread_mutex_lock(&h->lock);
		t->next = h->head;
		if (t->next)
			t->next->prev = t;
		h->head = t;
		pthread_mutex_unlock(&h->lock);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	/* closed: the socket is still open until this returns (no reuse of its fd) */
	pthread_mutex_lock(&h->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		h->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&h->lock);
	free(t);
	*socket_context = NULL;
}

void http_sweep(struct ferryd *d)
{
	int64_t now = ferry_mono_ms();
	struct conn_track *t;

	if (!d->track)
		return;
	pthread_mutex_lock(&d->track->lock);
	for (t = d->track->head; t; t = t->next)
		if (t->waiting && now - t->since_ms > HEADER_DEADLINE_MS) {
			shutdown(t->fd, SHUT_RDWR);  /* libmicrohttpd sees the end and closes it */
			t->waiting = 0;
		}
	pthread_mutex_unlock(&d->track->lock);
}

/* The route for the request's method and path (request.c fills params and segs). */
static const struct route *route_find(struct api_req *r, int *path_known)
{
	return req_route_find(r->method, r->path, r->params, r->segs, sizeof(r->segs), path_known);
}

static void audit_change(struct api_req *r)
{
	struct ferry_audit_entry e = { 0 };
	struct ferry_error err;
	int ok = r->status < 300;

	e.actor = r->actor;
	e.action = r->route->action;
	e.target = r->target[0] ? r->target : r->params[0];
	e.project = r->project[0] ? r->project : NULL;
	e.code = ok ? 0 : (r->err_code ? r->err_code : FERRY_EFAILED);
	e.message = ok ? NULL : r->err_msg;
	e.activity_id = r->activity;
	ferry_error_clear(&err);
	if (ferry_audit_record(r->ctx, &e, &err))
		flog("error", "audit record failed", "activity", r->activity, "error", err.msg, NULL);
	if (ok)
		sse_publish(r->d->hub, "change", e.project, json_pack("{s:s, s:s?, s:s?, s:s, s:s}",
			"action", e.action, "target", e.target, "project", e.project,
			"actor", e.actor, "activity_id", r->activity));
}

static enum MHD_Result dispatch(struct api_req *r)
{
	struct ferry_error err;
	int known;

	if (r->upload_fd >= 0) { /* the whole upload is in its file */
		close(r->upload_fd);
		r->upload_fd = -1;
	}
	if (r->bad_url[0])
		return api_error(r, 400, "invalid", "the URL holds a control character (%s): names, "
				 "paths and arguments never do", r->bad_url);
	r->route = route_find(r, &known);
	if (!r->route) {
		if (strncmp(r->path, "/api/", 5) && strcmp(r->path, "/api"))
			return static_serve(r);
		if (known)
			return api_error(r, 405, "method-not-allowed", "%s is not allowed on %s",
					 r->method, r->path);
		return api_error(r, 404, "not-found", "no API route %s %s: see /api/openapi.json",
				 r->method, r->path);
	}
	if (r->too_large && r->streaming)
		return api_error(r, 413, "too-large", "upload exceeds %llu bytes (ferryd --upload-limit)",
				 (unsigned long long)r->d->cfg.upload_limit);
	if (r->too_large)
		return api_error(r, 413, "too-large", "request body exceeds %zu bytes",
				 r->d->cfg.body_limit);
	if (r->route->role == FERRY_TOKEN_NONE && !r->route->action)
		return r->route->fn(r);
	ferry_error_clear(&err);
	if (!(r->ctx = ctx_pool_get(r->d->pool, &err)))
		return api_ferror(r, &err);
	r->ctx->actor = r->actor;
	/* every JSON body is parsed (and refused when invalid or with a duplicate key)
	 * before any handler, whether or not the handler reads it */
	if (auth_authenticate(r) == 0 && auth_route(r) == 0 && (!r->body.len || api_body(r)))
		r->route->fn(r);
	if (r->route->action)
		audit_change(r);
	ctx_pool_put(r->d->pool, r->ctx);
	r->ctx = NULL;
	return r->ret;
}

/* An upload route: authenticate and authorize before a byte of the body is taken, then
 * stream it to a private file (413 past --upload-limit). 0 to go on, -1 replied. */
static int stream_begin(struct api_req *r, long long declared)
{
	struct ferry_error err;
	const char *project = api_query(r, "project");
	int rc = -1;

	ferry_error_clear(&err);
	if (!(r->ctx = ctx_pool_get(r->d->pool, &err))) {
		api_ferror(r, &err);
		return -1;
	}
	r->ctx->actor = r->actor;
	if (auth_authenticate(r) || auth_route(r) ||
	    (project && auth_allow(r, r->route->role, project)))
		goto out;
	if (declared >= 0 && (uint64_t)declared > r->d->cfg.upload_limit) {
		r->too_large = 1;
		api_error(r, 413, "too-large", "upload of %lld bytes exceeds %llu bytes (ferryd --upload-limit)",
			  declared, (unsigned long long)r->d->cfg.upload_limit);
		goto out;
	}
	if (api_tmpfile(r, "upload", r->upload_path, sizeof(r->upload_path), &r->upload_fd)) {
		r->upload_path[0] = '\0';
		api_error(r, 500, "io", "cannot make a temporary file under the ferry home");
		goto out;
	}
	r->streaming = 1;
	rc = 0;
out:
	if (rc && r->route->action)
		audit_change(r);
	ctx_pool_put(r->d->pool, r->ctx);
	r->ctx = NULL;
	return rc;
}

static void stream_chunk(struct api_req *r, const char *data, size_t n)
{
	size_t off = 0;
	ssize_t w;

	if (r->too_large || r->upload_fd < 0)
		return;
	r->upload_bytes += n;
	if (r->upload_bytes > r->d->cfg.upload_limit) {
		r->too_large = 1;
	} else {
		while (off < n && (w = write(r->upload_fd, data + off, n - off)) > 0)
			off += (size_t)w;
		if (off == n)
			return;
		flog("error", "cannot write an upload", "file", r->upload_path, NULL);
	}
	close(r->upload_fd); /* too large or a write error: drop what came (413 / 400) */
	r->upload_fd = -1;
	unlink(r->upload_path);
	r->upload_path[0] = '\0';
}

static void log_request(struct api_req *r)
{
	char status[12], ms[24];

	snprintf(status, sizeof(status), "%u", r->status);
	snprintf(ms, sizeof(ms), "%lld", (long long)(ferry_mono_ms() - r->t0));
	metrics_request(r->d->metrics, r->method, r->route ? r->route->path
			: strncmp(r->path, "/api", 4) ? "(web)" : "(none)", r->status);
	flog(r->status >= 500 ? "error" : "info", "request", "method", r->method, "path", r->path,
	     "status", status, "ms", ms, "actor", r->actor, "activity", r->activity,
	     r->status >= 400 ? "error" : NULL, r->err_msg, NULL);
}

/* MHD's URI callback: the request object, made from the raw request target before
 * anything is decoded; on_completed frees it. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct ferryd *d = cls;
	struct api_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->d = d;
	r->conn = conn;
	r->t0 = ferry_mono_ms();
	r->ret = MHD_YES;
	req_control_char(uri ? uri : "", r->bad_url);
	snprintf(r->actor, sizeof(r->actor), "anonymous");
	r->upload_fd = -1;
	ferry_uuid(r->activity);
	ferry_buf_init(&r->body);
	r->body.limit = d->cfg.body_limit + 1;
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct ferryd *d = cls;
	struct api_req *r = *con_cls;
	const char *cl;
	long long len;
	int known;

	(void)version;
	if (!r)   /* on_uri could not allocate it */
		return MHD_NO;
	if (!r->method) {
		r->method = method;
		track_set(d, conn, 0);
		if ((size_t)snprintf(r->path, sizeof(r->path), "%s", url) >= sizeof(r->path))
			return api_error(r, 414, "too-long", "the URL path is longer than %zu bytes",
					 sizeof(r->path) - 1);
		if (r->bad_url[0])
			return dispatch(r);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (!cl || ferry_parse_int(cl, 0, INT64_MAX, &len))
			len = -1;
		if (!strcmp(method, "POST") && (r->route = route_find(r, &known)) &&
		    r->route->fn == api_assets_upload)
			return stream_begin(r, len) ? r->ret : MHD_YES;
		if (len >= 0 && (size_t)len > d->cfg.body_limit) {
			r->too_large = 1;
			return api_error(r, 413, "too-large", "request body of %lld bytes exceeds %zu bytes",
					 len, d->cfg.body_limit);
		}
		return MHD_YES;
	}
	if (r->status) /* replied early (413): discard the rest */
		return MHD_YES;
	if (*upload_size && r->streaming) {
		stream_chunk(r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && ferry_buf_add(&r->body, upload, *upload_size))
			r->too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct api_req *r = *con_cls;

	(void)toe;
	track_set(cls, conn, 1);   /* keep-alive: the next header within the deadline */
	if (!r)
		return;
	if (r->status)
		log_request(r);
	json_decref(r->json);
	ferry_buf_release(&r->body);
	if (r->upload_fd >= 0)
		close(r->upload_fd);
	if (r->upload_path[0])
		unlink(r->upload_path);
	free(r);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	flog("warn", "http", "detail", msg, NULL);
}

static int bind_addr(struct ferryd *d, struct sockaddr_storage *ss, unsigned *flags)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	const char *a = d->cfg.listen;

	memset(ss, 0, sizeof(*ss));
	if (!strcmp(a, "localhost"))
		a = "127.0.0.1";
	if (inet_pton(AF_INET, a, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)d->cfg.port);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)d->cfg.port);
		*flags |= MHD_USE_IPv6;
		return 0;
	}
	flog("error", "invalid listen address: give an IPv4 or IPv6 address", "listen", a, NULL);
	return -1;
}

int http_start(struct ferryd *d)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG |
			 (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL
										: MHD_USE_POLL);
	const union MHD_DaemonInfo *info;

	if (bind_addr(d, &ss, &flags))
		return -1;
	if (!(d->track = calloc(1, sizeof(*d->track))))
		return -1;
	pthread_mutex_init(&d->track->lock, NULL);
	d->mhd = MHD_start_daemon(flags, (uint16_t)d->cfg.port, NULL, NULL, on_request, d,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, d,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
		/* the connection limit is shared out among the threads */
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(d->cfg.max_conns >= 64 * HTTP_THREADS ?
							HTTP_THREADS : 1),
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, d,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->cfg.max_conns,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_CONNS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_END);
	if (!d->mhd) {
		char port[16];
		snprintf(port, sizeof(port), "%d", d->cfg.port);
		flog("error", "cannot listen (address in use or not allowed?)", "listen", d->cfg.listen,
		     "port", port, NULL);
		return -1;
	}
	info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
	d->port = info ? info->port : d->cfg.port;
	return 0;
}

void http_stop(struct ferryd *d)
{
	if (d->mhd)
		MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
	if (d->track) {
		pthread_mutex_destroy(&d->track->lock);
		free(d->track);
		d->track = NULL;
	}
}
