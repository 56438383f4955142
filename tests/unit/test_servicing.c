/* SPDX-License-Identifier: MIT */
/* test_servicing.c: the rules servicing applies before a package reaches an environment
 * (lib/lifecycle/servicing.c: ferry_servicing_check) and the database refresh's scrub
 * (lib/lifecycle/refresh_*.c), on the sample ledger: real releases deployed in real
 * runtimes, real SQLite databases, the scrub steps of the application package. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/lifecycle/servicing.h"
#include "ferry/package/asset.h"
#include "ferry/package/keys.h"
#include "ferry/package/package.h"
#include "ferry/runtime/runtime.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static char pkgs[512];

static void build_upload(struct ufx *f, const char *name)
{
	char src[700], out[700];
	struct ferry_asset a;
	int existed;

	snprintf(src, sizeof(src), "%s/%s", pkgs, name);
	snprintf(out, sizeof(out), "%s/%s.tar.zst", f->dir, name);
	if (ferry_package_build(f->ctx, src, out, "vendor", NULL, &f->err) ||
	    ferry_asset_upload(f->ctx, "contoso", out, &a, &existed, &f->err))
		fail_msg("%s: %s", name, f->err.msg);
}

/* Deploy the release of package pkg (built, verified and extracted once). */
static void deploy(struct ufx *f, const char *env, const char *pkg)
{
	struct ferry_deploy_opts o = { 0 };
	char src[700], out[700], dir[700], id[FERRY_RELEASE_ID_MAX];

	o.no_start = 1;
	snprintf(dir, sizeof(dir), "%s/rel-%s", f->dir, pkg);
	if (!ferry_path_exists(dir)) {
		snprintf(src, sizeof(src), "%s/%s", pkgs, pkg);
		snprintf(out, sizeof(out), "%s/%s.tar.zst", f->dir, pkg);
		if (ferry_package_build(f->ctx, src, out, "vendor", NULL, &f->err) ||
		    ferry_package_extract(f->ctx, out, "contoso", dir, NULL, &f->err))
			fail_msg("%s: %s", pkg, f->err.msg);
	}
	if (ferry_runtime_deploy(f->ctx, env, dir, &o, id, &f->err))
		fail_msg("deploy %s on %s: %s", pkg, env, f->err.msg);
}

/* The main database of env (caller frees). */
static char *env_db(struct ufx *f, const char *env)
{
	json_t *j = NULL;
	char *db;

	assert_int_equal(ferry_runtime_env_json(f->ctx, env, 0, &j, &f->err), 0);
	db = strdup(json_string_value(json_object_get(json_object_get(j, "main"), "database")));
	json_decref(j);
	return db;
}

