/* SPDX-License-Identifier: MIT */
/* host_agent_io.c: what the agent's operations share: which paths the controller
 * may name (everything under the host's ferry directory, safe components only) and
 * the streams of a request (data frames in) and of an answer (data frames out). */
#include "runtime/host_agent.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/package/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- paths the controller may name ---- */

int agent_under(const struct agent *a, const char *path, const char *sub)
{
	char prefix[PATH_MAX];
	int n;

	if (!path || !a->dir[0])
		return 0;
	n = snprintf(prefix, sizeof(prefix), "%s/%s/", a->dir, sub);
	if (n >= (int)sizeof(prefix) || strncmp(path, prefix, (size_t)n) || !path[n])
		return 0;
	return ferry_path_check(path + n, NULL) == 0;
}

int agent_tmp_path(const struct agent *a, const char *what, char out[PATH_MAX],
		   struct ferry_error *err)
{
	char id[37];

	ferry_uuid(id);
	return ferry_fmt(out, PATH_MAX, err, "a temporary path", "%s/tmp/%s-%s", a->dir, what, id);
}

int agent_rel_ok(const char *rel)
{
	return rel && ferry_path_check(rel, NULL) == 0;
}

int agent_conn_ok(const struct agent *a, const char *conn)
{
	if (conn && !strncmp(conn, "sqlite:", 7))
		conn += 7;
	return agent_under(a, conn, "environments");
}

/* ---- streams from the controller ---- */

static int in_read(void *arg, void *buf, size_t cap, size_t *got, struct ferry_error *err)
{
	struct agent *a = arg;
	char type;

	*got = 0;
	while (!a->in_done && a->in_off >= a->in.len) {
		int r = wire_read(a->in_fd, &type, &a->in);
		a->in_off = 0;
		if (r <= 0) {
			a->in_done = a->lost = 1;
			return ferry_error_set(err, FERRY_EIO, "the connection to ferry closed");
		}
		if (type == WIRE_END) {
			a->in_done = 1;
			return 0;
		}
		if (type == WIRE_ABORT) {
			a->in_done = 1;
			return ferry_error_set(err, FERRY_EFAILED, "ferry abandoned the stream: %s",
					       a->in.data ? a->in.data : "");
		}
		if (type != WIRE_DATA) {
			a->in_done = a->lost = 1;
			return ferry_error_set(err, FERRY_EIO, "a broken stream from ferry");
		}
	}
	if (a->in_done)
		return 0;
	*got = a->in.len - a->in_off < cap ? a->in.len - a->in_off : cap;
	memcpy(buf, a->in.data + a->in_off, *got);
	a->in_off += *got;
	return 0;
}

void agent_in_src(struct agent *a, struct host_src *src)
{
	src->read = in_read;
	src->arg = a;
}

int agent_send(struct agent *a, const void *data, size_t len, struct ferry_error *err)
{
	const char *p = data;

	while (len > 0) {
		size_t n = len > WIRE_CHUNK ? WIRE_CHUNK : len;
		if (wire_write(a->out_fd, WIRE_DATA, p, n) < 0) {
			a->lost = 1;
			return ferry_error_errno(err, FERRY_EIO, errno, "the connection to ferry closed");
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int sink_write(void *arg, const void *buf, size_t len, struct ferry_error *err)
{
	return agent_send(arg, buf, len, err);
}

void agent_out_sink(struct agent *a, struct host_sink *sink)
{
	sink->write = sink_write;
	sink->arg = a;
}

