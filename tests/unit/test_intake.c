/* SPDX-License-Identifier: MIT */
/* test_intake.c: classes of hostile package input, each in every container (zip,
 * tar.gz, tar.zst) and both intake passes (manifest.json first, or elsewhere):
 * decompression bombs counted per entry and in all; the one accepted place of
 * manifest.sig; and one intake path: verify, extract and asset upload reach the same
 * verdict on every input, the seal included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/package/archive.h"
#include "ferry/package/asset.h"
#include "ferry/package/keys.h"
#include "ferry/package/package.h"
#include "ferry/project/project.h"
#include "ferry/registry/registry.h"
#include "ferry/store/ctx.h"

static const char *const containers[] = { "zip", "tar.gz", "tar.zst" };
#define NCONT 3

struct ent {
	const char *name;
	const void *data;
	size_t len;
	int dir;
};

/* ---- writing archives entry by entry, in any order ---- */

static int buf_write_cb(struct archive *a, void *arg, const void *data, size_t n)
{
	(void)a;
	(void)arg;
	return ferry_buf_add(arg, data, n) ? -1 : 0;
}

static la_ssize_t write_cb(struct archive *a, void *arg, const void *data, size_t n)
{
	return buf_write_cb(a, arg, data, n) ? -1 : (la_ssize_t)n;
}

