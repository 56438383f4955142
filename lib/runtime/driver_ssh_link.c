/* SPDX-License-Identifier: MIT */
/* driver_ssh_link.c: an SSH runtime's link to its host: the host record and the
 * session with its agent, opened when first needed and shared (counted) with the
 * database handles on that host, so a handle may outlive nothing it needs. */
#include "runtime/driver_ssh.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <stdlib.h>

int ssh_link_new(struct ferry_ctx *ctx, const char *host, struct ssh_link **out,
		 struct ferry_error *err)
{
	struct ssh_link *l = calloc(1, sizeof(*l));
	int rc;

	*out = NULL;
	if (!l)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = host_rec_get(ctx, host, &l->h, err))) {
		free(l);
		return rc;
	}
	l->refs = 1;
	l->ctx = ctx;
	*out = l;
	return 0;
}

struct ssh_link *ssh_link_ref(struct ssh_link *l)
{
	l->refs++;
	return l;
}

void ssh_link_unref(struct ssh_link *l)
{
	if (!l || --l->refs > 0)
		return;
	hsess_close(l->s);
	json_decref(l->prepare);
	host_rec_release(&l->h);
	free(l);
}

int ssh_link_session(struct ssh_link *l, struct hsess **out, struct ferry_error *err)
{
	int rc;

	if (!l->s) {
		if ((rc = hsess_open(l->ctx, &l->h, 0, &l->s, err)))
			return rc;
		/* the runtime's directories, before anything else it asks */
		if (l->prepare) {
			json_t *r = l->prepare;
			l->prepare = NULL;
			if ((rc = hsess_call(l->s, r, NULL, NULL, NULL, err)))
				return rc;
		}
	}
	*out = l->s;
	return 0;
}

int ssh_link_call(struct ssh_link *l, json_t *req, const struct host_src *in,
		  const struct host_sink *out, json_t **ans, struct ferry_error *err)
{
	struct hsess *s;
	int rc;

	if (ans)
		*ans = NULL;
	if ((rc = ssh_link_session(l, &s, err))) {
		json_decref(req);
		return rc;
	}
	return hsess_call(s, req, in, out, ans, err);
}

int ssh_buf_write(void *buf, const void *data, size_t len, struct ferry_error *err)
{
	if (ferry_buf_add(buf, data, len))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory (an answer of the host)");
	return 0;
}
