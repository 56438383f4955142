/* SPDX-License-Identifier: MIT */
/* test_token.c: API tokens (lib/project/token.c): roles, expiry forms, secrets shown
 * once and stored only hashed, every refusal of a presented secret, and the role and
 * scope rules of ferry_token_allows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/project/token.h"
#include "ferry/store/store.h"

static void test_roles_and_expiry(void **state)
{
	const int64_t now = 1795600800000LL;
	enum ferry_token_role r;
	struct ferry_error err;
	int64_t t;

	(void)state;
	assert_int_equal(ferry_token_role_parse("viewer", &r, &err), 0);
	assert_int_equal(r, FERRY_TOKEN_VIEWER);
	assert_int_equal(ferry_token_role_parse("admin", &r, &err), 0);
	assert_string_equal(ferry_token_role_name(r), "admin");
	assert_int_equal(ferry_token_role_parse("root", &r, &err), FERRY_EINVAL);
	assert_int_equal(ferry_token_role_parse(NULL, &r, &err), FERRY_EINVAL);
	assert_int_equal(ferry_token_expiry_parse("never", now, &t, &err), 0);
	assert_int_equal(t, 0);
	assert_int_equal(ferry_token_expiry_parse("30m", now, &t, &err), 0);
	assert_int_equal(t, now + 30 * 60000LL);
	assert_int_equal(ferry_token_expiry_parse("12h", now, &t, &err), 0);
	assert_int_equal(t, now + 12 * 3600000LL);
	assert_int_equal(ferry_token_expiry_parse("90d", now, &t, &err), 0);
	assert_int_equal(t, now + 90 * 86400000LL);
	assert_int_equal(ferry_token_expiry_parse("2027-01-01", now, &t, &err), 0);
	assert_int_equal(t, 1798761600000LL);
	{
		static const char *const bad[] = { "", "0d", "-1d", "d", "90", "90x", "1.5h", "2001-01-01",
			"2026-11-25", "2027-13-01", "2027-01-01T00:00", "sometime", NULL };
		size_t i;
		for (i = 0; bad[i]; i++)
			if (ferry_token_expiry_parse(bad[i], now, &t, &err) != FERRY_EINVAL)
				fail_msg("expiry '%s' was accepted", bad[i]);
	}
}

static int setup(void **state)
{
	static const char *const envs[] = { NULL };
	struct ufx *f = ufx_new("token", NULL);

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

static char *create(struct ufx *f, const char *name, const char *role, const char *project)
{
	struct ferry_token_spec spec = { name, role, project, 0 };
	char *secret = NULL;

	if (ferry_token_create(f->ctx, &spec, &secret, NULL, &f->err))
		fail_msg("token %s: %s", name, f->err.msg);
	return secret;
}

/* Nothing in the store holds the secret, or its secret part. */
static void assert_not_stored(struct ufx *f, const char *secret)
{
	struct ferry_stmt *st;
	const char *part = strrchr(secret, '_') + 1;

	assert_int_equal(ferry_store_query(f->ctx->store, &st, &f->err,
		"SELECT keyid || ' ' || salt || ' ' || hash || ' ' || name FROM api_tokens", ""), 0);
	while (ferry_stmt_step(st, &f->err) == 1) {
		assert_null(strstr(ferry_stmt_text(st, 0), part));
	}
	ferry_stmt_free(st);
}

static void test_verify(void **state)
{
	struct ufx *f = *state;
	struct ferry_token t;
	struct ferry_token_spec past = { "old", "viewer", NULL, 1000 };
	char *a = create(f, "a", "operator", "p"), *b = create(f, "b", "admin", NULL), *bad, *sec;

	assert_int_equal(ferry_token_verify(f->ctx, a, &t, &f->err), 0);
	assert_string_equal(t.name, "a");
	assert_int_equal(t.role, FERRY_TOKEN_OPERATOR);
	assert_string_equal(t.project, "p");
	assert_not_stored(f, a);
	assert_not_stored(f, b);
	/* malformed, unknown id, wrong secret: refused without echoing the secret */
	assert_int_equal(ferry_token_verify(f->ctx, "hello", &t, &f->err), FERRY_EREFUSED);
	assert_non_null(strstr(f->err.msg, "malformed"));
	bad = strdup(a);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(ferry_token_verify(f->ctx, bad, &t, &f->err), FERRY_EREFUSED);
	assert_null(strstr(f->err.msg, strrchr(bad, '_') + 1));
	free(bad);
	/* duplicate names, bad roles, unknown projects, expiry in the past */
	{
		struct ferry_token_spec dup = { "a", "viewer", NULL, 0 }, role = { "r", "god", NULL, 0 },
					proj = { "s", "viewer", "nope", 0 };
		assert_int_equal(ferry_token_create(f->ctx, &dup, &sec, NULL, &f->err), FERRY_EEXIST);
		assert_int_equal(ferry_token_create(f->ctx, &role, &sec, NULL, &f->err), FERRY_EINVAL);
		assert_int_equal(ferry_token_create(f->ctx, &proj, &sec, NULL, &f->err), FERRY_ENOTFOUND);
		assert_int_equal(ferry_token_create(f->ctx, &past, &sec, NULL, &f->err), FERRY_EINVAL);
	}
	/* revoked, then expired (its expiry moved into the past in the store) */
	assert_int_equal(ferry_token_revoke(f->ctx, "a", &f->err), 0);
	assert_int_equal(ferry_token_revoke(f->ctx, "a", &f->err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_token_verify(f->ctx, a, &t, &f->err), FERRY_EREFUSED);
	assert_non_null(strstr(f->err.msg, "revoked"));
	assert_int_equal(ferry_store_run(f->ctx->store, &f->err,
		"UPDATE api_tokens SET expires_ms = 1 WHERE name = 'b'", ""), 0);
	assert_int_equal(ferry_token_verify(f->ctx, b, &t, &f->err), FERRY_EREFUSED);
	assert_non_null(strstr(f->err.msg, "expired"));
	ferry_token_secret_free(a);
	ferry_token_secret_free(b);
}

/* Every role against every need, scoped and not, bound to a project or not. */
static void test_allows(void **state)
{
	static const enum ferry_token_role roles[] = { FERRY_TOKEN_VIEWER, FERRY_TOKEN_OPERATOR,
						       FERRY_TOKEN_ADMIN };
	struct ferry_token t;
	struct ferry_error err;
	size_t i, j;

	(void)state;
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "t");
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			int ok = roles[i] >= roles[j];
			t.role = roles[i];
			t.project[0] = '\0';
			assert_int_equal(ferry_token_allows(&t, roles[j], "p", &err), ok ? 0 : FERRY_EREFUSED);
			assert_int_equal(ferry_token_allows(&t, roles[j], NULL, &err), ok ? 0 : FERRY_EREFUSED);
			snprintf(t.project, sizeof(t.project), "p");
			assert_int_equal(ferry_token_allows(&t, roles[j], "p", &err), ok ? 0 : FERRY_EREFUSED);
			assert_int_equal(ferry_token_allows(&t, roles[j], "q", &err), FERRY_EREFUSED);
			assert_int_equal(ferry_token_allows(&t, roles[j], NULL, &err), FERRY_EREFUSED);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_and_expiry),
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test(test_allows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