static void write_arc(struct ferry_buf *out, const char *container, const struct ent *e, size_t n)
{
	struct archive *a = archive_write_new();
	size_t i;

	ferry_buf_reset(out);
	if (!strcmp(container, "zip")) {
		archive_write_set_format_zip(a);
	} else {
		archive_write_set_format_pax_restricted(a);
		if (!strcmp(container, "tar.gz"))
			archive_write_add_filter_gzip(a);
		else
			archive_write_add_filter_zstd(a);
	}
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open(a, out, NULL, write_cb, NULL), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_filetype(ae, e[i].dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(ae, e[i].dir ? 0755 : 0644);
		archive_entry_set_size(ae, e[i].dir ? 0 : (la_int64_t)e[i].len);
		assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
		if (!e[i].dir && e[i].len)
			assert_int_equal(archive_write_data(a, e[i].data, e[i].len), (la_ssize_t)e[i].len);
		archive_entry_free(ae);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* A manifest listing the files (not directories, not manifest.*) among e. */
static char *manifest_for(const struct ent *e, size_t n)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	size_t i;
	int first = 1;

	ferry_buf_adds(&b, "{\"format\": 1, \"name\": \"t\", \"version\": \"1.0\", \"type\": \"isv\", "
			   "\"product\": \"p\", \"payload\": [");
	for (i = 0; i < n; i++) {
		unsigned char md[32];
		char hex[65];
		if (e[i].dir || !strncmp(e[i].name, "manifest.", 9))
			continue;
		crypto_hash_sha256(md, e[i].data, e[i].len);
		sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
		ferry_buf_addf(&b, "%s{\"path\": \"%s\", \"size\": %zu, \"sha256\": \"%s\"}", first ? "" : ", ",
			       e[i].name, e[i].len, hex);
		first = 0;
	}
	ferry_buf_adds(&b, "]}");
	return ferry_buf_detach(&b);
}

static int intake_mem(const struct ferry_buf *b, struct ferry_error *err)
{
	struct ferry_intake_opts o = { 0 };

	ferry_intake_limits_init(&o.limits, NULL);
	ferry_error_clear(err);
	return ferry_archive_intake(NULL, b->data, b->len, NULL, &o, NULL, err);
}

/* ---- decompression bombs ---- */

#define BOMB ((size_t)40 << 20)     /* zeros: ~1000:1 in deflate, more in zstd */
#define PAD ((size_t)2 << 20)       /* random: ratio 1, lowers the whole archive's ratio */

/* The refusal names the ratio, and stopped soon after the 8 MiB floor. */
static void assert_bomb_refused(int rc, const struct ferry_error *err, const char *what)
{
	const char *p = strstr(err->msg, "bytes from");
	unsigned long long out = 0;
	const char *q;

	if (rc != FERRY_EUNSAFE || !strstr(err->msg, "compression ratio over 200:1"))
		fail_msg("%s: accepted or refused for another reason (rc %d): %s", what, rc, err->msg);
	assert_non_null(p);
	for (q = p - 2; q > err->msg && q[-1] >= '0' && q[-1] <= '9'; q--)
		;
	out = strtoull(q, NULL, 10);
	if (out > ((uint64_t)9 << 20))
		fail_msg("%s: decompressed %llu bytes before refusing", what, out);
}

static void test_bombs_every_container_and_pass(void **state)
{
	char *zeros = calloc(1, BOMB), *pad = malloc(PAD), *m;
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;
	size_t c;

	(void)state;
	assert_non_null(zeros);
	assert_non_null(pad);
	randombytes_buf(pad, PAD);
	for (c = 0; c < NCONT; c++) {
		const char *k = containers[c];
		char what[128];
		struct ent bomb[] = { { "bomb.bin", zeros, BOMB, 0 } };
		struct ent padded[] = { { "pad.bin", pad, PAD, 0 }, { "bomb.bin", zeros, BOMB, 0 } };
		struct ent e[4];

		/* manifest first: read in one pass */
		m = manifest_for(bomb, 1);
		e[0] = (struct ent){ "manifest.json", m, strlen(m), 0 };
		e[1] = bomb[0];
		write_arc(&b, k, e, 2);
		snprintf(what, sizeof(what), "%s: bomb, manifest first", k);
		assert_bomb_refused(intake_mem(&b, &err), &err, what);
		/* manifest last: the first pass reads (and counts) what it passes over */
		e[0] = bomb[0];
		e[1] = (struct ent){ "manifest.json", m, strlen(m), 0 };
		write_arc(&b, k, e, 2);
		snprintf(what, sizeof(what), "%s: bomb, manifest last", k);
		assert_bomb_refused(intake_mem(&b, &err), &err, what);
		free(m);
		/* an incompressible entry first keeps the archive's ratio low: the entry's own
		 * ratio still stops the bomb */
		m = manifest_for(padded, 2);
		e[0] = (struct ent){ "manifest.json", m, strlen(m), 0 };
		e[1] = padded[0];
		e[2] = padded[1];
		write_arc(&b, k, e, 3);
		snprintf(what, sizeof(what), "%s: bomb after padding", k);
		assert_bomb_refused(intake_mem(&b, &err), &err, what);
		/* an unlisted bomb before the manifest: refused while the first pass reads it */
		e[0] = (struct ent){ "junk.bin", zeros, BOMB, 0 };
		e[1] = (struct ent){ "manifest.json", m, strlen(m), 0 };
		e[2] = padded[0];
		e[3] = padded[1];
		write_arc(&b, k, e, 4);
		snprintf(what, sizeof(what), "%s: unlisted bomb, manifest later", k);
		assert_bomb_refused(intake_mem(&b, &err), &err, what);
		free(m);
		/* controls: incompressible data passes; compressible data under the floor passes */
		{
			struct ent ok[] = { { "pad.bin", pad, PAD, 0 }, { "small.bin", zeros, (size_t)4 << 20, 0 } };
			m = manifest_for(ok, 2);
			e[0] = (struct ent){ "manifest.json", m, strlen(m), 0 };
			e[1] = ok[0];
			e[2] = ok[1];
			write_arc(&b, k, e, 3);
			if (intake_mem(&b, &err))
				fail_msg("%s: a genuine package was refused: %s", k, err.msg);
			free(m);
		}
	}
	ferry_buf_release(&b);
	free(zeros);
	free(pad);
}

/* ---- where manifest.sig may stand ---- */

static void test_sig_place_every_container(void **state)
{
	static const char sig[] = "{\"key_id\": \"0\"}";
	static const char data[] = "payload\n";
	struct ent p = { "bin/x", data, sizeof(data) - 1, 0 };
	struct ent d = { "bin", NULL, 0, 1 };
	struct ent s = { "manifest.sig", sig, sizeof(sig) - 1, 0 };
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;
	char *m = manifest_for(&p, 1);
	struct ent mj = { "manifest.json", m, strlen(m), 0 };
	/* orders: M manifest.json, S manifest.sig, D directory, P payload file */
	struct {
		const char *order;
		int ok;
	} cases[] = {
		{ "MSP", 1 }, { "MP", 1 }, { "PM", 1 }, { "MSDP", 1 },
		{ "SMP", 0 }, { "MPS", 0 }, { "MDSP", 0 }, { "PMS", 0 }, { "PSM", 0 },
		{ "SPM", 0 }, { "DMSP", 0 }, { "MSSP", 0 }, { "SM", 0 },
	};
	size_t c, i, j;

	(void)state;
	for (c = 0; c < NCONT; c++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct ent e[8];
			const char *o = cases[i].order;
			int rc;
			for (j = 0; o[j]; j++)
				e[j] = o[j] == 'M' ? mj : o[j] == 'S' ? s : o[j] == 'D' ? d : p;
			write_arc(&b, containers[c], e, j);
			rc = intake_mem(&b, &err);
			if (cases[i].ok && rc)
				fail_msg("%s %s: refused: %s", containers[c], o, err.msg);
			if (!cases[i].ok && (rc != FERRY_EUNSAFE || !strstr(err.msg, "manifest.sig")))
				fail_msg("%s %s: %s (rc %d)", containers[c], o, rc ? err.msg : "accepted", rc);
		}
	ferry_buf_release(&b);
	free(m);
}

/* ---- one intake path ---- */

struct fx {
	char dir[256];
	char src[300];
	struct ferry_ctx *ctx;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ferry_settings s;
	struct ferry_error err;
	struct ferry_key k;
	char p[400];

	snprintf(f->dir, sizeof(f->dir), "%s/ferry-test-intake.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	ferry_settings_init(&s);
	snprintf(p, sizeof(p), "%s/home", f->dir);
	assert_int_equal(ferry_settings_set(&s, "home", p, &err), 0);
	assert_int_equal(ferry_ctx_init_home(&s, &err), 0);
	assert_int_equal(ferry_ctx_open(&s, &f->ctx, &err), 0);
	ferry_settings_release(&s);
	assert_int_equal(ferry_key_generate(f->ctx, "k1", &k, &err), 0);
	assert_int_equal(ferry_project_create(f->ctx, "p1", NULL, NULL, &err), 0);
	assert_int_equal(ferry_key_trust(f->ctx, "p1", "k1", &k, &err), 0);
	snprintf(f->src, sizeof(f->src), "%s/src", f->dir);
	snprintf(p, sizeof(p), "%s/bin", f->src);
	assert_int_equal(ferry_mkdir_p(p, 0755, &err), 0);
	snprintf(p, sizeof(p), "%s/manifest.json", f->src);
	{
		static const char m[] = "{\"format\": 1, \"name\": \"unit\", \"version\": \"1.0\", "
					"\"type\": \"hotfix\", \"product\": \"fo\"}";
		assert_int_equal(ferry_write_file_atomic(p, m, sizeof(m) - 1, 0644, &err), 0);
	}
	snprintf(p, sizeof(p), "%s/bin/run", f->src);
	assert_int_equal(ferry_write_file_atomic(p, "#!/bin/sh\n", 10, 0755, &err), 0);
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

static void put_buf(const char *path, const struct ferry_buf *b)
{
	struct ferry_error err;

	assert_int_equal(ferry_write_file_atomic(path, b->data, b->len, 0644, &err), 0);
}

/* The entries of an archive file, in order, rewritten into another container (what a
 * repacking tool does: same content, no seal). */
static void repack(const char *from, const char *container, const char *to)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	struct ferry_buf bufs[8], out = FERRY_BUF_INIT;
	struct ent e[8];
	char names[8][64];
	size_t n = 0, i;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_filename(a, from, 65536), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		char chunk[4096];
		la_ssize_t k;
		assert_true(n < 8);
		ferry_buf_init(&bufs[n]);
		while ((k = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			ferry_buf_add(&bufs[n], chunk, (size_t)k);
		snprintf(names[n], sizeof(names[n]), "%s", archive_entry_pathname(ae));
		e[n] = (struct ent){ names[n], bufs[n].data, bufs[n].len,
				     archive_entry_filetype(ae) == AE_IFDIR };
		n++;
	}
	archive_read_free(a);
	write_arc(&out, container, e, n);
	put_buf(to, &out);
	ferry_buf_release(&out);
	for (i = 0; i < n; i++)
		ferry_buf_release(&bufs[i]);
}

/* verify, extract and upload of path: the same verdict, and extract leaves nothing
 * behind when it refuses. Returns that verdict. */
static int same_verdict(struct fx *f, const char *path, const char *what)
{
	struct ferry_error e1, e2, e3;
	struct ferry_asset a;
	char dest[400];
	int r1, r2, r3, existed;

	snprintf(dest, sizeof(dest), "%s/x-%ld", f->dir, random());
	ferry_error_clear(&e1);
	ferry_error_clear(&e2);
	ferry_error_clear(&e3);
	r1 = ferry_package_verify(f->ctx, path, "p1", NULL, NULL, &e1);
	r2 = ferry_package_extract(f->ctx, path, "p1", dest, NULL, &e2);
	r3 = ferry_asset_upload(f->ctx, "p1", path, &a, &existed, &e3);
	if (r1 != r2 || r1 != r3)
		fail_msg("%s: verify %d (%s), extract %d (%s), upload %d (%s)", what, r1, e1.msg, r2,
			 e2.msg, r3, e3.msg);
	if (r2)
		assert_false(ferry_path_exists(dest));
	else
		ferry_rm_rf(dest, NULL);
	if (!r3)
		assert_int_equal(ferry_asset_rm(f->ctx, "p1", a.sha256, &e3), 0);
	return r1;
}

static void test_one_intake_path(void **state)
{
	struct fx *f = *state;
	struct ferry_error err;
	size_t c, t;

	for (c = 0; c < NCONT; c++) {
		char pkg[400], bad[420], what[128];
		struct stat st;
		struct ferry_buf b = FERRY_BUF_INIT;

		snprintf(pkg, sizeof(pkg), "%s/good.%s", f->dir, containers[c]);
		assert_int_equal(ferry_package_build(f->ctx, f->src, pkg, "k1", NULL, &err), 0);
		snprintf(what, sizeof(what), "%s: intact", containers[c]);
		assert_int_equal(same_verdict(f, pkg, what), 0);
		assert_int_equal(stat(pkg, &st), 0);
		assert_int_equal(ferry_buf_read_file(&b, pkg), 0);
		/* the seal cut off, in part or whole */
		for (t = 1; t <= 240 && t < b.len; t += 47) {
			struct ferry_buf cut = b;
			cut.len = b.len - t;
			snprintf(bad, sizeof(bad), "%s.cut%zu", pkg, t);
			put_buf(bad, &cut);
			snprintf(what, sizeof(what), "%s: %zu bytes cut off", containers[c], t);
			assert_int_not_equal(same_verdict(f, bad, what), 0);
		}
		/* repacked by another tool into every container */
		for (t = 0; t < NCONT; t++) {
			snprintf(bad, sizeof(bad), "%s.re.%s", pkg, containers[t]);
			repack(pkg, containers[t], bad);
			snprintf(what, sizeof(what), "%s repacked as %s", containers[c], containers[t]);
			assert_int_equal(same_verdict(f, bad, what), FERRY_EVERIFY);
		}
		ferry_buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bombs_every_container_and_pass),
		cmocka_unit_test(test_sig_place_every_container),
		cmocka_unit_test_setup_teardown(test_one_intake_path, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
