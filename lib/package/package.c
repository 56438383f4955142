/* SPDX-License-Identifier: MIT */
/* package.c: verifying, inspecting and extracting package files; the trust policy. */
#include "ferry/package/package.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/package/manifest.h"
#include "ferry/project/project.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include "ferry/base/sha256.h"
#include <sodium.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ferry_file_sha256(const char *path, char hex[65], uint64_t *size, struct ferry_error *err)
{
	return ferry_file_sha256_cuts(path, NULL, 0, hex, NULL, size, err);
}

/* Hash the file's bytes [at, to) (at p) into h, taking a copy of h at each cut
 * inside, lowest first. */
static void hash_span(struct ferry_sha256 *h, const unsigned char *p, uint64_t at, uint64_t to,
		      const uint64_t *cut, size_t ncut, struct ferry_sha256 *snap)
{
	size_t i, lo;

	for (;;) {
		for (lo = ncut, i = 0; i < ncut; i++)
			if (!snap[i].ctx && cut[i] > at && cut[i] <= to && (lo == ncut || cut[i] < cut[lo]))
				lo = i;
		if (lo == ncut)
			break;
		ferry_sha256_update(h, p, (size_t)(cut[lo] - at));
		p += cut[lo] - at;
		at = cut[lo];
		for (i = 0; i < ncut; i++)   /* equal cuts share the state */
			if (!snap[i].ctx && cut[i] == at)
				ferry_sha256_copy(&snap[i], h);
	}
	ferry_sha256_update(h, p, (size_t)(to - at));
}

int ferry_file_sha256_cuts(const char *path, const uint64_t *tails, size_t n, char hex[65],
			   char (*prefix_hex)[65], uint64_t *size, struct ferry_error *err)
{
	struct ferry_sha256 h = { NULL }, snap[4] = { { NULL } };
	static unsigned char buf[1 << 18];
	uint64_t total = 0, cut[4];
	struct stat st;
	size_t i;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return ferry_error_errno(err, errno == ENOENT ? FERRY_ENOTFOUND : FERRY_EIO, errno,
					 "cannot open %s", path);
	if (n > 4 || fstat(fd, &st) < 0 || ferry_sha256_init(&h)) {
		close(fd);
		return ferry_error_set(err, FERRY_EIO, "cannot hash %s", path);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (i = 0; i < n; i++) {
		cut[i] = tails[i] <= (uint64_t)st.st_size ? (uint64_t)st.st_size - tails[i] : 0;
		if (cut[i] == 0)
			ferry_sha256_copy(&snap[i], &h);
	}
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", path);
			break;
		}
		hash_span(&h, buf, total, total + (uint64_t)r, cut, n, snap);
		total += (uint64_t)r;
	}
	close(fd);
	for (i = 0; i < n; i++) {
		if (!rc && !snap[i].ctx)   /* the file shrank under us */
			rc = ferry_error_set(err, FERRY_EIO, "%s changed while it was read", path);
		if (rc)
			ferry_sha256_release(&snap[i]);
		else
			ferry_sha256_final_hex(&snap[i], prefix_hex[i]);
	}
	if (rc) {
		ferry_sha256_release(&h);
		return rc;
	}
	ferry_sha256_final_hex(&h, hex);
	if (size)
		*size = total;
	return 0;
}

/* The containers a seal may end, in the order of ferry_pkg_check.seal_prefix. */
#define NCONTAINERS 3
static const char *const containers[NCONTAINERS] = { "zip", "tar.gz", "tar.zst" };

/* ---- trust policy ---- */

static int pkg_check_init(struct ferry_pkg_check *c, struct ferry_ctx *ctx, const char *path,
			  const char *project, struct ferry_error *err)
{
	struct ferry_project p;
	int rc;

	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->path = path;
	c->trust = "not-checked";
	c->seal = "none";
	if (sodium_init() < 0)
		return ferry_error_set(err, FERRY_EINTERNAL, "libsodium failed to initialise");
	if (!project)
		return 0;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	c->project = project;
	c->project_id = p.id;
	c->allow_unsigned = p.allow_unsigned;
	return 0;
}

/* The signature, and the project's trust in its key (when a project is given). */
static int check_trust(struct ferry_pkg_check *c, const struct ferry_intake *in,
		       struct ferry_error *err)
{
	enum ferry_trust t;
	int rc;