static void ledgerctl(const char *db)
{
	char exe[700];
	pid_t pid;
	int st;

	snprintf(exe, sizeof(exe), "%s/ledger-app-7.3/bin/ledgerctl", pkgs);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", 1);
		dup2(nul, 1);
		execl(exe, "ledgerctl", "generate", "--db", db, "--rows", "200", "--seed", "7", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* One number from the environment's database. */
static long long q(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static int setup(void **state)
{
	static const char *const envs[] = { "sb:sandbox", "prod:production", NULL };
	struct ufx *f = ufx_new("servicing", NULL);
	const char *b = getenv("FERRY_BUILD");
	struct ferry_key k;
	struct ferry_error err;
	char *db;

	snprintf(pkgs, sizeof(pkgs), "%s/examples/packages", b ? b : FERRY_SRCDIR "/build/asan");
	f->err.code = 0;
	ufx_project(f, "contoso", envs);
	assert_int_equal(ferry_key_generate(f->ctx, "vendor", &k, &err), 0);
	assert_int_equal(ferry_key_trust(f->ctx, "contoso", "vendor", &k, &err), 0);
	build_upload(f, "fabrikam-tax-1.4");
	build_upload(f, "ledger-app-8.1");
	build_upload(f, "ledger-data-upgrade-8.1");
	build_upload(f, "ledger-hotfix-kb4051234");
	deploy(f, "sb", "ledger-app-7.3");
	deploy(f, "prod", "ledger-app-7.3");
	db = env_db(f, "prod");
	ledgerctl(db);
	free(db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct ufx *f = *state;
	const char *env[] = { "sb", "prod" };
	int i, killed;

	for (i = 0; i < 2; i++)
		ferry_runtime_env_stop(f->ctx, env[i], NULL, 1, &killed, NULL);
	ufx_free(f);
	return 0;
}

/* The check of package on env: 0 or the refusal; the failed checks' names in failed. */
static int check(struct ufx *f, const char *env, const char *package, char *failed, size_t cap)
{
	struct ferry_apply_spec spec = { env, package, NULL };
	json_t *rep = NULL, *c;
	size_t i, n = 0;
	int rc = ferry_servicing_check(f->ctx, &spec, &rep, &f->err);

	failed[0] = '\0';
	json_array_foreach(json_object_get(rep, "checks"), i, c)
		if (!json_is_true(json_object_get(c, "ok")))
			n += (size_t)snprintf(failed + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
					      json_string_value(json_object_get(c, "check")));
	json_decref(rep);
	return rc;
}

static void test_rules(void **state)
{
	struct ufx *f = *state;
	char failed[256];

	if (check(f, "sb", "fabrikam-tax@1.4.0", failed, sizeof(failed)))
		fail_msg("an ISV package on a sandbox: %s", f->err.msg);
	/* production only takes a package a sandbox signed off */
	assert_int_equal(check(f, "prod", "fabrikam-tax@1.4.0", failed, sizeof(failed)), FERRY_EREFUSED);
	assert_non_null(strstr(failed, "release-candidate"));
	assert_non_null(strstr(f->err.msg, "sandbox ('sb')"));
	/* an application release before 8.0 is an upgrade, not an update */
	assert_int_equal(check(f, "sb", "ledger-app@8.1.0", failed, sizeof(failed)), FERRY_EREFUSED);
	assert_non_null(strstr(failed, "update"));
	assert_non_null(strstr(f->err.msg, "ferry upgrade begin sb --to 8.1"));
	/* a data upgrade is not applied as an update */
	assert_int_not_equal(check(f, "sb", "ledger-data-upgrade@8.1.0", failed, sizeof(failed)), 0);
	/* unknown package, unknown environment */
	assert_int_equal(check(f, "sb", "nope@1.0", failed, sizeof(failed)), FERRY_ENOTFOUND);
	assert_int_equal(check(f, "nope", "fabrikam-tax@1.4.0", failed, sizeof(failed)), FERRY_ENOTFOUND);
}

static void test_refresh_scrubs(void **state)
{
	struct ufx *f = *state;
	char act[37];
	char *sb = env_db(f, "sb"), *prod = env_db(f, "prod");
	long long users = q(prod, "SELECT count(*) FROM users WHERE enabled <> 0");
	long long secrets = q(prod, "SELECT count(*) FROM secrets");

	/* the generated production data has what the scrub must remove */
	assert_true(users > 1);
	assert_true(secrets > 0);
	assert_true(q(prod, "SELECT count(*) FROM batch_jobs WHERE status IN ('waiting', 'executing')") > 0);
	/* refused: into production, onto itself, unknown */
	assert_int_equal(ferry_db_refresh(f->ctx, "sb", "prod", NULL, act, &f->err), FERRY_EREFUSED);
	assert_int_not_equal(ferry_db_refresh(f->ctx, "sb", "sb", NULL, act, &f->err), 0);
	assert_int_equal(ferry_db_refresh(f->ctx, "nope", "sb", NULL, act, &f->err), FERRY_ENOTFOUND);
	if (ferry_db_refresh(f->ctx, "prod", "sb", NULL, act, &f->err))
		fail_msg("refresh: %s", f->err.msg);
	/* the copy is scrubbed, production is not */
	assert_int_equal(q(sb, "SELECT count(*) FROM users WHERE enabled <> 0 AND login <> 'admin'"), 0);
	assert_int_equal(q(sb, "SELECT count(*) FROM users WHERE login = 'admin' AND enabled = 1"), 1);
	assert_int_equal(q(sb, "SELECT count(*) FROM secrets"), 0);
	assert_int_equal(q(sb, "SELECT count(*) FROM batch_jobs WHERE status IN ('waiting', 'executing')"), 0);
	assert_int_equal(q(sb, "SELECT count(*) FROM mail_settings WHERE enabled <> 0 OR smtp_host IS NOT NULL"), 0);
	assert_int_equal(q(sb, "SELECT count(*) FROM customers"), q(prod, "SELECT count(*) FROM customers"));
	assert_int_equal(q(prod, "SELECT count(*) FROM users WHERE enabled <> 0"), users);
	assert_int_equal(q(prod, "SELECT count(*) FROM secrets"), secrets);
	{
		json_t *last = NULL;
		assert_int_equal(ferry_refresh_last(f->ctx, "sb", &last, &f->err), 1);
		assert_string_equal(json_string_value(json_object_get(last, "source")), "prod");
		assert_string_equal(json_string_value(json_object_get(last, "source_role")), "production");
		json_decref(last);
	}
	free(sb);
	free(prod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_scrubs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
