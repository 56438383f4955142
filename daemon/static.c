/* SPDX-License-Identifier: MIT */
/* static.c: files ferryd serves as they are: the web UI (assets/web/) and the OpenAPI
 * document (assets/openapi.json). No directory listings, no dot files, no symlinks out. */
#include "ferryd.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" }, { ".json", "application/json" },
		{ ".svg", "image/svg+xml" }, { ".png", "image/png" }, { ".ico", "image/x-icon" },
		{ ".webmanifest", "application/manifest+json" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static enum MHD_Result send_file(struct api_req *r, const char *file)
{
	struct MHD_Response *resp;
	struct stat st;
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return api_error(r, 404, "not-found", "no such file: %s", r->path);
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return r->ret = MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", content_type(file));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy",
		"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
	r->status = 200;
	r->ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return r->ret;
}

enum MHD_Result static_serve(struct api_req *r)
{
	const char *p = !strcmp(r->path, "/") ? "/index.html" : r->path;
	char file[1024];

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return api_error(r, 405, "method-not-allowed", "%s is not allowed on %s", r->method, r->path);
	if (p[0] != '/' || strstr(p, "/.") || strstr(p, "//") || strchr(p, '\\'))
		return api_error(r, 404, "not-found", "no such file: %s", r->path);
	if (snprintf(file, sizeof(file), "%s/web%s", r->d->cfg.assets, p) >= (int)sizeof(file))
		return api_error(r, 404, "not-found", "no such file: %s", r->path);
	return send_file(r, file);
}

enum MHD_Result api_openapi(struct api_req *r)
{
	char file[1024];

	snprintf(file, sizeof(file), "%s/openapi.json", r->d->cfg.assets);
	return send_file(r, file);
}