	c->is_signed = in->sig_bytes != NULL;
	if (c->is_signed) {
		if ((rc = ferry_sig_verify(in->sig_bytes, in->sig_len, in->manifest_bytes,
					   in->manifest_len, &c->sig, err)))
			return rc;
		if (c->ctx)
			ferry_key_trust_state(c->ctx, c->project ? c->project_id : -1, &c->sig, &t,
					      c->signer, NULL);
	}
	if (!c->project)
		return 0;
	if (!c->is_signed) {
		if (c->allow_unsigned) {
			c->trust = "unsigned-allowed";
			return 0;
		}
		c->trust = "unsigned";
		return ferry_error_set(err, FERRY_EVERIFY,
			"package '%s' %s is unsigned and project '%s' accepts only signed packages: "
			"sign it ('ferry package build DIR -o FILE --sign KEY') or allow unsigned packages "
			"('ferry project set %s --allow-unsigned yes')",
			in->manifest->name, in->manifest->version, c->project, c->project);
	}
	if ((rc = ferry_key_trust_state(c->ctx, c->project_id, &c->sig, &t, c->signer, err)))
		return rc;
	if (t == FERRY_TRUST_TRUSTED) {
		c->trust = "trusted";
		return 0;
	}
	if (t == FERRY_TRUST_REVOKED) {
		c->trust = "revoked";
		return ferry_error_set(err, FERRY_EVERIFY,
			"package '%s' %s is signed by key %s (%s), which project '%s' revoked",
			in->manifest->name, in->manifest->version, c->sig.key_id,
			c->signer[0] ? c->signer : "unnamed", c->project);
	}
	if (c->allow_unsigned) {
		c->trust = "untrusted-allowed";
		return 0;
	}
	c->trust = "untrusted";
	return ferry_error_set(err, FERRY_EVERIFY,
		"package '%s' %s is signed by key %s (%s), which project '%s' does not trust: "
		"trust it with 'ferry key trust NAME|PUBKEYFILE --project %s' if you know the signer",
		in->manifest->name, in->manifest->version, c->sig.key_id,
		c->signer[0] ? c->signer : "unknown signer", c->project, c->project);
}

/* A sealed package proves every byte; the signed manifest says whether it must be. */
static int check_seal(struct ferry_pkg_check *c, const struct ferry_intake *in,
		      struct ferry_error *err)
{
	const char *want = in->manifest->build_seal, *psha = NULL;
	size_t i;
	int rc;

	if (want && strcmp(want, "ferry-seal-1"))
		return ferry_error_set(err, FERRY_EVERIFY,
			"manifest.json: build.seal '%s' is unknown to this ferry: upgrade ferry", want);
	if (c->seal_prefix)   /* ferry_package_verify read the file once already */
		for (i = 0; i < NCONTAINERS; i++)
			if (!strcmp(in->container, containers[i]))
				psha = c->seal_prefix[i];
	if ((rc = ferry_seal_check_hashed(c->path, in->container, c->is_signed ? &c->sig : NULL,
					  psha, &c->seal, err)))
		return rc;
	if (want && !strcmp(c->seal, "none"))
		return ferry_error_set(err, FERRY_EVERIFY,
			"seal: manifest.json says the package is sealed, but the seal at the end of the "
			"file is missing or damaged");
	return 0;
}

/* The intake callback: runs once manifest.json and manifest.sig are read, before any
 * payload byte is written: signature, trust, then the seal over every byte. */
static int pkg_check_fn(void *arg, const struct ferry_intake *in, struct ferry_error *err)
{
	struct ferry_pkg_check *c = arg;
	int rc;

	if ((rc = check_trust(c, in, err)))
		return rc;
	return c->path ? check_seal(c, in, err) : 0;
}

/* prefix: the seal's prefix digests per container, already known (verify), or NULL. */
static int package_intake(struct ferry_ctx *ctx, const char *path, const char *project,
			  const char *dest, struct ferry_pkg_check *c, struct ferry_intake **inp,
			  const char (*prefix)[65], struct ferry_error *err)
{
	struct ferry_intake_opts o = { 0 };
	struct ferry_pkg_check own;
	struct ferry_intake *in = NULL;
	int rc;

	if (inp)
		*inp = NULL;
	if (!c)
		c = &own;
	if ((rc = pkg_check_init(c, ctx, path, project, err)))
		return rc;
	c->seal_prefix = prefix;
	ferry_intake_limits_init(&o.limits, ctx ? &ctx->settings : NULL);
	o.check = pkg_check_fn;
	o.check_arg = c;
	if ((rc = ferry_archive_intake(path, NULL, 0, dest, &o, &in, err)))
		return ferry_error_prefix(err, "%s", path);
	if (inp)
		*inp = in;
	else
		ferry_intake_free(in);
	return 0;
}

