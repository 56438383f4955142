/* SPDX-License-Identifier: MIT */
/* api_keys.c: signing keys and each project's trust (`ferry key list|trust|revoke`).
 * `key generate` and `key export` of private keys stay with the CLI on the home: a
 * private key is made where it is kept and never travels over HTTP. */
#include "ferryd.h"

#include "ferry/store/ctx.h"
#include "ferry/package/keys.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* GET /api/keys[?project=P]: the home's keys, or the keys project P trusts or revoked.
 * A scoped token sees its project's. */
/* The home's keys (project NULL), or the keys a project trusts or revoked. */
static int keys_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err)
{
	return project ? ferry_key_list_project(ctx, project, out, err) : ferry_key_list(ctx, out, err);
}

enum MHD_Result api_keys_list(struct api_req *r)
{
	return api_scoped_read(r, keys_list);
}

/* Write a public key document to a private temporary file (caller unlinks, frees). */
static char *doc_file(struct api_req *r, json_t *doc, struct ferry_error *err)
{
	char *dir = ferry_ctx_path(r->ctx, "tmp"), *path = NULL;
	FILE *f;
	int fd;

	if (!dir || ferry_mkdir_p(dir, 0700, err))
		goto out;
	if (!(path = malloc(strlen(dir) + 32)))
		goto out;
	snprintf(path, strlen(dir) + 32, "%s/pubkey-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		ferry_error_set(err, FERRY_EIO, "cannot write a temporary file in %s", dir);
		free(path);
		path = NULL;
		goto out;
	}
	json_dumpf(doc, f, JSON_COMPACT);
	fclose(f);
out:
	free(dir);
	return path;
}

/* POST /api/projects/{project}/keys {"key": NAME|KEYID} or {"document": {public key
 * document of `ferry key export`}}: the project trusts it. Never a server path. */
enum MHD_Result api_keys_trust(struct api_req *r)
{
	const char *name = NULL;
	struct ferry_error err;
	struct ferry_key k;
	json_t *b, *doc;
	char *file = NULL;
	int rc;

	if (!(b = api_body(r)) || api_member_str(r, b, "key", 0, &name))
		return r->ret;
	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]))
		return r->ret;
	doc = json_object_get(b, "document");
	if (!name == !doc || (doc && !json_is_object(doc)))
		return api_error(r, 400, "invalid", "give 'key' (a key name or id of this home) or "
				 "'document' (the object 'ferry key export' prints)");
	ferry_error_clear(&err);
	if (name) { /* a name or id, resolved here so it is never read as a file */
		if (ferry_key_get(r->ctx, name, &k, &err))
			return api_ferror(r, &err);
		name = k.key_id;
	} else if (!(file = doc_file(r, doc, &err))) {
		return api_ferror(r, &err);
	}
	snprintf(r->target, sizeof(r->target), "%s", name ? name : "document");
	rc = ferry_key_trust(r->ctx, r->params[0], name ? name : file, &k, &err);
	if (file)
		unlink(file);
	free(file);
	if (rc)
		return api_ferror(r, &err);
	snprintf(r->target, sizeof(r->target), "%s", k.key_id);
	return api_json(r, 200, ferry_key_to_json(&k));
}

/* DELETE /api/projects/{project}/keys/{key}: revoked for good (recorded). */
enum MHD_Result api_keys_revoke(struct api_req *r)
{
	struct ferry_error err;
	struct ferry_key k;

	snprintf(r->target, sizeof(r->target), "%s", r->params[1]);
	if (auth_allow(r, FERRY_TOKEN_ADMIN, r->params[0]))
		return r->ret;
	if (strchr(r->params[1], '/'))
		return api_error(r, 400, "invalid", "a key is named by its name or key id");
	ferry_error_clear(&err);
	if (ferry_key_revoke(r->ctx, r->params[0], r->params[1], &k, &err))
		return api_ferror(r, &err);
	return api_json(r, 200, ferry_key_to_json(&k));
}
