/* SPDX-License-Identifier: MIT */
/* test_keys.c: signing keys, manifest.sig, project trust (lib/package/keys.c) and the
 * seal (lib/package/package_seal.c): a signature holds for exactly the bytes signed;
 * trust and revocation by name, id or exported document; a revoked key stays revoked;
 * a seal is none, checksum or signed, and any other state of the trailer is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/base/buf.h"
#include "ferry/package/keys.h"
#include "ferry/package/package.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

static int setup(void **state)
{
	static const char *const envs[] = { NULL };
	struct ufx *f = ufx_new("keys", NULL);

	ufx_project(f, "p", envs);
	ufx_project(f, "q", envs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	ufx_free(*state);
	return 0;
}

static void test_generate_and_files(void **state)
{
	struct ufx *f = *state;
	struct ferry_key k, g;
	struct stat st;
	char path[400];

	assert_int_equal(ferry_key_generate(f->ctx, "k1", &k, &f->err), 0);
	assert_int_equal(strlen(k.key_id), 16);
	assert_true(k.has_secret);
	assert_int_equal(ferry_key_generate(f->ctx, "k1", &g, &f->err), FERRY_EEXIST);
	assert_int_equal(ferry_key_generate(f->ctx, "../x", &g, &f->err), FERRY_EINVAL);
	snprintf(path, sizeof(path), "%s/keys/k1.key", f->home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/keys", f->home);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(ferry_key_get(f->ctx, "k1", &g, &f->err), 0);
	assert_string_equal(g.key_id, k.key_id);
	assert_int_equal(ferry_key_get(f->ctx, k.key_id, &g, &f->err), 0);
	assert_string_equal(g.name, "k1");
	assert_int_equal(ferry_key_get(f->ctx, "nope", &g, &f->err), FERRY_ENOTFOUND);
}

static void test_signatures(void **state)
{
	static const char data[] = "{\"format\": 1}";
	struct ufx *f = *state;
	struct ferry_sig sig;
	struct ferry_key k;
	char *doc = NULL, other[512];
	size_t n, i;
	json_t *j;

	assert_int_equal(ferry_key_generate(f->ctx, "k1", &k, &f->err), 0);
	assert_int_equal(ferry_key_sign(f->ctx, "k1", data, sizeof(data) - 1, &doc, &n, &f->err), 0);
	assert_int_equal(ferry_sig_verify(doc, n, data, sizeof(data) - 1, &sig, &f->err), 0);
	assert_string_equal(sig.key_id, k.key_id);
	/* one byte more, less or different in the data: refused */
	assert_int_equal(ferry_sig_verify(doc, n, data, sizeof(data) - 2, &sig, &f->err), FERRY_EVERIFY);
	assert_int_equal(ferry_sig_verify(doc, n, "{\"format\": 2}", sizeof(data) - 1, &sig, &f->err),
			 FERRY_EVERIFY);
	/* every single-byte change of the document: refused, never a crash */
	for (i = 0; i < n; i++) {
		char *d = strdup(doc);
		d[i] ^= 0x01;
		if (ferry_sig_verify(d, n, data, sizeof(data) - 1, &sig, &f->err) == 0) {
			/* only bytes JSON ignores may change (whitespace) */
			assert_true(doc[i] == ' ' || doc[i] == '\n');
		}
		free(d);
	}
	/* a key id that does not match the public key, duplicate keys, not JSON */
	j = json_loads(doc, 0, NULL);
	json_object_set_new(j, "key_id", json_string("0000000000000000"));
	{
		char *t = json_dumps(j, JSON_COMPACT);
		assert_int_equal(ferry_sig_verify(t, strlen(t), data, sizeof(data) - 1, &sig, &f->err), FERRY_EVERIFY);
		free(t);
	}
	json_decref(j);
	snprintf(other, sizeof(other), "{\"key_id\": \"x\", %s", doc + 1);
	assert_int_equal(ferry_sig_verify(other, strlen(other), data, sizeof(data) - 1, &sig, &f->err), FERRY_EVERIFY);
	assert_int_equal(ferry_sig_verify("not json", 8, data, sizeof(data) - 1, &sig, &f->err), FERRY_EVERIFY);
	assert_int_equal(ferry_sig_verify("{}", 2, data, sizeof(data) - 1, &sig, &f->err), FERRY_EVERIFY);
	free(doc);
}

