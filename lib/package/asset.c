/* SPDX-License-Identifier: MIT */
/* asset.c: the asset library: content-addressed package files, their records per
 * project, references, and verified extraction for the servicing engine. */
#include "ferry/package/asset.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include "ferry/base/sha256.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ASSET_COLS "a.id, a.project_id, p.name, a.sha256, a.name, a.version, a.type, a.size, " \
		   "a.container, a.key_id, a.signer, a.uploaded_ms, a.uploaded_by"

static void copy_text(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

static void asset_from_row(struct ferry_stmt *st, struct ferry_asset *a)
{
	memset(a, 0, sizeof(*a));
	a->id = ferry_stmt_int(st, 0);
	a->project_id = ferry_stmt_int(st, 1);
	copy_text(a->project, sizeof(a->project), ferry_stmt_text(st, 2));
	copy_text(a->sha256, sizeof(a->sha256), ferry_stmt_text(st, 3));
	copy_text(a->name, sizeof(a->name), ferry_stmt_text(st, 4));
	copy_text(a->version, sizeof(a->version), ferry_stmt_text(st, 5));
	copy_text(a->type, sizeof(a->type), ferry_stmt_text(st, 6));
	a->size = (uint64_t)ferry_stmt_int(st, 7);
	copy_text(a->container, sizeof(a->container), ferry_stmt_text(st, 8));
	copy_text(a->key_id, sizeof(a->key_id), ferry_stmt_text(st, 9));
	copy_text(a->signer, sizeof(a->signer), ferry_stmt_text(st, 10));
	a->uploaded_ms = ferry_stmt_int(st, 11);
	copy_text(a->uploaded_by, sizeof(a->uploaded_by), ferry_stmt_text(st, 12));
}

json_t *ferry_asset_to_json(const struct ferry_asset *a)
{
	char iso[32], id[13];

	ferry_time_iso(a->uploaded_ms, iso);
	snprintf(id, sizeof(id), "%.12s", a->sha256);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "id", id, "sha256", a->sha256, "project", a->project, "name", a->name,
			 "version", a->version, "size", (json_int_t)a->size, "type", a->type,
			 "container", a->container, "key_id", a->key_id,
			 "signer", a->signer[0] ? a->signer : (a->key_id[0] ? a->key_id : "unsigned"),
			 "uploaded", iso, "uploaded_by", a->uploaded_by);
}

char *ferry_asset_blob_path(struct ferry_ctx *ctx, const char *sha256)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "assets/%.2s/%s", sha256, sha256);
	return ferry_ctx_path(ctx, rel);
}

/* ---- resolve ---- */

static int is_hex(const char *s, size_t *n)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	*n = i;
	return 1;
}

int ferry_asset_resolve(struct ferry_ctx *ctx, const char *project, const char *ref,
			struct ferry_asset *out, struct ferry_error *err)
{
	char pat[80], name[64] = "", where[96];
	const char *at = strchr(ref, '@'), *ver = "";
	struct ferry_stmt *st;
	size_t n = 0;
	int rc, found = 0;

	if (at && (size_t)(at - ref) < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(at - ref), ref);
		ver = at + 1;
	} else if (!is_hex(ref, &n) || n < 8 || n > 64) {
		return ferry_error_set(err, FERRY_EINVAL,
			"asset reference '%s': use a SHA-256 (or a unique prefix of 8+ hex digits) or NAME@VERSION",
			ref);
	}
	snprintf(pat, sizeof(pat), "%s%%", ref);
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " ASSET_COLS " FROM assets a JOIN projects p ON p.id = a.project_id "
		"WHERE (? IS NULL OR p.name = ?) AND "
		"((? = 1 AND a.name = ? AND a.version = ?) OR (? = 0 AND a.sha256 LIKE ?)) "
		"ORDER BY p.name, a.id", "ttdttdt", project, project, at ? 1 : 0, name, ver,
		at ? 1 : 0, pat);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		if (found++ == 0)
			asset_from_row(st, out);
	}
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	snprintf(where, sizeof(where), project ? "project '%s'" : "any project%s", project ? project : "");
	if (found == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND, "no asset '%s' in %s: see 'ferry asset list%s%s'",
				       ref, where, project ? " --project " : "", project ? project : "");
	if (found > 1)
		return ferry_error_set(err, FERRY_EINVAL,
			"asset reference '%s' matches %d assets in %s: give more of the SHA-256%s",
			ref, found, where, project ? "" : " or --project");
	return 0;
}

