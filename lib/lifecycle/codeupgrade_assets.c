/* SPDX-License-Identifier: MIT */
/* codeupgrade_assets.c: the vendor's model sources of a release from the asset library:
 * the application package that provides the release, verified and extracted
 * (ferry_asset_extract: signature, the project's trust, every hash), its "model_sources"
 * directory handed to the vendor base builder (codeupgrade_vendor.c). */
#include "lifecycle/codeupgrade_int.h"

#include "ferry/base/util.h"
#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What to do when the library has no package for the release. */
static int missing(struct up *u, const char *release, struct ferry_error *ferr)
{
	const char *p = u->o->project;

	return ferry_error_set(u->err, FERRY_ENOTFOUND,
		"no vendor base 'vendor/%s' in the repository, and %s: upload the vendor's "
		"application package of release %s (type application, provides.release %s, with its "
		"model sources) with 'ferry asset upload FILE --project %s', or give --vendor-dir DIR",
		release, ferr->msg, release, release, p ? p : "P");
}

int ferry_cu_library_sources(struct up *u, const char *release, char **tmp, char **dir,
			     char *from, size_t cap)
{
	struct ferry_ctx *ctx = u->o->ctx;
	json_t *m = NULL;
	const char *msrc;
	char *mpath = NULL;
	struct ferry_asset a;
	struct ferry_error ferr;
	char *pkg = NULL, ref[200];
	int rc;

	*tmp = *dir = NULL;
	ferry_error_clear(&ferr);
	if ((rc = ferry_asset_find_release(ctx, u->o->project, "application", release, &a, &ferr)))
		return rc == FERRY_ENOTFOUND ? missing(u, release, &ferr)
					     : ferry_error_set(u->err, rc, "%s", ferr.msg);
	snprintf(ref, sizeof(ref), "%s@%s", a.name, a.version);
	snprintf(from, cap, "the model sources of %s (%.12s)", ref, a.sha256);
	if (!(*tmp = ferry_path_join(ferry_settings_tmp_dir(&ctx->settings), "ferry-vendor.XXXXXX")) ||
	    !mkdtemp(*tmp)) {
		rc = ferry_error_errno(u->err, FERRY_EIO, errno, "cannot create a temporary directory");
		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	if (!(pkg = ferry_path_join(*tmp, "package")))
		return ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_asset_extract(ctx, a.project, a.sha256, pkg, NULL, u->err))) {
		ferry_error_prefix(u->err, "application package %s of release %s (project '%s')", ref,
				   release, a.project);
		goto out;
	}
	/* the manifest extracted with it is the one just verified (and its "model_sources"
	 * checked: a payload directory, package/manifest.c) */
	if (!(mpath = ferry_path_join(pkg, "manifest.json"))) {
		rc = ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	m = json_load_file(mpath, 0, NULL);
	if (!(msrc = json_string_value(json_object_get(m, "model_sources")))) {
		rc = ferry_error_set(u->err, FERRY_ENOTFOUND,
			"no vendor base 'vendor/%s' in the repository, and the application package %s of "
			"release %s (project '%s') carries no model sources (manifest \"model_sources\"): "
			"upload one that does with 'ferry asset upload FILE --project %s', or give --vendor-dir DIR",
			release, ref, release, a.project, a.project);
		goto out;
	}
	if (!(*dir = ferry_path_join(pkg, msrc)))
		rc = ferry_error_set(u->err, FERRY_ENOMEM, "out of memory");
out:
	json_decref(m);
	free(mpath);
	free(pkg);
	return rc;
}