static void test_trust(void **state)
{
	struct ufx *f = *state;
	struct ferry_key k, got;
	struct ferry_sig sig;
	enum ferry_trust t;
	char name[64], path[400], *txt;
	json_t *doc;
	int64_t pid_p, pid_q;
	struct ferry_project pp;

	assert_int_equal(ferry_key_generate(f->ctx, "k1", &k, &f->err), 0);
	assert_int_equal(ferry_project_get(f->ctx, "p", &pp, &f->err), 0);
	pid_p = pp.id;
	assert_int_equal(ferry_project_get(f->ctx, "q", &pp, &f->err), 0);
	pid_q = pp.id;
	memset(&sig, 0, sizeof(sig));
	snprintf(sig.key_id, sizeof(sig.key_id), "%s", k.key_id);
	snprintf(sig.public_key, sizeof(sig.public_key), "%s", k.public_key);
	assert_int_equal(ferry_key_trust_state(f->ctx, pid_p, &sig, &t, name, &f->err), 0);
	assert_int_equal(t, FERRY_TRUST_UNKNOWN);
	assert_int_equal(ferry_key_trust(f->ctx, "p", "k1", &got, &f->err), 0);
	assert_int_equal(ferry_key_trust_state(f->ctx, pid_p, &sig, &t, name, &f->err), 0);
	assert_int_equal(t, FERRY_TRUST_TRUSTED);
	assert_string_equal(name, "k1");
	assert_int_equal(ferry_key_trust_state(f->ctx, pid_q, &sig, &t, name, &f->err), 0);
	assert_int_equal(t, FERRY_TRUST_UNKNOWN);   /* per project */
	/* by exported document, in q */
	assert_int_equal(ferry_key_export(f->ctx, "k1", &doc, &f->err), 0);
	txt = json_dumps(doc, 0);
	snprintf(path, sizeof(path), "%s/k1.pub", f->dir);
	ufx_put(path, txt);
	free(txt);
	json_decref(doc);
	assert_int_equal(ferry_key_trust(f->ctx, "q", path, &got, &f->err), 0);
	assert_string_equal(got.key_id, k.key_id);
	/* a document with a duplicate key is not a public key document */
	ufx_put(path, "{\"format\": \"ferry-public-key-1\", \"name\": \"a\", \"name\": \"b\", \"public_key\": \"x\"}");
	assert_int_equal(ferry_key_trust(f->ctx, "q", path, &got, &f->err), FERRY_EINVAL);
	/* revoked is final: trusting again is refused, the state stays revoked */
	assert_int_equal(ferry_key_revoke(f->ctx, "p", k.key_id, &got, &f->err), 0);
	assert_int_equal(ferry_key_trust_state(f->ctx, pid_p, &sig, &t, name, &f->err), 0);
	assert_int_equal(t, FERRY_TRUST_REVOKED);
	assert_int_not_equal(ferry_key_trust(f->ctx, "p", "k1", &got, &f->err), 0);
	assert_int_equal(ferry_key_trust_state(f->ctx, pid_p, &sig, &t, name, &f->err), 0);
	assert_int_equal(t, FERRY_TRUST_REVOKED);
	assert_int_equal(ferry_key_trust_state(f->ctx, pid_q, &sig, &t, name, &f->err), 0);
	assert_int_equal(t, FERRY_TRUST_TRUSTED);   /* q's trust is its own */
	assert_int_not_equal(ferry_key_revoke(f->ctx, "p", "nope", &got, &f->err), 0);
}

/* A file of `body` bytes sealed for container c (unsigned: key NULL). */
static void sealed(struct ufx *f, const char *c, const char *key, char *path, size_t cap)
{
	unsigned char body[300];

	snprintf(path, cap, "%s/s-%s-%s", f->dir, key ? key : "none", c);
	memset(body, 0, sizeof(body));
	if (!strcmp(c, "zip")) {   /* the seal goes into an end-of-central-directory */
		memcpy(body + sizeof(body) - 22, "PK\5\6", 4);
	}
	{
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(body, 1, sizeof(body), fp), sizeof(body));
		fclose(fp);
	}
	if (ferry_seal_append(f->ctx, path, c, key, &f->err))
		fail_msg("seal %s: %s", c, f->err.msg);
}

static void flip(const char *path, off_t at)
{
	FILE *fp = fopen(path, "r+b");
	int ch;

	assert_non_null(fp);
	fseeko(fp, at, SEEK_SET);
	ch = fgetc(fp);
	fseeko(fp, at, SEEK_SET);
	fputc(ch ^ 1, fp);
	fclose(fp);
}

static void test_seal_states(void **state)
{
	static const char *const cs[] = { "tar.zst", "tar.gz", "zip" };
	struct ufx *f = *state;
	struct ferry_key k, k2;
	struct ferry_sig sig, sig2;
	const char *st;
	char path[400];
	struct stat sb;
	size_t i;

	assert_int_equal(ferry_key_generate(f->ctx, "k1", &k, &f->err), 0);
	assert_int_equal(ferry_key_generate(f->ctx, "k2", &k2, &f->err), 0);
	memset(&sig, 0, sizeof(sig));
	memset(&sig2, 0, sizeof(sig2));
	snprintf(sig.key_id, sizeof(sig.key_id), "%s", k.key_id);
	snprintf(sig2.key_id, sizeof(sig2.key_id), "%s", k2.key_id);
	assert_int_equal(sodium_base642bin(sig.pk, 32, k.public_key, strlen(k.public_key), NULL, NULL, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(sodium_base642bin(sig2.pk, 32, k2.public_key, strlen(k2.public_key), NULL, NULL, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	for (i = 0; i < 3; i++) {
		sealed(f, cs[i], NULL, path, sizeof(path));
		assert_int_equal(ferry_seal_check(path, cs[i], NULL, &st, &f->err), 0);
		assert_string_equal(st, "checksum");
		assert_int_equal(ferry_seal_check(path, cs[i], &sig, &st, &f->err), FERRY_EVERIFY);
		flip(path, 5);
		assert_int_equal(ferry_seal_check(path, cs[i], NULL, &st, &f->err), FERRY_EVERIFY);
		sealed(f, cs[i], "k1", path, sizeof(path));
		assert_int_equal(ferry_seal_check(path, cs[i], &sig, &st, &f->err), 0);
		assert_string_equal(st, "signed");
		assert_int_equal(ferry_seal_check(path, cs[i], &sig2, &st, &f->err), FERRY_EVERIFY);
		assert_int_equal(ferry_seal_check(path, cs[i], NULL, &st, &f->err), FERRY_EVERIFY);
		assert_int_equal(stat(path, &sb), 0);
		flip(path, sb.st_size - 3);   /* in the signature */
		assert_int_equal(ferry_seal_check(path, cs[i], &sig, &st, &f->err), FERRY_EVERIFY);
		/* cut off: no seal at all */
		assert_int_equal(truncate(path, sb.st_size - 260), 0);
		assert_int_equal(ferry_seal_check(path, cs[i], &sig, &st, &f->err), 0);
		assert_string_equal(st, "none");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generate_and_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_states, setup, teardown),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