/* ---- storing files ---- */

/* Copy src to a temporary file in dir, hashing it; caller renames or unlinks *tmp. */
static int copy_hashed(const char *src, const char *dir, char *tmp, size_t cap, char hex[65],
		       uint64_t *size, struct ferry_error *err)
{
	struct ferry_sha256 h = { NULL };
	static char buf[1 << 17];
	ssize_t n;
	int in, out, rc = 0;

	*size = 0;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return ferry_error_errno(err, errno == ENOENT ? FERRY_ENOTFOUND : FERRY_EIO, errno,
					 "cannot open %s", src);
	if (ferry_fmt(tmp, cap, err, "path", "%s/.upload-XXXXXX", dir)) {
		close(in);
		return FERRY_EINVAL;
	}
	if ((out = mkostemp(tmp, O_CLOEXEC)) < 0) {
		close(in);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a file in %s", dir);
	}
	if (ferry_sha256_init(&h))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	while (!rc && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "copying %s", src);
			break;
		}
		ferry_sha256_update(&h, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	if (!rc && (fchmod(out, 0444) < 0 || fsync(out) < 0))
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", tmp);
	close(in);
	close(out);
	if (rc) {
		ferry_sha256_release(&h);
		unlink(tmp);
		return rc;
	}
	ferry_sha256_final_hex(&h, hex);
	return 0;
}

static int insert_asset(struct ferry_ctx *ctx, const struct ferry_project *p, const char *sha,
			uint64_t size, const struct ferry_intake *in, const struct ferry_pkg_check *c,
			struct ferry_asset *out, int *existed, struct ferry_error *err)
{
	const struct ferry_manifest *m = in->manifest;
	int rc;

	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if (ferry_asset_resolve(ctx, p->name, sha, out, NULL) == 0) {
		*existed = 1;
		ferry_store_rollback(ctx->store);
		return 0;
	}
	{
		char ref[160];
		snprintf(ref, sizeof(ref), "%s@%s", m->name, m->version);
		if (ferry_asset_resolve(ctx, p->name, ref, out, NULL) == 0) {
			ferry_store_rollback(ctx->store);
			return ferry_error_set(err, FERRY_EEXIST,
				"project '%s' already holds %s as a different package (%.12s): "
				"packages are immutable, give the new one a new version", p->name, ref, out->sha256);
		}
	}
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO assets(project_id, sha256, name, version, type, size, container, key_id, signer, "
		"manifest, uploaded_ms, uploaded_by) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"ittttittttit", p->id, sha, m->name, m->version, ferry_pkg_type_name(m->type), (int64_t)size,
		in->container, c->is_signed ? c->sig.key_id : "", c->signer, in->manifest_bytes,
		ferry_now_ms(), ctx->actor ? ctx->actor : "");
	if (!rc)
		rc = ferry_asset_resolve(ctx, p->name, sha, out, err);
	if (rc) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	return ferry_store_commit(ctx->store, err);
}

int ferry_asset_upload(struct ferry_ctx *ctx, const char *project, const char *file,
		       struct ferry_asset *out, int *existed, struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_pkg_check c;
	struct ferry_intake *in = NULL;
	char tmp[PATH_MAX], sha[65], *dir = NULL, *blob = NULL, *sub = NULL;
	uint64_t size;
	int rc, fresh = 0;

	*existed = 0;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	dir = ferry_ctx_path(ctx, "assets");
	if (!dir)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_mkdir_p(dir, 0700, err)) ||
	    (rc = copy_hashed(file, dir, tmp, sizeof(tmp), sha, &size, err)))
		goto out;
	/* verify the copy we keep, not the caller's file (which may change) */
	if ((rc = ferry_package_intake(ctx, tmp, project, NULL, &c, &in, err))) {
		unlink(tmp);
		ferry_error_prefix(err, "refusing upload of %s", file);
		goto out;
	}
	blob = ferry_asset_blob_path(ctx, sha);
	sub = blob ? strdup(blob) : NULL;
	if (!sub) {
		unlink(tmp);
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	*strrchr(sub, '/') = '\0';
	if ((rc = ferry_mkdir_p(sub, 0700, err))) {
		unlink(tmp);
		goto out;
	}
	if (!ferry_path_exists(blob)) {
		fresh = 1;
		if (rename(tmp, blob) < 0) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot store %s", blob);
			unlink(tmp);
			goto out;
		}
		ferry_fsync_dir(sub, NULL);
	} else {
		unlink(tmp);   /* stored once: the existing copy is re-checked before every use */
	}
	rc = insert_asset(ctx, &p, sha, size, in, &c, out, existed, err);
	if (rc && fresh)
		unlink(blob);
