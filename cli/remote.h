/* SPDX-License-Identifier: MIT */
/* remote.h: what the remote backend's files share (remote.c: calls and operations,
 * remote_follow.c: following an operation, remote_http.c: HTTP). Private to them. */
#ifndef FERRY_CLI_REMOTE_H
#define FERRY_CLI_REMOTE_H

#include "backend.h"
#include "ferry/base/buf.h"

#include "ferry/project/curl_sym.h"
#include <jansson.h>
#include <stdio.h>

struct ferry_error;

struct ferry_op_hooks;

struct remote {
	struct cli_backend be;   /* first: the backend is the remote */
	char url[1024];          /* no trailing slash */
	char *token;             /* bearer token, or NULL */
};

struct resp {
	long status;
	struct ferry_buf body;
	FILE *to;                /* download: a 2xx body goes here */
	CURL *curl;
};

/* The server's error object of a non-2xx answer into err; returns the ferry code. */
int remote_api_err(const struct resp *r, struct ferry_error *err);
/* Authorization (and an optional content type) headers; caller frees the list. */
struct curl_slist *remote_headers(struct remote *rm, const char *ctype);
/* One request: JSON body or an uploaded file; the answer in *r (caller releases r->body). */
int remote_http(struct remote *rm, const char *method, const char *path, const json_t *body,
		const char *upload, struct resp *r, struct ferry_error *err);
/* GET a JSON document (caller owns *out). */
int remote_get_json(struct remote *rm, const char *path, json_t **out, struct ferry_error *err);
/* POST body to path, which starts an operation, and follow it (its events to hooks)
 * until it stops running: *op its view (remote_follow.c). */
int remote_post_follow(struct remote *rm, const char *path, const json_t *body,
		       const struct ferry_op_hooks *hooks, json_t **op, struct ferry_error *err);

#endif
