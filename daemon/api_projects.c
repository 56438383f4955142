/* SPDX-License-Identifier: MIT */
/* api_projects.c: /api/projects and their preview features. */
#include "ferryd.h"

#include "ferry/project/feature.h"
#include "ferry/project/project.h"

#include <stdio.h>
#include <string.h>

static enum MHD_Result project_reply(struct api_req *r, unsigned status, const char *name)
{
	struct ferry_project p;
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_project_get(r->ctx, name, &p, &err))
		return api_ferror(r, &err);
	return api_json(r, status, ferry_project_to_json(&p));
}

enum MHD_Result api_projects_list(struct api_req *r)
{
	struct ferry_error err;
	json_t *arr, *out, *p;
	size_t i;

	ferry_error_clear(&err);
	if (ferry_project_list(r->ctx, &arr, &err))
		return api_ferror(r, &err);
	out = json_array();
	json_array_foreach(arr, i, p)
		if (auth_sees(r, json_string_value(json_object_get(p, "name"))))
			json_array_append(out, p);
	json_decref(arr);
	return api_json(r, 200, out);
}

enum MHD_Result api_projects_create(struct api_req *r)
{
	const char *name, *product, *desc;
	struct ferry_error err;
	json_t *b = api_body(r);

	if (!b || api_member_str(r, b, "name", 1, &name) ||
	    api_member_str(r, b, "product", 0, &product) ||
	    api_member_str(r, b, "description", 0, &desc))
		return r->ret;
	snprintf(r->target, sizeof(r->target), "%s", name);
	snprintf(r->project, sizeof(r->project), "%s", name);
	ferry_error_clear(&err);
	if (ferry_project_create(r->ctx, name, product, desc, &err))
		return api_ferror(r, &err);
	return project_reply(r, 201, name);
}

enum MHD_Result api_projects_get(struct api_req *r)
{
	if (auth_allow(r, FERRY_TOKEN_VIEWER, r->params[0]))
		return r->ret;
	return project_reply(r, 200, r->params[0]);
}

enum MHD_Result api_projects_patch(struct api_req *r)
{
	struct ferry_error err;
	json_t *b, *v;

	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]) || !(b = api_body(r)))
		return r->ret;
	v = json_object_get(b, "allow_unsigned");
	if (!json_is_boolean(v))
		return api_error(r, 400, "invalid",
				 "nothing to change: send {\"allow_unsigned\": true|false}");
	ferry_error_clear(&err);
	if (ferry_project_set_allow_unsigned(r->ctx, r->params[0], json_is_true(v), &err))
		return api_ferror(r, &err);
	return project_reply(r, 200, r->params[0]);
}

enum MHD_Result api_projects_delete(struct api_req *r)
{
	struct ferry_error err;

	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_project_rm(r->ctx, r->params[0], &err))
		return api_ferror(r, &err);
	return api_no_content(r);
}

enum MHD_Result api_features_list(struct api_req *r)
{
	return api_project_read(r, ferry_feature_list);
}

enum MHD_Result api_features_put(struct api_req *r)
{
	struct ferry_error err;
	json_t *b, *v, *arr;

	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]) || !(b = api_body(r)))
		return r->ret;
	snprintf(r->target, sizeof(r->target), "%s", r->params[1]);
	v = json_object_get(b, "enabled");
	if (!json_is_boolean(v))
		return api_error(r, 400, "invalid", "send {\"enabled\": true|false}");
	ferry_error_clear(&err);
	if (ferry_feature_set(r->ctx, r->params[0], r->params[1], json_is_true(v), &err) ||
	    ferry_feature_list(r->ctx, r->params[0], &arr, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, arr);
}
