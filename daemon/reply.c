/* SPDX-License-Identifier: MIT */
/* reply.c: JSON replies, error objects {code, message, activity_id}, request bodies. */
#include "ferryd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The reply when a body could not be built (a jansson constructor or json_dumps ran out
 * of memory): never a reply with members missing. */
static char *out_of_memory(struct api_req *r, unsigned *status)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	*status = 500;
	r->err_code = FERRY_ENOMEM;
	snprintf(r->err_msg, sizeof(r->err_msg), "out of memory building the reply");
	if (ferry_buf_addf(&b, "{\"error\":{\"code\":\"internal\",\"message\":\"%s\","
			   "\"activity_id\":\"%s\"}}", r->err_msg, r->activity)) {
		ferry_buf_release(&b);
		return NULL;
	}
	return ferry_buf_detach(&b);
}

enum MHD_Result api_json(struct api_req *r, unsigned status, json_t *body)
{
	struct MHD_Response *resp;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t len;

	json_decref(body);
	if (!text && !(text = out_of_memory(r, &status))) {
		r->status = 500;
		return r->ret = MHD_NO;
	}
	len = strlen(text);
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return r->ret = MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"ferryd\"");
	r->status = status;
	r->ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

enum MHD_Result api_json_text(struct api_req *r, char *text, size_t len, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	struct MHD_Response *resp;
	unsigned status = 200;

	if (etag && inm && (!strcmp(inm, etag) || !strcmp(inm, "*"))) {
		free(text);
		text = NULL;
		len = 0;
		status = 304;
	}
	resp = MHD_create_response_from_buffer(len, text, text ? MHD_RESPMEM_MUST_FREE
								: MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		return r->ret = MHD_NO;
	}
	if (status == 200)
		MHD_add_response_header(resp, "Content-Type", "application/json");
	if (etag)
		MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Cache-Control", etag ? "no-cache" : "no-store");
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = status;
	r->ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

enum MHD_Result api_no_content(struct api_req *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);

	if (!resp)
		return r->ret = MHD_NO;
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = 204;
	r->ret = MHD_queue_response(r->conn, 204, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

static enum MHD_Result error_reply(struct api_req *r, unsigned status, const char *code,
				   const char *msg)
{
	snprintf(r->err_msg, sizeof(r->err_msg), "%s", msg);
	if (!r->err_code)
		r->err_code = FERRY_EFAILED;
	return api_json(r, status, json_pack("{s:{s:s, s:s, s:s, s:s?}}", "error", "code", code,
		"message", msg, "activity_id", r->activity,
		"operation", r->err_op ? r->activity : NULL));
}

enum MHD_Result api_error(struct api_req *r, unsigned status, const char *code,
			  const char *fmt, ...)
{
	char msg[FERRY_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->err_code)
		r->err_code = status == 400 || status == 422 ? FERRY_EINVAL :
			      status == 404 ? FERRY_ENOTFOUND :
			      status == 401 || status == 403 ? FERRY_EREFUSED : FERRY_EFAILED;
	return error_reply(r, status, code, msg);
}

static unsigned ferror_status(int code)
{
	switch (code) {
	case FERRY_EINVAL: return 422;
	case FERRY_ENOTFOUND: return 404;
	case FERRY_EEXIST:
	case FERRY_ESTATE: return 409;
	case FERRY_EREFUSED:
	case FERRY_EVERIFY:
	case FERRY_EUNSAFE: return 422;
	case FERRY_ESTORE: return 503;
	default: return 500;
	}
}

enum MHD_Result api_ferror(struct api_req *r, const struct ferry_error *err)
{
	int code = err->code ? err->code : FERRY_EINTERNAL;

	if (err->activity_id[0]) { /* an operation's error: its activity ID */
		snprintf(r->activity, sizeof(r->activity), "%s", err->activity_id);
		r->err_op = 1;
	}
	r->err_code = code;
	return error_reply(r, ferror_status(code), ferry_code_name(code),
			   err->msg[0] ? err->msg : "unknown error");
}

json_t *api_body_opt(struct api_req *r)
{
	if (!r->json && !r->too_large && !r->body.len)
		r->json = json_object();
	return api_body(r);
}

enum MHD_Result api_text(struct api_req *r, unsigned status, const char *text, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text,
								    MHD_RESPMEM_MUST_COPY);

	if (!resp)
		return r->ret = MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = status;
	r->ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

int api_member_int(struct api_req *r, json_t *obj, const char *key, long long min, long long max,
		   long long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return api_error(r, 400, "invalid", "member '%s' must be an integer %lld..%lld",
				 key, min, max), -1;
	*out = json_integer_value(v);
	return 0;
}

int api_view_slot(struct api_req *r, const char **slot)
{
	const char *v = api_query(r, "view");

	*slot = "main";
	if (!v || !strcmp(v, "original"))
		return 0;
	if (strcmp(v, "upgrade"))
		return api_error(r, 400, "invalid", "query 'view' takes 'original' or 'upgrade', not '%s'", v), -1;
	*slot = "upgrade";
	return 0;
}

json_t *req_json_body(const char *data, size_t len, char *msg, size_t cap)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!j) {
		snprintf(msg, cap, "request body is not valid JSON: %s (line %d, column %d)", jerr.text,
			 jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(msg, cap, "request body must be a JSON object");
		return NULL;
	}
	return j;
}

json_t *api_body(struct api_req *r)
{
	char msg[FERRY_ERROR_MSG_MAX];

	if (r->json)
		return r->json;
	if (r->too_large) {
		api_error(r, 413, "too-large", "request body exceeds %zu bytes", r->d->cfg.body_limit);
		return NULL;
	}
	if (!r->body.len) {
		api_error(r, 400, "invalid", "this request needs a JSON object body");
		return NULL;
	}
	if (!(r->json = req_json_body(r->body.data, r->body.len, msg, sizeof(msg))))
		api_error(r, 400, "invalid", "%s", msg);
	return r->json;
}

int api_member_str(struct api_req *r, json_t *obj, const char *key, int required,
		   const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		api_error(r, 400, "invalid", "missing member '%s' in the request body", key);
		return -1;
	}
	if (!json_is_string(v)) {
		api_error(r, 400, "invalid", "member '%s' must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

const char *api_query(struct api_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}
