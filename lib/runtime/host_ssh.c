/* SPDX-License-Identifier: MIT */
/* host_ssh.c: sessions with a host's agent: `ferry host-agent` started over ssh
 * (host_ssh_cmd.c) by a fixed command whose one argument, the host's directory,
 * arrives as a line on stdin; then requests and answers in host_wire.c's frames, with
 * streams in either direction and between two sessions; a broken channel says which
 * host is gone and why. */
#include "runtime/host_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_WAIT_MS 20000
#define AGENT_CMD "read -r d && exec \"$d/bin/ferry\" host-agent"

struct hsess {
	char host[32];
	char who[256];         /* "host 'a' (root@10.0.0.2:22)" */
	pid_t pid;
	int fd;                /* socket to ssh: requests out, answers in */
	int errfd;             /* ssh's stderr (an unlinked file) */
	int dead;
	struct ferry_error why;    /* how it was lost (dead) */
	int why_code;
	json_t *hello;
	struct ferry_buf frame;
	size_t off;            /* of the data frame being read by an answer source */
	int in_answer;
};

/* The session's loss, as it was first seen (every later request fails the same way). */
static int lost(struct hsess *s, struct ferry_error *err)
{
	if (err)
		*err = s->why;
	return s->why_code;
}

static int broken(struct hsess *s, struct ferry_error *err)
{
	char text[1024];
	int status;

	if (s->dead)
		return lost(s, err);
	if (s->fd >= 0) {
		shutdown(s->fd, SHUT_RDWR);
		close(s->fd);
		s->fd = -1;
	}
	status = s->pid > 0 ? ssh_reap(s->pid, EXIT_WAIT_MS) : -1;
	s->pid = 0;
	s->dead = 1;
	ssh_err_text(s->errfd, text, sizeof(text));
	s->why_code = ssh_conn_error(s->who, s->host, text, status, &s->why);
	return lost(s, err);
}

/* ---- sessions ---- */

/* Skip whatever a login script printed before the agent's magic line. */
static int read_magic(struct hsess *s)
{
	const char *m = WIRE_MAGIC;
	size_t have = 0, mlen = strlen(m), seen = 0;
	char c;

	while (have < mlen) {
		ssize_t n = read(s->fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ++seen > 65536)
			return -1;
		have = c == m[have] ? have + 1 : (c == m[0] ? 1 : 0);
	}
	return 0;
}

static int session_start(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
			 struct hsess *s, struct ferry_error *err)
{
	struct sshcmd c;
	int sv[2], rc;
	char line[HOST_DIR_MAX_LEN + 2];

	if ((rc = ssh_build(ctx, h, accept_new, AGENT_CMD, &c, err)))
		return rc;
	if ((s->errfd = ssh_err_file(ctx, err)) < 0)
		return err ? err->code : FERRY_EIO;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a socket pair");
	rc = ssh_spawn(&c, sv[1], s->errfd, &s->pid, err);
	close(sv[1]);
	s->fd = sv[0];
	if (rc)
		return rc;
	snprintf(line, sizeof(line), "%s\n", h->dir);
	if (host_fd_write(&s->fd, line, strlen(line), NULL) || read_magic(s))
		return broken(s, err);
	return 0;
}

int hsess_open(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
	       struct hsess **out, struct ferry_error *err)
{
	struct hsess *s = calloc(1, sizeof(*s));
	json_t *ans = NULL;
	int rc;

	*out = NULL;
	if (!s)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	s->fd = s->errfd = -1;
	snprintf(s->host, sizeof(s->host), "%s", h->name);
	snprintf(s->who, sizeof(s->who), "host '%s' (%s@%s%s%s:%d)", h->name, h->user,
		 strchr(h->address, ':') ? "[" : "", h->address, strchr(h->address, ':') ? "]" : "",
		 h->port);
	if ((rc = session_start(ctx, h, accept_new, s, err)))
		goto fail;
	if ((rc = hsess_call(s, json_pack("{s:s, s:i, s:s}", "op", "hello", "proto", HOST_PROTO,
					  "dir", h->dir), NULL, NULL, &ans, err)))
		goto fail;
	if (json_integer_value(json_object_get(ans, "proto")) != HOST_PROTO) {
		rc = ferry_error_set(err, FERRY_ESTATE, "%s runs a ferry agent of another protocol "
				     "(%lld, this ferry speaks %d): run 'ferry host install %s'", s->who,
				     (long long)json_integer_value(json_object_get(ans, "proto")),
				     HOST_PROTO, h->name);
		goto fail;
	}
	s->hello = ans;
	*out = s;
	return 0;
fail:
	json_decref(ans);
	hsess_close(s);
	return rc;
}

