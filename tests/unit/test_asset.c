/* SPDX-License-Identifier: MIT */
/* test_asset.c: the asset library (lib/package/asset.c): files stored once by SHA-256
 * and shared between projects, references (full hash, unique prefix, name@version,
 * ambiguity), immutability of name@version, re-checks before every use, and removal
 * that keeps a file another project still holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/base/buf.h"
#include "ferry/package/asset.h"
#include "ferry/package/keys.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"

#include <sys/stat.h>
#include <unistd.h>

struct afx {
	struct ufx *u;
	char v10[400], v11[400], other10[400];
};

static void build(struct afx *f, const char *version, const char *text, char *out, size_t cap)
{
	char src[400], p[500], m[256];

	snprintf(src, sizeof(src), "%s/src-%s-%zu", f->u->dir, version, strlen(text));
	snprintf(p, sizeof(p), "%s/bin", src);
	assert_int_equal(ferry_mkdir_p(p, 0755, &f->u->err), 0);
	snprintf(p, sizeof(p), "%s/bin/tool", src);
	ufx_put(p, text);
	snprintf(m, sizeof(m), "{\"format\": 1, \"name\": \"tax\", \"version\": \"%s\", \"type\": \"isv\", "
		 "\"product\": \"finance-operations\"}", version);
	snprintf(p, sizeof(p), "%s/manifest.json", src);
	ufx_put(p, m);
	snprintf(out, cap, "%s/tax-%s-%zu.tar.zst", f->u->dir, version, strlen(text));
	if (ferry_package_build(f->u->ctx, src, out, "k1", NULL, &f->u->err))
		fail_msg("build: %s", f->u->err.msg);
}

static int setup(void **state)
{
	static const char *const envs[] = { NULL };
	struct afx *f = calloc(1, sizeof(*f));
	struct ferry_key k;

	f->u = ufx_new("asset", NULL);
	ufx_project(f->u, "p1", envs);
	ufx_project(f->u, "p2", envs);
	assert_int_equal(ferry_key_generate(f->u->ctx, "k1", &k, &f->u->err), 0);
	assert_int_equal(ferry_key_trust(f->u->ctx, "p1", "k1", &k, &f->u->err), 0);
	assert_int_equal(ferry_key_trust(f->u->ctx, "p2", "k1", &k, &f->u->err), 0);
	build(f, "1.0", "one\n", f->v10, sizeof(f->v10));
	build(f, "1.1", "two\n", f->v11, sizeof(f->v11));
	build(f, "1.0", "another one\n", f->other10, sizeof(f->other10));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct afx *f = *state;

	ufx_free(f->u);
	free(f);
	return 0;
}

static void test_refs(void **state)
{
	struct afx *f = *state;
	struct ferry_ctx *ctx = f->u->ctx;
	struct ferry_error *err = &f->u->err;
	struct ferry_asset a, b, got;
	char ref[80];
	int existed;

	assert_int_equal(ferry_asset_upload(ctx, "p1", f->v10, &a, &existed, err), 0);
	assert_false(existed);
	assert_int_equal(ferry_asset_upload(ctx, "p1", f->v10, &got, &existed, err), 0);   /* no-op */
	assert_true(existed);
	assert_int_equal(got.id, a.id);
	assert_int_equal(ferry_asset_upload(ctx, "p1", f->v11, &b, &existed, err), 0);
	/* name@version is immutable in a project */
	assert_int_equal(ferry_asset_upload(ctx, "p1", f->other10, &got, &existed, err), FERRY_EEXIST);
	assert_non_null(strstr(err->msg, "immutable"));
	/* every form of reference */
	assert_int_equal(ferry_asset_resolve(ctx, "p1", a.sha256, &got, err), 0);
	assert_int_equal(got.id, a.id);
	snprintf(ref, sizeof(ref), "%.8s", a.sha256);
	assert_int_equal(ferry_asset_resolve(ctx, "p1", ref, &got, err), 0);
	assert_int_equal(got.id, a.id);
	snprintf(ref, sizeof(ref), "%.7s", a.sha256);
	assert_int_equal(ferry_asset_resolve(ctx, "p1", ref, &got, err), FERRY_EINVAL);
	assert_int_equal(ferry_asset_resolve(ctx, "p1", "tax@1.1", &got, err), 0);
	assert_int_equal(got.id, b.id);
	assert_int_equal(ferry_asset_resolve(ctx, "p1", "tax@9.9", &got, err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_asset_resolve(ctx, "p1", "%%%%%%%%", &got, err), FERRY_EINVAL);
	assert_int_equal(ferry_asset_resolve(ctx, "p1", "tax@%", &got, err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_asset_resolve(ctx, "p2", a.sha256, &got, err), FERRY_ENOTFOUND);
	/* the same bytes in another project: one stored file, references ambiguous without it */
	assert_int_equal(ferry_asset_upload(ctx, "p2", f->v10, &got, &existed, err), 0);
	assert_false(existed);
	assert_int_not_equal(got.id, a.id);
	assert_int_equal(ferry_asset_resolve(ctx, NULL, a.sha256, &got, err), FERRY_EINVAL);
	assert_non_null(strstr(err->msg, "matches 2 assets"));
	assert_int_equal(ferry_asset_resolve(ctx, "p2", "tax@1.0", &got, err), 0);
}

static void test_use_and_remove(void **state)
{
	struct afx *f = *state;
	struct ferry_ctx *ctx = f->u->ctx;
	struct ferry_error *err = &f->u->err;
	struct ferry_buf x = FERRY_BUF_INIT, y = FERRY_BUF_INIT;
	struct ferry_asset a, got;
	char out[400], *blob;
	int existed;

	assert_int_equal(ferry_asset_upload(ctx, "p1", f->v10, &a, &existed, err), 0);
	assert_int_equal(ferry_asset_upload(ctx, "p2", f->v10, &got, &existed, err), 0);
	blob = ferry_asset_blob_path(ctx, a.sha256);
	assert_non_null(blob);
	/* download gives the same bytes */
	snprintf(out, sizeof(out), "%s/dl.tar.zst", f->u->dir);
	assert_int_equal(ferry_asset_download(ctx, "p1", "tax@1.0", out, err), 0);
	assert_int_equal(ferry_buf_read_file(&x, out), 0);
	assert_int_equal(ferry_buf_read_file(&y, f->v10), 0);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	/* a referenced asset is not removed; the file stays while p2 holds it */
	assert_int_equal(ferry_asset_ref_add(ctx, a.id, "environment", "sbx", err), 0);
	assert_int_equal(ferry_asset_rm(ctx, "p1", "tax@1.0", err), FERRY_ESTATE);
	assert_int_equal(ferry_asset_ref_drop(ctx, a.id, "environment", "sbx", err), 0);
	assert_int_equal(ferry_asset_rm(ctx, "p1", "tax@1.0", err), 0);
	assert_true(ferry_path_exists(blob));
	assert_int_equal(ferry_asset_rm(ctx, "p2", "tax@1.0", err), 0);
	assert_false(ferry_path_exists(blob));
	assert_int_equal(ferry_asset_download(ctx, "p2", "tax@1.0", out, err), FERRY_ENOTFOUND);
	ferry_buf_release(&x);
	ferry_buf_release(&y);
	free(blob);
}

static void test_damaged_copy(void **state)
{
	struct afx *f = *state;
	struct ferry_ctx *ctx = f->u->ctx;
	struct ferry_error *err = &f->u->err;
	struct ferry_asset a;
	char out[400], dest[400], *blob;
	int existed;
	FILE *fp;

	assert_int_equal(ferry_asset_upload(ctx, "p1", f->v10, &a, &existed, err), 0);
	blob = ferry_asset_blob_path(ctx, a.sha256);
	assert_non_null(blob);
	assert_int_equal(chmod(blob, 0600), 0);
	fp = fopen(blob, "r+b");
	assert_non_null(fp);
	fseek(fp, 40, SEEK_SET);
	fputc('X', fp);
	fclose(fp);
	snprintf(out, sizeof(out), "%s/dl2", f->u->dir);
	snprintf(dest, sizeof(dest), "%s/rel", f->u->dir);
	assert_int_equal(ferry_asset_download(ctx, "p1", "tax@1.0", out, err), FERRY_EVERIFY);
	assert_non_null(strstr(err->msg, "damaged"));
	assert_false(ferry_path_exists(out));
	assert_int_equal(ferry_asset_extract(ctx, "p1", "tax@1.0", dest, NULL, err), FERRY_EVERIFY);
	assert_false(ferry_path_exists(dest));
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_use_and_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_copy, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