out:
	ferry_intake_free(in);
	free(dir);
	free(blob);
	free(sub);
	return rc;
}

/* ---- listing ---- */

/* A row of the list: the asset and how many things reference it. */
static json_t *asset_row(struct ferry_stmt *st, void *arg)
{
	struct ferry_asset a;
	json_t *o;

	(void)arg;
	asset_from_row(st, &a);
	o = ferry_asset_to_json(&a);
	json_object_set_new(o, "refs", json_integer(ferry_stmt_int(st, 13)));
	return o;
}

int ferry_asset_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	int rc;

	if (project && (rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " ASSET_COLS ", (SELECT count(*) FROM asset_refs r WHERE r.asset_id = a.id) "
		"FROM assets a JOIN projects p ON p.id = a.project_id "
		"WHERE (? IS NULL OR p.name = ?) ORDER BY p.name, a.name, a.id", "tt", project, project);
	return rc ? rc : ferry_stmt_json_rows(st, asset_row, NULL, out, err);
}

static json_t *ref_row(struct ferry_stmt *st, void *arg)
{
	(void)arg;
	return json_pack("{s:s, s:s}", "kind", ferry_stmt_text(st, 0), "ref", ferry_stmt_text(st, 1));
}

static int refs_json(struct ferry_ctx *ctx, int64_t id, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT kind, ref FROM asset_refs WHERE asset_id = ? ORDER BY kind, ref", "i", id);

	*out = NULL;
	return rc ? rc : ferry_stmt_json_rows(st, ref_row, NULL, out, err);
}

int ferry_asset_show(struct ferry_ctx *ctx, const char *project, const char *ref, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_asset a;
	struct ferry_stmt *st;
	json_t *o, *refs;
	int rc;

	if ((rc = ferry_asset_resolve(ctx, project, ref, &a, err)) ||
	    (rc = refs_json(ctx, a.id, &refs, err)))
		return rc;
	o = ferry_asset_to_json(&a);
	json_object_set_new(o, "references", refs);
	rc = ferry_store_query(ctx->store, &st, err, "SELECT manifest FROM assets WHERE id = ?", "i", a.id);
	if (!rc && ferry_stmt_step(st, err) == 1)
		json_object_set_new(o, "manifest", json_loads(ferry_stmt_text(st, 0), 0, NULL));
	ferry_stmt_free(st);
	*out = o;
	return 0;
}

/* ---- using a stored file ---- */

static int check_blob(struct ferry_ctx *ctx, const struct ferry_asset *a, char **blob,
		      struct ferry_error *err)
{
	char sha[65];
	uint64_t size;
	int rc;

	*blob = ferry_asset_blob_path(ctx, a->sha256);
	if (!*blob)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_file_sha256(*blob, sha, &size, err)))
		return ferry_error_prefix(err, "asset %s@%s: stored package unreadable", a->name, a->version);
	if (strcmp(sha, a->sha256))
		return ferry_error_set(err, FERRY_EVERIFY,
			"asset %s@%s: the stored package %s is damaged (its SHA-256 is now %s): "
			"remove it and upload the package again", a->name, a->version, *blob, sha);
	return 0;
}

int ferry_asset_download(struct ferry_ctx *ctx, const char *project, const char *ref,
			 const char *out_file, struct ferry_error *err)
{
	struct ferry_asset a;
	char *blob = NULL, tmp[PATH_MAX], sha[65], dir[PATH_MAX], *slash;
	uint64_t size;
	int rc;

	if ((rc = ferry_asset_resolve(ctx, project, ref, &a, err)) ||
	    (rc = check_blob(ctx, &a, &blob, err)))
		goto out;
	if ((rc = ferry_fmt(dir, sizeof(dir), err, "output path", "%s", out_file)))
		goto out;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if ((rc = copy_hashed(blob, dir, tmp, sizeof(tmp), sha, &size, err)))
		goto out;
	if (strcmp(sha, a.sha256) || chmod(tmp, 0644) < 0 || rename(tmp, out_file) < 0) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot write %s", out_file);
		unlink(tmp);
	}