void hsess_close(struct hsess *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		shutdown(s->fd, SHUT_WR);       /* EOF: the agent ends, then ssh */
		if (s->pid > 0)
			ssh_reap(s->pid, EXIT_WAIT_MS);
		close(s->fd);
	} else if (s->pid > 0) {
		ssh_reap(s->pid, 0);
	}
	if (s->errfd >= 0)
		close(s->errfd);
	json_decref(s->hello);
	ferry_buf_release(&s->frame);
	free(s);
}

const char *hsess_host(const struct hsess *s)
{
	return s->host;
}

const json_t *hsess_hello(const struct hsess *s)
{
	return s->hello;
}

/* ---- requests ---- */

static int send_stream(struct hsess *s, const struct host_src *in, struct ferry_error *err,
		       int *in_rc, struct ferry_error *in_err)
{
	char *buf = malloc(WIRE_CHUNK);
	size_t got;
	int rc;

	if (!buf)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	for (;;) {
		if ((*in_rc = in->read(in->arg, buf, WIRE_CHUNK, &got, in_err))) {
			json_t *e = wire_error_json(in_err);
			char *t = json_dumps(e, JSON_COMPACT);
			rc = t ? wire_write(s->fd, WIRE_ABORT, t, strlen(t)) : -1;
			free(t);
			json_decref(e);
			break;
		}
		if (!got) {
			rc = wire_write(s->fd, WIRE_END, NULL, 0);
			break;
		}
		if ((rc = wire_write(s->fd, WIRE_DATA, buf, got)))
			break;
	}
	free(buf);
	return rc ? broken(s, err) : 0;
}

/* Read frames until the answer; data frames to out. */
static int read_answer(struct hsess *s, const struct host_sink *out, json_t **ans,
		       struct ferry_error *err)
{
	int sink_rc = 0;
	char type;

	for (;;) {
		int r = wire_read(s->fd, &type, &s->frame);
		if (r <= 0)
			return broken(s, err);
		if (type == WIRE_DATA) {
			if (out && !sink_rc)
				sink_rc = out->write(out->arg, s->frame.data, s->frame.len, err);
			continue;
		}
		if (type != WIRE_JSON)
			return broken(s, err);
		break;
	}
	*ans = json_loadb(s->frame.data ? s->frame.data : "", s->frame.len, 0, NULL);
	if (!*ans || !json_is_object(*ans)) {
		json_decref(*ans);
		*ans = NULL;
		return broken(s, err);
	}
	return sink_rc;
}

static int answer_read(void *arg, void *buf, size_t cap, size_t *got, struct ferry_error *err);

/* An answer a stream reader left unread: read it to its end. */
static void drain_answer(struct hsess *s)
{
	char buf[4096];
	size_t got;

	while (s->in_answer && !answer_read(s, buf, sizeof(buf), &got, NULL) && got)
		;
	s->in_answer = 0;
}

/* The end of a call: its answer read (data frames to out), then the failure of what
 * this side sent (local_rc, local_err) or the agent's error, else the answer to *ans. */
static int finish_call(struct hsess *s, const struct host_sink *out, json_t **ans,
		       int local_rc, const struct ferry_error *local_err,
		       struct ferry_error *err)
{
	json_t *a = NULL;
	int rc;

	if ((rc = read_answer(s, out, &a, err)))
		goto out;
	if (local_rc) {
		rc = local_rc;
		if (err)
			*err = *local_err;
		goto out;
	}
	if ((rc = wire_error_from(a, err)))
		goto out;
	if (ans) {
		*ans = a;
		a = NULL;
	}
out:
	json_decref(a);
	return rc;
}

/* The pushed stream: data frames, then its end or its failure. */
struct push {
	struct hsess *s;
	int broken;
};

