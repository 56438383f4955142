/* SPDX-License-Identifier: MIT */
/* test_archive.c: safe intake and atomic extraction, every-byte verification of signed
 * packages, and the asset library's references. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/package/archive.h"
#include "ferry/package/asset.h"
#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/registry/registry.h"
#include "ferry/base/error.h"
#include "ferry/package/keys.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"
#include "ferry/project/project.h"
#include "ferry/base/util.h"
#include "fixture.h"

struct fx {
	char dir[256];
	char home[300];
	char src[300];
	struct ferry_ctx *ctx;
};

static void put(const char *path, const char *text, unsigned mode)
{
	struct ferry_error err;
	assert_int_equal(ferry_write_file_atomic(path, text, strlen(text), mode, &err), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ferry_error err;
	struct ferry_key k;
	char p[400];

	snprintf(f->dir, sizeof(f->dir), "%s/ferry-test-archive.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	snprintf(f->src, sizeof(f->src), "%s/src", f->dir);
	ufx_open_home(f->home, &f->ctx);
	assert_int_equal(ferry_key_generate(f->ctx, "k1", &k, &err), 0);
	assert_int_equal(ferry_project_create(f->ctx, "p1", NULL, NULL, &err), 0);
	assert_int_equal(ferry_key_trust(f->ctx, "p1", "k1", &k, &err), 0);
	snprintf(p, sizeof(p), "%s/bin", f->src);
	assert_int_equal(ferry_mkdir_p(p, 0755, &err), 0);
	snprintf(p, sizeof(p), "%s/manifest.json", f->src);
	put(p, "{\"format\": 1, \"name\": \"unit\", \"version\": \"1.2.3\", \"type\": \"hotfix\", \"product\": \"fo\"}", 0644);
	snprintf(p, sizeof(p), "%s/bin/run", f->src);
	put(p, "#!/bin/sh\necho run\n", 0755);
	snprintf(p, sizeof(p), "%s/readme.txt", f->src);
	put(p, "a package for unit tests\n", 0644);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ferry_ctx_free(f->ctx);
	ferry_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

static void build(struct fx *f, const char *name, const char *key, char *out, size_t cap)
{
	struct ferry_error err;

	snprintf(out, cap, "%s/%s", f->dir, name);
	if (ferry_package_build(f->ctx, f->src, out, key, NULL, &err))
		fail_msg("build %s: %s", name, err.msg);
}

static void test_extract_atomic(void **state)
{
	struct fx *f = *state;
	struct ferry_manifest *m = NULL;
	struct ferry_error err;
	char pkg[400], dest[400], p[500];
	struct stat st;

	build(f, "u.tar.zst", "k1", pkg, sizeof(pkg));
	snprintf(dest, sizeof(dest), "%s/out/rel", f->dir);
	/* the parent must exist */
	assert_int_not_equal(ferry_package_extract(f->ctx, pkg, "p1", dest, NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/out", f->dir);
	mkdir(p, 0755);
	assert_int_equal(ferry_package_extract(f->ctx, pkg, "p1", dest, &m, &err), 0);
	assert_string_equal(m->name, "unit");
	snprintf(p, sizeof(p), "%s/bin/run", dest);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	ferry_manifest_free(m);
	/* never overwrites */
	assert_int_equal(ferry_package_extract(f->ctx, pkg, "p1", dest, NULL, &err), FERRY_EEXIST);
	/* nothing but rel in out/ (no temporary directories left) */
	snprintf(p, sizeof(p), "%s/out", f->dir);
	{
		DIR *d = opendir(p);
		struct dirent *de;
		int n = 0;
		assert_non_null(d);
		while ((de = readdir(d)))
			n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
		closedir(d);
		assert_int_equal(n, 1);
	}
}

static int flip_verify(const char *path, off_t pos, unsigned char x, struct ferry_error *err)
{
	unsigned char b;
	int fd = open(path, O_RDWR), rc;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, pos), 1);
	b ^= x;
	assert_int_equal(pwrite(fd, &b, 1, pos), 1);
	rc = ferry_package_verify(NULL, path, NULL, NULL, NULL, err);
	b ^= x;
	assert_int_equal(pwrite(fd, &b, 1, pos), 1);
	close(fd);
	return rc;
}

/* Every position of a signed package, two flip patterns each: verify must fail. */
static void flip_all(struct fx *f, const char *name)
{
	char pkg[400];
	struct ferry_error err;
	struct stat st;
	off_t i;

	build(f, name, "k1", pkg, sizeof(pkg));
	assert_int_equal(ferry_package_verify(NULL, pkg, NULL, NULL, NULL, &err), 0);
	assert_int_equal(stat(pkg, &st), 0);
	for (i = 0; i < st.st_size; i++) {
		ferry_error_clear(&err);
		if (flip_verify(pkg, i, 0xff, &err) == 0)
			fail_msg("%s: flipping byte %lld (^0xff) went unnoticed", name, (long long)i);
		assert_true(err.msg[0] != '\0');
		if (flip_verify(pkg, i, 0x01, &err) == 0)
			fail_msg("%s: flipping byte %lld (^0x01) went unnoticed", name, (long long)i);
	}
	assert_int_equal(ferry_package_verify(NULL, pkg, NULL, NULL, NULL, &err), 0);
}

static void test_flip_every_byte_zst(void **state) { flip_all(*state, "f.tar.zst"); }
static void test_flip_every_byte_gz(void **state) { flip_all(*state, "f.tar.gz"); }
static void test_flip_every_byte_zip(void **state) { flip_all(*state, "f.zip"); }

