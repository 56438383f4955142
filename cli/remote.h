/* remote.h: what cli/remote.c and cli/remote_http.c share: a remote ferryd and its
 * HTTP calls (private to the CLI). */
#ifndef FERRY_CLI_REMOTE_H
#define FERRY_CLI_REMOTE_H

#include "cli.h"
#include "ferry/base/buf.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>

struct ferry_error;

struct remote {
	struct cli *cli;
	const char *url;         /* no trailing slash */
	const char *token;
	const char *at;          /* --at: schedule instead of starting */
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
/* "/api/x/%s?k=%s" with every value escaped; NULL query values drop their "k=v". */
void remote_path_of(char *out, size_t cap, const char *base, const char *seg, const char *q1,
		    const char *v1, const char *q2, const char *v2);

#endif
