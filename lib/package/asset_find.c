/* SPDX-License-Identifier: MIT */
/* asset_find.c: finding a project's package by what it provides rather than by name:
 * the application package of a release (the code upgrade's vendor bases come from
 * its model sources, docs/CODE-UPGRADE.md). */
#include "ferry/package/asset.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One candidate row: 1 when its manifest provides `release`. */
static int provides(const char *manifest, const char *release, char *version, size_t cap)
{
	json_t *m = manifest ? json_loads(manifest, 0, NULL) : NULL;
	const char *r = json_string_value(json_object_get(json_object_get(m, "provides"), "release"));
	int yes = r && !strcasecmp(r, release);

	if (yes)
		snprintf(version, cap, "%s", json_string_value(json_object_get(m, "version")) ?: "0");
	json_decref(m);
	return yes;
}

int ferry_asset_find_release(struct ferry_ctx *ctx, const char *project, const char *type,
			     const char *release, struct ferry_asset *out, struct ferry_error *err)
{
	char best_sha[65] = "", best_project[64] = "", best_ver[64] = "", ver[64];
	struct ferry_stmt *st;
	int rc, clash = 0;

	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT a.sha256, p.name, a.manifest FROM assets a JOIN projects p ON p.id = a.project_id "
		"WHERE a.type = ? AND (? IS NULL OR p.name = ?) ORDER BY p.name, a.id", "ttt",
		type, project, project);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		const char *sha = ferry_stmt_text(st, 0);
		int c;
		if (!provides(ferry_stmt_text(st, 2), release, ver, sizeof(ver)))
			continue;
		c = best_sha[0] ? ferry_version_cmp(ver, best_ver) : 1;
		if (c > 0) {
			snprintf(best_sha, sizeof(best_sha), "%s", sha);
			snprintf(best_project, sizeof(best_project), "%s", ferry_stmt_text(st, 1));
			snprintf(best_ver, sizeof(best_ver), "%s", ver);
			clash = 0;
		} else if (c == 0 && strcmp(sha, best_sha)) {
			clash = 1; /* the same version as different packages: in two projects */
		}
	}
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	if (!best_sha[0])
		return ferry_error_set(err, FERRY_ENOTFOUND, "no %s package of release %s in the asset "
				       "library of %s%s%s", type, release, project ? "project '" : "any project",
				       project ? project : "", project ? "'" : "");
	if (clash)
		return ferry_error_set(err, FERRY_EINVAL, "several projects hold different %s packages of "
				       "release %s, version %s: name the project (--project)", type, release,
				       best_ver);
	return ferry_asset_resolve(ctx, best_project, best_sha, out, err);
}