static int push_write(void *arg, const void *buf, size_t len, struct ferry_error *err)
{
	struct push *p = arg;
	const char *c = buf;

	while (len > 0) {
		size_t n = len > WIRE_CHUNK ? WIRE_CHUNK : len;
		if (wire_write(p->s->fd, WIRE_DATA, c, n)) {
			p->broken = 1;
			return ferry_error_set(err, FERRY_EIO, "%s: the connection closed", p->s->who);
		}
		c += n;
		len -= n;
	}
	return 0;
}

int hsess_call_push(struct hsess *s, json_t *req, host_produce_fn produce, void *arg,
		    const struct host_sink *out, json_t **ans, struct ferry_error *err)
{
	struct push p = { s, 0 };
	struct host_sink sink = { push_write, &p };
	struct ferry_error perr;
	int rc, prc;

	if (ans)
		*ans = NULL;
	if (s->dead) {
		json_decref(req);
		return lost(s, err);
	}
	drain_answer(s);
	json_object_set_new(req, "stream", json_true());
	rc = wire_write_json(s->fd, req);
	json_decref(req);
	if (rc)
		return broken(s, err);
	ferry_error_clear(&perr);
	prc = produce(arg, &sink, &perr);
	if (p.broken)
		return broken(s, err);
	if (prc) {
		json_t *e = wire_error_json(&perr);
		char *t = json_dumps(e, JSON_COMPACT);
		rc = t ? wire_write(s->fd, WIRE_ABORT, t, strlen(t)) : -1;
		free(t);
		json_decref(e);
	} else {
		rc = wire_write(s->fd, WIRE_END, NULL, 0);
	}
	if (rc)
		return broken(s, err);
	return finish_call(s, out, ans, prc, &perr, err);
}

int hsess_call(struct hsess *s, json_t *req, const struct host_src *in,
	       const struct host_sink *out, json_t **ans, struct ferry_error *err)
{
	struct ferry_error in_err;
	int rc, in_rc = 0;

	if (ans)
		*ans = NULL;
	drain_answer(s);
	if (s->dead) {
		json_decref(req);
		return lost(s, err);
	}
	if (req && in)
		json_object_set_new(req, "stream", json_true());
	rc = req ? wire_write_json(s->fd, req) : -1;
	json_decref(req);
	if (rc)
		return broken(s, err);
	if (in && (rc = send_stream(s, in, err, &in_rc, &in_err)))
		return rc;
	return finish_call(s, out, ans, in_rc, &in_err, err);
}

int hsess_send(struct hsess *s, json_t *req, struct ferry_error *err)
{
	int rc;

	if (s->dead) {
		json_decref(req);
		return lost(s, err);
	}
	drain_answer(s);
	rc = wire_write_json(s->fd, req);
	json_decref(req);
	s->in_answer = 1;
	s->off = 0;
	ferry_buf_reset(&s->frame);
	return rc ? broken(s, err) : 0;
}

static int answer_read(void *arg, void *buf, size_t cap, size_t *got, struct ferry_error *err)
{
	struct hsess *s = arg;
	char type;

	*got = 0;
	while (s->in_answer && s->off >= s->frame.len) {
		int r = wire_read(s->fd, &type, &s->frame);
		s->off = 0;
		if (r <= 0) {
			s->in_answer = 0;
			return broken(s, err);
		}
		if (type == WIRE_JSON) {
			json_t *a = json_loadb(s->frame.data ? s->frame.data : "", s->frame.len, 0, NULL);
			int rc = a ? wire_error_from(a, err) : broken(s, err);
			json_decref(a);
			s->in_answer = 0;
			ferry_buf_reset(&s->frame);
			return rc;
		}
		if (type != WIRE_DATA) {
			s->in_answer = 0;
			return broken(s, err);
		}
	}
	if (!s->in_answer)
		return 0;
	*got = s->frame.len - s->off < cap ? s->frame.len - s->off : cap;
	memcpy(buf, s->frame.data + s->off, *got);
	s->off += *got;
	return 0;
}

void hsess_answer_src(struct hsess *s, struct host_src *src)
{
	src->read = answer_read;
	src->arg = s;
}