static void test_memory_intake_and_limits(void **state)
{
	struct fx *f = *state;
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_intake_opts o = { 0 };
	struct ferry_intake *in = NULL;
	struct ferry_error err;
	char pkg[400];

	build(f, "m.tar.gz", NULL, pkg, sizeof(pkg));
	assert_int_equal(ferry_buf_read_file(&b, pkg), 0);
	ferry_intake_limits_init(&o.limits, &f->ctx->settings);
	assert_int_equal(ferry_archive_intake(NULL, b.data, b.len, NULL, &o, &in, &err), 0);
	assert_string_equal(in->container, "tar.gz");
	assert_int_equal(in->manifest->n_payload, 2);
	assert_int_equal(in->bytes, in->manifest->payload_bytes);
	ferry_intake_free(in);
	o.limits.max_entries = 2;
	assert_int_equal(ferry_archive_intake(NULL, b.data, b.len, NULL, &o, NULL, &err), FERRY_EUNSAFE);
	assert_non_null(strstr(err.msg, "FERRY_MAX_ENTRIES"));
	o.limits.max_entries = 100;
	o.limits.max_bytes = 10;
	assert_int_equal(ferry_archive_intake(NULL, b.data, b.len, NULL, &o, NULL, &err), FERRY_EUNSAFE);
	assert_non_null(strstr(err.msg, "FERRY_MAX_BYTES"));
	/* a truncated copy is refused, never crashes */
	o.limits.max_bytes = 1 << 20;
	assert_int_not_equal(ferry_archive_intake(NULL, b.data, b.len / 2, NULL, &o, NULL, &err), 0);
	ferry_buf_release(&b);
}

static void test_asset_refs(void **state)
{
	struct fx *f = *state;
	struct ferry_asset a, b;
	struct ferry_error err;
	char pkg[400];
	int existed;

	build(f, "a.tar.zst", "k1", pkg, sizeof(pkg));
	assert_int_equal(ferry_asset_upload(f->ctx, "p1", pkg, &a, &existed, &err), 0);
	assert_false(existed);
	assert_int_equal(ferry_asset_upload(f->ctx, "p1", pkg, &b, &existed, &err), 0);
	assert_true(existed);
	assert_int_equal(a.id, b.id);
	assert_int_equal(ferry_asset_ref_add(f->ctx, a.id, "environment", "sbx1", &err), 0);
	assert_int_equal(ferry_asset_ref_add(f->ctx, a.id, "environment", "sbx1", &err), 0);   /* no-op */
	assert_int_equal(ferry_asset_ref_add(f->ctx, a.id, "operation", "op-1", &err), 0);
	assert_int_equal(ferry_asset_ref_add(f->ctx, 999999, "operation", "op-1", &err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_asset_rm(f->ctx, "p1", "unit@1.2.3", &err), FERRY_ESTATE);
	assert_non_null(strstr(err.msg, "environment 'sbx1'"));
	assert_non_null(strstr(err.msg, "operation 'op-1'"));
	assert_int_equal(ferry_asset_ref_drop(f->ctx, a.id, "environment", "sbx1", &err), 0);
	assert_int_equal(ferry_asset_ref_drop(f->ctx, a.id, "operation", "op-1", &err), 0);
	assert_int_equal(ferry_asset_resolve(f->ctx, "p1", a.sha256, &b, &err), 0);
	assert_int_equal(ferry_asset_rm(f->ctx, "p1", "unit@1.2.3", &err), 0);
	assert_int_equal(ferry_asset_resolve(f->ctx, "p1", a.sha256, &b, &err), FERRY_ENOTFOUND);
}

/* One read gives the file's SHA-256 and those of its prefixes (cuts in any order, equal
 * cuts, a cut at 0, cuts across the read buffer): each equal to hashing that prefix. */
static void test_sha256_cuts(void **state)
{
	struct fx *f = *state;
	static const uint64_t tails[4] = { 22, 700001, 3, 22 };
	char path[400], part[420], whole[65], pre[4][65], want[65];
	const size_t len = 700001 + 300000;
	unsigned char *data = malloc(len);
	struct ferry_error err;
	uint64_t size = 0;
	size_t i;
	FILE *fp;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	snprintf(path, sizeof(path), "%s/blob", f->dir);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	assert_int_equal(ferry_file_sha256_cuts(path, tails, 4, whole, pre, &size, &err), 0);
	assert_int_equal(size, len);
	assert_int_equal(ferry_file_sha256(path, want, NULL, &err), 0);
	assert_string_equal(whole, want);
	/* SHA-256 of "abc", the FIPS 180-2 example */
	snprintf(part, sizeof(part), "%s/abc", f->dir);
	assert_non_null(fp = fopen(part, "wb"));
	fputs("abc", fp);
	fclose(fp);
	assert_int_equal(ferry_file_sha256(part, want, NULL, &err), 0);
	assert_string_equal(want, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (i = 0; i < 4; i++) {
		assert_non_null(fp = fopen(part, "wb"));
		assert_int_equal(fwrite(data, 1, len - tails[i], fp), len - tails[i]);
		fclose(fp);
		assert_int_equal(ferry_file_sha256(part, want, NULL, &err), 0);
		assert_string_equal(pre[i], want);
	}
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_extract_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_every_byte_zst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_every_byte_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_every_byte_zip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_intake_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_asset_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha256_cuts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
