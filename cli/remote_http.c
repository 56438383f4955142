/* SPDX-License-Identifier: MIT */
/* remote_http.c: the CLI's HTTP calls to a remote ferryd (libcurl): requests with a
 * token, JSON and uploads, downloads, and the server's error objects. */
#include "remote.h"

#include "ferry/base/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


static size_t on_body(char *p, size_t sz, size_t n, void *data)
{
	struct resp *r = data;

	if (r->to && !r->status)
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->to && r->status < 300) {
		if (fwrite(p, sz, n, r->to) != n)
			return 0;
		return sz * n;
	}
	return ferry_buf_add(&r->body, p, sz * n) ? 0 : sz * n;
}

static int code_of(const char *name)
{
	int c;

	for (c = FERRY_EINVAL; c >= FERRY_EINTERNAL; c--)
		if (!strcmp(ferry_code_name(c), name))
			return c;
	if (!strcmp(name, "unauthenticated") || !strcmp(name, "forbidden"))
		return FERRY_EREFUSED;
	if (!strcmp(name, "too-large") || !strcmp(name, "method-not-allowed"))
		return FERRY_EINVAL;
	return FERRY_EFAILED;
}

/* The server's error object as a ferry_error. */
int remote_api_err(const struct resp *r, struct ferry_error *err)
{
	json_t *o = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
	json_t *e = json_object_get(o, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *act = json_string_value(json_object_get(e, "operation")); /* as local: an operation's */
	int rc = code ? code_of(code) : FERRY_EFAILED;

	ferry_error_set(err, rc, "%s", json_string_value(json_object_get(e, "message")) ?
			json_string_value(json_object_get(e, "message")) : "the server answered an error");
	if (!code)
		ferry_error_set(err, rc, "ferryd answered HTTP %ld", r->status);
	if (act)
		snprintf(err->activity_id, sizeof(err->activity_id), "%s", act);
	json_decref(o);
	return rc;
}

struct curl_slist *remote_headers(struct remote *rm, const char *ctype)
{
	struct curl_slist *h = NULL;
	char auth[512];

	if (rm->token && *rm->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", rm->token);
		h = curl_slist_append(h, auth);
	}
	if (ctype)
		h = curl_slist_append(h, ctype);
	return h;
}

/* One request. body (JSON) or upload (a file path) may be given. Returns 0 for a 2xx
 * answer (r->body holds it), else the error from the server's error object. */
int remote_http(struct remote *rm, const char *method, const char *path, const json_t *body,
		const char *upload, struct resp *r, struct ferry_error *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h;
	char url[4096], *text = NULL;
	FILE *up = NULL;
	CURLcode cc;

	r->status = 0;
	if (!c)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	snprintf(url, sizeof(url), "%s%s", rm->url, path);
	h = remote_headers(rm, upload ? "Content-Type: application/octet-stream" : body ? "Content-Type: application/json" : NULL);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text ? text : "{}");
	} else if (upload) {
		if (!(up = fopen(upload, "rb"))) {
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", upload);
		}
		fseek(up, 0, SEEK_END);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READDATA, up);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)ftell(up));
		fseek(up, 0, SEEK_SET);
	}
	r->curl = c;
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(text);
	if (up)
		fclose(up);
	if (cc != CURLE_OK)
		return ferry_error_set(err, FERRY_EIO, "cannot reach ferryd at %s: %s (check --server "
				       "or FERRY_SERVER)", rm->url, curl_easy_strerror(cc));
	if (r->status >= 400)
		return remote_api_err(r, err);
	return 0;
}

int remote_get_json(struct remote *rm, const char *path, json_t **out, struct ferry_error *err)
{
	struct resp r = { 0 };
	json_error_t je;
	int rc;

	ferry_buf_init(&r.body);
	if (!(rc = remote_http(rm, "GET", path, NULL, NULL, &r, err)) &&
	    !(*out = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, &je)))
		rc = ferry_error_set(err, FERRY_EIO, "ferryd answered something that is not JSON: %s", je.text);
	ferry_buf_release(&r.body);
	return rc;
}
