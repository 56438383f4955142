/* SPDX-License-Identifier: MIT */
/* package.h: building, inspecting and verifying deployable packages (docs/PACKAGES.md),
 * and the trust policy a project applies to them. */
#ifndef FERRY_PACKAGE_H
#define FERRY_PACKAGE_H

#include <jansson.h>
#include <stdint.h>

#include "ferry/package/archive.h"
#include "ferry/package/keys.h"

struct ferry_ctx;
struct ferry_error;
struct ferry_manifest;

/* Build DIR (holding manifest.json and the payload) into out_file; the container
 * follows the suffix (.zip, .tar.gz/.tgz, .tar.zst). key: sign with that key of the
 * home (ctx may be NULL when key is NULL). Fills payload (path, size, mode, sha256)
 * and, for tar containers, "build": {"container": "canonical-tar-1"}. Writes
 * atomically. *summary (may be NULL) gets name, version, files, sha256 of the file. */
int ferry_package_build(struct ferry_ctx *ctx, const char *dir, const char *out_file,
			const char *key, json_t **summary, struct ferry_error *err);

/* What verification established. */
struct ferry_pkg_check {
	struct ferry_ctx *ctx;        /* may be NULL: no trust lookup */
	const char *path;             /* the package file (its seal is checked) */
	const char *project;          /* NULL: signature checked, trust not */
	int64_t project_id;
	int allow_unsigned;
	/* results */
	int is_signed;
	struct ferry_sig sig;
	char signer[64];              /* name recorded for the key, or "" */
	const char *trust;            /* "trusted", "untrusted", "revoked", "unsigned",
				       * "unsigned-allowed", "untrusted-allowed", "not-checked" */
	const char *seal;             /* "none", "checksum", "signed" */
	/* set by ferry_package_verify: the SHA-256 of the file without the seal's trailer
	 * of a zip, tar.gz and tar.zst (one read of the file gave them with its digest) */
	const char (*seal_prefix)[65];
};

/* The one intake of a package file, behind verify, extract, asset upload and every use
 * of a stored asset: every entry and hash (ferry_archive_intake), the signature, the
 * project's trust (when project is set) and, when the signed manifest says the package
 * is sealed, that no byte of the file was altered. All of it is checked before the
 * first payload byte is written. dest NULL: verify only; else extract atomically into
 * dest (must not exist). *c (may be NULL) gets what was established, *in (may be NULL)
 * what intake read (caller frees). */
int ferry_package_intake(struct ferry_ctx *ctx, const char *path, const char *project,
			 const char *dest, struct ferry_pkg_check *c, struct ferry_intake **in,
			 struct ferry_error *err);

/* ferry_package_intake without dest, plus the whole file's SHA-256: *report (may be
 * NULL) gets a JSON report; *in (may be NULL) what intake read. */
int ferry_package_verify(struct ferry_ctx *ctx, const char *path, const char *project,
			 json_t **report, struct ferry_intake **in, struct ferry_error *err);

/* Read the manifest and signature only (no payload hashing): JSON with the manifest,
 * signature state and container. ctx may be NULL. */
int ferry_package_inspect(struct ferry_ctx *ctx, const char *path, json_t **out,
			  struct ferry_error *err);

/* Extract a package file into dest (must not exist): ferry_package_intake with dest. */
int ferry_package_extract(struct ferry_ctx *ctx, const char *path, const char *project,
			  const char *dest, struct ferry_manifest **manifest,
			  struct ferry_error *err);

/* The seal (docs/PACKAGES.md): build appends it; check finds it by the container's
 * trailer. check: 0 with *state "none" (no seal), "checksum" (unsigned seal, sums
 * every byte) or "signed" (signed by sig's key); FERRY_EVERIFY when a seal is present
 * but any byte of the file, or the seal, was altered. */
int ferry_seal_append(struct ferry_ctx *ctx, const char *path, const char *container,
		      const char *key, struct ferry_error *err);
int ferry_seal_check(const char *path, const char *container, const struct ferry_sig *sig,
		     const char **state, struct ferry_error *err);
/* The same with the SHA-256 (hex) of the file's first size - trailer_len bytes already
 * known (prefix_sha; NULL: read the file for it). */
int ferry_seal_check_hashed(const char *path, const char *container, const struct ferry_sig *sig,
			    const char *prefix_sha, const char **state, struct ferry_error *err);
/* Bytes of the seal's trailer at the end of a file of that container. */
size_t ferry_seal_trailer_len(const char *container);

/* SHA-256 (hex) and size of a file (OpenSSL's SHA-256). */
int ferry_file_sha256(const char *path, char hex[65], uint64_t *size, struct ferry_error *err);
/* The same in one read, plus for each of the n (<= 4) tails[i] the SHA-256 of the file
 * without its last tails[i] bytes into prefix_hex[i]. */
int ferry_file_sha256_cuts(const char *path, const uint64_t *tails, size_t n, char hex[65],
			   char (*prefix_hex)[65], uint64_t *size, struct ferry_error *err);

#endif
