/* SPDX-License-Identifier: MIT */
/* api_writes.c: the writes made since an upgrade's swap, for the UI and `ferry --server`:
 * GET .../upgrade/rollback-plan (what a rollback now would do with each row: the web UI's
 * Rollback shows it before asking), GET .../upgrade/writes?format=json|csv|changeset
 * (the export), and a project's upgrade settings (GET, PATCH: the watch and the
 * automatic rollback). Each is one libferry call. */
#include "ferryd.h"

#include "ferry/lifecycle/upgrade.h"
#include "ferry/project/env.h"

#include <string.h>

enum MHD_Result api_upgrade_plan(struct api_req *r)
{
	return api_env_read(r, ferry_upgrade_rollback_plan);
}

/* The export's bytes with their type. */
static enum MHD_Result bytes(struct api_req *r, const struct ferry_buf *b, const char *type)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(b->len, b->data ? b->data : "",
								    MHD_RESPMEM_MUST_COPY);

	if (!resp)
		return r->ret = MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = 200;
	r->ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

/* The rows themselves (the users' data): operators and above. */
enum MHD_Result api_upgrade_writes(struct api_req *r)
{
	const char *format = api_query(r, "format");
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;
	struct ferry_env e;

	if (api_env_access(r, FERRY_TOKEN_OPERATOR, &e))
		return r->ret;
	if (!format)
		format = "json";
	ferry_error_clear(&err);
	if (ferry_upgrade_writes(r->ctx, e.name, format, &b, &err)) {
		ferry_buf_release(&b);
		return api_ferror(r, &err);
	}
	bytes(r, &b, !strcmp(format, "csv") ? "text/csv; charset=utf-8" :
	      !strcmp(format, "changeset") ? "application/octet-stream" : "application/json");
	ferry_buf_release(&b);
	return r->ret;
}

static int settings_get(struct ferry_ctx *ctx, const char *project, json_t **out,
			struct ferry_error *err)
{
	return ferry_upgrade_settings_patch(ctx, project, NULL, out, err);
}

enum MHD_Result api_upgrade_settings_get(struct api_req *r)
{
	return api_project_read(r, settings_get);
}

/* {"watch_s": 600, "auto_rollback": true, ...}: the members given change. */
enum MHD_Result api_upgrade_settings_patch(struct api_req *r)
{
	struct ferry_error err;
	json_t *b, *out = NULL;

	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]) || !(b = api_body(r)))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_upgrade_settings_patch(r->ctx, r->params[0], b, &out, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, out);
}
