/* SPDX-License-Identifier: MIT */
/* asset.h: each project's asset library: verified packages stored once by SHA-256
 * under <home>/assets/, references that keep them, and verified extraction. */
#ifndef FERRY_ASSET_H
#define FERRY_ASSET_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;
struct ferry_manifest;

struct ferry_asset {
	int64_t id;
	int64_t project_id;
	char project[64];
	char sha256[65];          /* of the whole package file: its identity */
	char name[64];
	char version[64];
	char type[16];
	uint64_t size;
	char container[16];       /* zip, tar.gz, tar.zst */
	char key_id[17];          /* "" when unsigned */
	char signer[64];          /* recorded key name, "" when unknown */
	int64_t uploaded_ms;
	char uploaded_by[64];
};

/* Verify (entries, hashes, signature, the project's trust) and add the package to
 * the project's library. The same bytes again are not stored twice: *existed = 1
 * and *out is the existing asset. A different package with the same name@version
 * is refused (FERRY_EEXIST). */
int ferry_asset_upload(struct ferry_ctx *ctx, const char *project, const char *file,
		       struct ferry_asset *out, int *existed, struct ferry_error *err);

/* Resolve REF in a project (project NULL: in every project, refused when ambiguous).
 * REF is a full SHA-256, a unique prefix of at least 8 hex digits, or name@version. */
int ferry_asset_resolve(struct ferry_ctx *ctx, const char *project, const char *ref,
			struct ferry_asset *out, struct ferry_error *err);

/* The package of `type` ("application") that provides `release` (provides.release,
 * compared case-insensitively) in a project (NULL: every project), the highest version
 * when several do. FERRY_ENOTFOUND when none does; FERRY_EINVAL when projects hold
 * different packages of that version (name the project). */
int ferry_asset_find_release(struct ferry_ctx *ctx, const char *project, const char *type,
			     const char *release, struct ferry_asset *out, struct ferry_error *err);

/* Listing rows (type, name, version, size, signer, uploaded, id, sha256, refs). */
int ferry_asset_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		     struct ferry_error *err);
/* One asset with its manifest and references; caller owns *out. */
int ferry_asset_show(struct ferry_ctx *ctx, const char *project, const char *ref, json_t **out,
		     struct ferry_error *err);
json_t *ferry_asset_to_json(const struct ferry_asset *a);

/* Copy the stored package to out_file (atomically), after re-checking its SHA-256. */
int ferry_asset_download(struct ferry_ctx *ctx, const char *project, const char *ref,
			 const char *out_file, struct ferry_error *err);
/* Remove from the project's library; refused (FERRY_ESTATE) while referenced. The
 * stored file goes when no project holds it any more. */
int ferry_asset_rm(struct ferry_ctx *ctx, const char *project, const char *ref,
		   struct ferry_error *err);

/* References that keep an asset (kind: "environment", "operation", ...; ref: the
 * environment name or operation id). They join the caller's open transaction, or
 * run in their own. Adding an existing reference is a no-op; dropping a missing
 * one is too. */
int ferry_asset_ref_add(struct ferry_ctx *ctx, int64_t asset_id, const char *kind,
			const char *ref, struct ferry_error *err);
int ferry_asset_ref_drop(struct ferry_ctx *ctx, int64_t asset_id, const char *kind,
			 const char *ref, struct ferry_error *err);

/* The stored file's path (caller frees); NULL on ENOMEM. */
char *ferry_asset_blob_path(struct ferry_ctx *ctx, const char *sha256);

/* For the servicing engine: re-verify the asset (whole-file SHA-256, every entry and
 * hash, signature, and the project's trust as it is now: a key revoked since upload
 * is refused) and extract it atomically into dest_dir, which must not exist.
 * *manifest (may be NULL) receives the manifest; caller frees it. */
int ferry_asset_extract(struct ferry_ctx *ctx, const char *project, const char *ref,
			const char *dest_dir, struct ferry_manifest **manifest,
			struct ferry_error *err);

#endif