int ferry_package_intake(struct ferry_ctx *ctx, const char *path, const char *project,
			 const char *dest, struct ferry_pkg_check *c, struct ferry_intake **inp,
			 struct ferry_error *err)
{
	return package_intake(ctx, path, project, dest, c, inp, NULL, err);
}

static json_t *report_json(const char *path, const char *sha, uint64_t size,
			   const struct ferry_intake *in, const struct ferry_pkg_check *c,
			   const char *seal)
{
	json_t *o = ferry_manifest_summary(in->manifest);
	int bad = !o;

	/* a report is whole or not at all (NULL: out of memory) */
	bad |= json_object_set_new(o, "file", json_string(path));
	bad |= json_object_set_new(o, "container", json_string(in->container));
	if (sha) {
		bad |= json_object_set_new(o, "sha256", json_string(sha));
		bad |= json_object_set_new(o, "size", json_integer((json_int_t)size));
	}
	bad |= json_object_set_new(o, "signed", json_boolean(c->is_signed));
	bad |= json_object_set_new(o, "key_id", json_string(c->is_signed ? c->sig.key_id : ""));
	bad |= json_object_set_new(o, "signer", json_string(c->signer));
	bad |= json_object_set_new(o, "trust", json_string(c->trust));
	bad |= json_object_set_new(o, "project", json_string(c->project ? c->project : ""));
	if (seal)
		bad |= json_object_set_new(o, "seal", json_string(seal));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int ferry_package_verify(struct ferry_ctx *ctx, const char *path, const char *project,
			 json_t **report, struct ferry_intake **inp, struct ferry_error *err)
{
	struct ferry_pkg_check c;
	struct ferry_intake *in = NULL;
	char sha[65], prefix[NCONTAINERS][65];
	uint64_t size, tails[NCONTAINERS];
	size_t i;
	int rc;

	if (report)
		*report = NULL;
	if (inp)
		*inp = NULL;
	/* One read of the file: its digest, and the digest of the part a seal covers for
	 * each container's trailer (the intake picks the one of its container). */
	for (i = 0; i < NCONTAINERS; i++)
		tails[i] = ferry_seal_trailer_len(containers[i]);
	if ((rc = ferry_file_sha256_cuts(path, tails, NCONTAINERS, sha, prefix, &size, err)) ||
	    (rc = package_intake(ctx, path, project, NULL, &c, &in, (const char (*)[65])prefix, err)))
		return rc;
	if (report && !(*report = report_json(path, sha, size, in, &c, c.seal))) {
		ferry_intake_free(in);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory reporting on %s", path);
	}
	if (inp)
		*inp = in;
	else
		ferry_intake_free(in);
	return 0;
}

int ferry_package_inspect(struct ferry_ctx *ctx, const char *path, json_t **out,
			  struct ferry_error *err)
{
	struct ferry_intake_opts o = { 0 };
	struct ferry_pkg_check c;
	struct ferry_intake *in = NULL;
	json_t *r;
	int rc;

	*out = NULL;
	if ((rc = pkg_check_init(&c, ctx, NULL, NULL, err)))
		return rc;
	ferry_intake_limits_init(&o.limits, ctx ? &ctx->settings : NULL);
	o.manifest_only = 1;
	if ((rc = ferry_archive_intake(path, NULL, 0, NULL, &o, &in, err)))
		return ferry_error_prefix(err, "%s", path);
	rc = check_trust(&c, in, err);
	r = report_json(path, NULL, 0, in, &c, NULL);
	if (!r || json_object_set_new(r, "signature", json_string(!c.is_signed ? "none" : rc ? "INVALID" : "valid")) ||
	    (rc && json_object_set_new(r, "signature_error", json_string(err ? err->msg : "invalid"))) ||
	    json_object_set(r, "manifest", in->manifest->root)) {
		json_decref(r);
		ferry_intake_free(in);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory reporting on %s", path);
	}
	json_object_del(r, "trust");
	json_object_del(r, "project");
	ferry_intake_free(in);
	ferry_error_clear(err);
	*out = r;
	return 0;
}

int ferry_package_extract(struct ferry_ctx *ctx, const char *path, const char *project,
			  const char *dest, struct ferry_manifest **manifest,
			  struct ferry_error *err)
{
	struct ferry_intake *in = NULL;
	int rc;

	if (manifest)
		*manifest = NULL;
	if ((rc = ferry_package_intake(ctx, path, project, dest, NULL, &in, err)))
		return rc;
	if (manifest) {
		*manifest = in->manifest;
		in->manifest = NULL;
	}
	ferry_intake_free(in);
	return 0;
}
