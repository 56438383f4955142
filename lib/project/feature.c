/* SPDX-License-Identifier: MIT */
/* feature.c: preview feature switches per project. */
#include "ferry/project/feature.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <string.h>

struct feature_def {
	const char *name;
	const char *title;
};

static const struct feature_def features[] = {
	{ FERRY_FEATURE_UPGRADE_SELF_SERVE,
	  "Upgrade environment self serve: prepare, data upgrade, commit or roll back" },
};

#define NFEATURES (sizeof(features) / sizeof(features[0]))

static const struct feature_def *feature_find(const char *name)
{
	size_t i;

	for (i = 0; i < NFEATURES; i++)
		if (name && !strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

int ferry_feature_set(struct ferry_ctx *ctx, const char *project, const char *name,
		      int enabled, struct ferry_error *err)
{
	struct ferry_project p;
	int rc;

	if (!feature_find(name))
		return ferry_error_set(err, FERRY_EINVAL,
			"unknown feature '%s': see 'ferry feature list --project %s'",
			name ? name : "", project);
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		goto fail;
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO project_features(project_id, name, enabled, updated_ms) VALUES(?, ?, ?, ?) "
		"ON CONFLICT(project_id, name) DO UPDATE SET enabled = excluded.enabled, "
		"updated_ms = excluded.updated_ms", "itdi", p.id, name, enabled ? 1 : 0, ferry_now_ms());
	if (rc)
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_feature_enabled(struct ferry_ctx *ctx, const char *project, const char *name,
			  struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT f.enabled FROM project_features f JOIN projects p ON p.id = f.project_id "
		"WHERE p.name = ? AND f.name = ?", "tt", project, name);
	int on = 0;

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		on = ferry_stmt_int(st, 0) != 0;
	ferry_stmt_free(st);
	return rc < 0 ? rc : on;
}

int ferry_feature_require(struct ferry_ctx *ctx, const char *project, const char *name,
			  struct ferry_error *err)
{
	int on = ferry_feature_enabled(ctx, project, name, err);

	if (on < 0)
		return on;
	if (!on)
		return ferry_error_set(err, FERRY_EREFUSED,
			"the preview feature '%s' is disabled for project '%s': enable it with "
			"'ferry feature enable %s --project %s'", name, project, name, project);
	return 0;
}

int ferry_feature_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		       struct ferry_error *err)
{
	struct ferry_project p;
	json_t *arr;
	size_t i;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	arr = json_array();
	for (i = 0; i < NFEATURES; i++) {
		int on = ferry_feature_enabled(ctx, project, features[i].name, err);
		if (on < 0) {
			json_decref(arr);
			return on;
		}
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "name", features[i].name,
			"description", features[i].title, "enabled", on));
	}
	*out = arr;
	return 0;
}
