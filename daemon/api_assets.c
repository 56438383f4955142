/* SPDX-License-Identifier: MIT */
/* api_assets.c: the asset library (`ferry asset upload|list|show|download|rm`).
 * Uploads arrive streamed into a private temporary file (http.c, --upload-limit, 413
 * past it) and go through ferry_asset_upload like `ferry asset upload FILE`;
 * downloads are ferry_asset_download (the SHA-256 re-checked) streamed from a file. */
#include "ferryd.h"

#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A private file under <home>/tmp named prefix-XXXXXX, open for writing. */
int api_tmpfile(struct api_req *r, const char *prefix, char *path, size_t cap, int *fd)
{
	struct ferry_error err;
	char *dir;

	ferry_error_clear(&err);
	if (!(dir = ferry_ctx_path(r->ctx, "tmp")) || ferry_mkdir_p(dir, 0700, &err)) {
		free(dir);
		return -1;
	}
	snprintf(path, cap, "%s/%s-XXXXXX", dir, prefix);
	free(dir);
	*fd = mkstemp(path);
	return *fd < 0 ? -1 : 0;
}

/* The project of a request that names none: a scoped token's own. */
static const char *asset_project(struct api_req *r)
{
	const char *p = api_query(r, "project");

	return p ? p : r->tok.project[0] ? r->tok.project : NULL;
}

enum MHD_Result api_assets_list(struct api_req *r)
{
	const char *project = asset_project(r);
	struct ferry_error err;
	json_t *arr;

	if (project && auth_allow(r, FERRY_TOKEN_VIEWER, project))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_asset_list(r->ctx, project, &arr, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, arr);
}

/* Resolve {asset} (sha256, prefix or name@version) in ?project= and check the caller. */
static int asset_access(struct api_req *r, enum ferry_token_role need, struct ferry_asset *a)
{
	const char *project = api_query(r, "project");
	struct ferry_error err;

	if (project && auth_allow(r, need, project)) /* a project out of scope: 403, not 404 */
		return -1;
	ferry_error_clear(&err);
	if (ferry_asset_resolve(r->ctx, asset_project(r), r->params[0], a, &err))
		return api_ferror(r, &err), -1;
	return auth_allow(r, need, a->project);
}

enum MHD_Result api_assets_get(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_asset a;
	json_t *o;

	if (asset_access(r, FERRY_TOKEN_VIEWER, &a))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_asset_show(r->ctx, a.project, a.sha256, &o, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, o);
}

enum MHD_Result api_assets_delete(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_asset a;

	if (asset_access(r, FERRY_TOKEN_OPERATOR, &a))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_asset_rm(r->ctx, a.project, a.sha256, &err))
		return api_ferror(r, &err);
	return api_no_content(r);
}

enum MHD_Result api_assets_download(struct api_req *r)
{
	static const char *const ext[][2] = { { "zip", "zip" }, { "tar.gz", "tar.gz" },
					      { "tar.zst", "tar.zst" } };
	struct MHD_Response *resp;
	struct ferry_error err;
	struct ferry_asset a;
	char path[4096], disp[256];
	const char *e = "pkg";
	struct stat sb;
	size_t i;
	int fd;

	if (asset_access(r, FERRY_TOKEN_VIEWER, &a))
		return r->ret;
	if (api_tmpfile(r, "download", path, sizeof(path), &fd))
		return api_error(r, 500, "io", "cannot make a temporary file under the ferry home");
	close(fd);
	ferry_error_clear(&err);
	if (ferry_asset_download(r->ctx, a.project, a.sha256, path, &err)) {
		unlink(path);
		return api_ferror(r, &err);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path); /* the open descriptor keeps it until the response is sent */
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return api_error(r, 500, "io", "cannot read the downloaded copy: %s", strerror(errno));
	}
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (!strcmp(a.container, ext[i][0]))
			e = ext[i][1];
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%s.%s\"", a.name, a.version, e);
	if (!(resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd))) {
		close(fd);
		return r->ret = MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "X-Content-SHA256", a.sha256);
	MHD_add_response_header(resp, "X-Activity-Id", r->activity);
	r->status = 200;
	r->ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

/* The body was streamed to r->upload_path by http.c; the library takes it from there. */
enum MHD_Result api_assets_upload(struct api_req *r)
{
	const char *project = api_query(r, "project");
	struct ferry_error err;
	struct ferry_asset a;
	int existed = 0;
	json_t *o;

	if (!project)
		return api_error(r, 400, "invalid", "missing query 'project': POST /api/assets?project=P");
	if (auth_allow(r, FERRY_TOKEN_OPERATOR, project))
		return r->ret;
	if (!r->upload_path[0] || !r->upload_bytes)
		return api_error(r, 400, "invalid", "the request body is the package file: send it "
				 "with Content-Type: application/octet-stream");
	ferry_error_clear(&err);
	if (ferry_asset_upload(r->ctx, project, r->upload_path, &a, &existed, &err))
		return api_ferror(r, &err);
	snprintf(r->target, sizeof(r->target), "%s@%s", a.name, a.version);
	o = ferry_asset_to_json(&a);
	json_object_set_new(o, "existed", json_boolean(existed));
	return api_json(r, existed ? 200 : 201, o);
}