out:
	free(blob);
	return rc;
}

int ferry_asset_extract(struct ferry_ctx *ctx, const char *project, const char *ref,
			const char *dest_dir, struct ferry_manifest **manifest,
			struct ferry_error *err)
{
	struct ferry_asset a;
	char *blob = NULL;
	int rc;

	if (manifest)
		*manifest = NULL;
	if (!project)
		return ferry_error_set(err, FERRY_EINVAL, "extracting an asset needs its project");
	if ((rc = ferry_asset_resolve(ctx, project, ref, &a, err)) ||
	    (rc = check_blob(ctx, &a, &blob, err)))
		goto out;
	if ((rc = ferry_package_extract(ctx, blob, project, dest_dir, manifest, err)))
		ferry_error_prefix(err, "asset %s@%s", a.name, a.version);
out:
	free(blob);
	return rc;
}

/* ---- references and removal ---- */

static int in_own_tx(struct ferry_ctx *ctx, int *own, struct ferry_error *err)
{
	*own = !ferry_store_in_tx(ctx->store);
	return *own ? ferry_store_begin(ctx->store, err) : 0;
}

static int end_own_tx(struct ferry_ctx *ctx, int own, int rc, struct ferry_error *err)
{
	if (!own)
		return rc;
	if (rc) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	return ferry_store_commit(ctx->store, err);
}

int ferry_asset_ref_add(struct ferry_ctx *ctx, int64_t asset_id, const char *kind,
			const char *ref, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int own, rc = in_own_tx(ctx, &own, err);

	if (rc)
		return rc;
	if (!(rc = ferry_store_query(ctx->store, &st, err, "SELECT 1 FROM assets WHERE id = ?", "i", asset_id))) {
		if ((rc = ferry_stmt_step(st, err)) == 0)
			rc = ferry_error_set(err, FERRY_ENOTFOUND, "no asset with id %lld", (long long)asset_id);
		ferry_stmt_free(st);
	}
	if (rc == 1)
		rc = ferry_store_run(ctx->store, err,
			"INSERT INTO asset_refs(asset_id, kind, ref, created_ms) VALUES(?, ?, ?, ?) "
			"ON CONFLICT (asset_id, kind, ref) DO NOTHING", "itti", asset_id, kind, ref, ferry_now_ms());
	return end_own_tx(ctx, own, rc, err);
}

int ferry_asset_ref_drop(struct ferry_ctx *ctx, int64_t asset_id, const char *kind,
			 const char *ref, struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"DELETE FROM asset_refs WHERE asset_id = ? AND kind = ? AND ref = ?", "itt", asset_id, kind, ref);
}

int ferry_asset_rm(struct ferry_ctx *ctx, const char *project, const char *ref,
		   struct ferry_error *err)
{
	struct ferry_asset a;
	struct ferry_stmt *st;
	char users[512] = "";
	size_t len = 0;
	int rc, n = 0, others = 0;

	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_asset_resolve(ctx, project, ref, &a, err)))
		goto fail;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT kind, ref FROM asset_refs WHERE asset_id = ? ORDER BY kind, ref", "i", a.id)))
		goto fail;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		int w = snprintf(users + len, sizeof(users) - len, "%s%s '%s'", n++ ? ", " : "",
				 ferry_stmt_text(st, 0), ferry_stmt_text(st, 1));
		if (w > 0 && (size_t)w < sizeof(users) - len)
			len += (size_t)w;
	}
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	if (n > 0) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"asset %s@%s (%.12s) is in use by %s: it can be removed once nothing references it",
			a.name, a.version, a.sha256, users);
		goto fail;
	}
	if ((rc = ferry_store_run(ctx->store, err, "DELETE FROM assets WHERE id = ?", "i", a.id)))
		goto fail;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT count(*) FROM assets WHERE sha256 = ?", "t", a.sha256)))
		goto fail;
	if (ferry_stmt_step(st, err) == 1)
		others = (int)ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	if ((rc = ferry_store_commit(ctx->store, err)))
		return rc;
	if (others == 0) {
		char *blob = ferry_asset_blob_path(ctx, a.sha256);
		if (blob)
			unlink(blob);
		free(blob);
	}
	return 0;
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}
