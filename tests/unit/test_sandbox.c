/* SPDX-License-Identifier: MIT */
/* test_sandbox.c: unit tests of the sandbox's parts (docs/SECURITY.md): the database
 * connection an environment sees (a password moved to its pgpass file), the manifest's
 * limits and environment, the settings' choices and ranges, the uids given to
 * environments (host users skipped, a removed environment's given again, the range
 * running out), and Landlock enforced in a real child (its own paths only, no signals
 * out of its domain). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/package/manifest.h"
#include "ferry/project/env.h"
#include "ferry/project/project.h"
#include "ferry/registry/registry.h"
#include "ferry/runtime/runtime.h"
#include "ferry/runtime/sandbox.h"
#include "ferry/store/ctx.h"
#include "runtime/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void conn_is(const char *conn, const char *want_pub, const char *want_line)
{
	char *pub = NULL, *line = NULL;

	assert_int_equal(rt_sb_db_conn(conn, "/e/secrets", &pub, &line), 0);
	assert_string_equal(pub, want_pub);
	assert_string_equal(line, want_line);
	free(pub);
	free(line);
}

/* A password leaves the connection string for the pgpass file; nothing else changes. */
static void test_db_conn(void **state)
{
	(void)state;
	conn_is("/e/db/app.db", "/e/db/app.db", "");
	conn_is("postgresql:///d?host=/s&user=u", "postgresql:///d?host=/s&user=u", "");
	conn_is("postgresql://u:p%3Aw\\x@h:5433/d?sslmode=require",
		"postgresql://u@h:5433/d?sslmode=require&passfile=/e/secrets/pgpass",
		"*:*:*:*:p\\:w\\\\x\n");
	conn_is("postgresql:///d?host=/s&password=pw&user=u",
		"postgresql:///d?host=/s&user=u&passfile=/e/secrets/pgpass", "*:*:*:*:pw\n");
	conn_is("postgres:///d?password=pw", "postgres:///d?passfile=/e/secrets/pgpass", "*:*:*:*:pw\n");
	conn_is("postgresql://u:one@h/d?password=two&x=1",
		"postgresql://u@h/d?x=1&passfile=/e/secrets/pgpass", "*:*:*:*:one\n");
}

static int sandbox_of(const char *json, struct ferry_limits *l, json_t **env, struct ferry_error *err)
{
	json_t *root = json_loads(json, 0, NULL);
	int rc;

	assert_non_null(root);
	rc = ferry_manifest_sandbox(root, l, env, err);
	json_decref(root);
	return rc;
}

/* limits and environment: defaults, bounds, names ferry keeps, applications only. */
static void test_manifest_sandbox(void **state)
{
	struct ferry_limits l;
	struct ferry_error err;

	(void)state;
	assert_int_equal(sandbox_of("{\"type\": \"application\"}", &l, NULL, &err), 0);
	assert_int_equal(l.open_files, FERRY_LIMIT_OPEN_FILES);
	assert_int_equal(l.processes, FERRY_LIMIT_PROCESSES);
	assert_int_equal(l.memory_mb, FERRY_LIMIT_MEMORY_MB);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"limits\": {\"processes\": 64, "
				    "\"memory_mb\": 512}}", &l, NULL, &err), 0);
	assert_int_equal(l.processes, 64);
	assert_int_equal(l.memory_mb, 512);
	assert_int_equal(l.open_files, FERRY_LIMIT_OPEN_FILES);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"limits\": {\"open_files\": 63}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "limits.open_files: must be an integer from 64 to 1048576"));
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"limits\": {\"processes\": \"9\"}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"limits\": {\"cpus\": 2}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "limits.cpus: unknown limit"));
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"limits\": [1]}", &l, NULL, &err),
			 FERRY_EINVAL);
	assert_int_equal(sandbox_of("{\"type\": \"isv\", \"limits\": {}}", &l, NULL, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "only application packages declare it"));
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"environment\": {\"A_1\": \"x\"}}",
				    &l, NULL, &err), 0);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"environment\": {\"HOME\": \"/\"}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "environment.HOME: set by ferry"));
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"environment\": {\"FERRY_X\": \"1\"}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"environment\": {\"1A\": \"1\"}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"environment\": {\"A=B\": \"1\"}}",
				    &l, NULL, &err), FERRY_EINVAL);
	assert_int_equal(sandbox_of("{\"type\": \"application\", \"environment\": {\"A\": 1}}",
				    &l, NULL, &err), FERRY_EINVAL);
}

/* The choices' defaults are their first word; a bad value names the choices. */
static void test_settings(void **state)
{
	struct ferry_settings s;
	struct ferry_error err;

	(void)state;
	ferry_settings_init(&s);
	assert_string_equal(ferry_settings_choice(&s, "sandbox"), "auto");
	assert_string_equal(ferry_settings_choice(&s, "sandbox-network"), "confined");
	assert_string_equal(ferry_settings_choice(&s, "sandbox-memory"), "address-space");
	assert_null(ferry_settings_choice(&s, "port-range"));
	assert_int_equal(s.sandbox_uid_lo, 70000);
	assert_int_equal(s.sandbox_uid_hi, 99999);
	assert_int_equal(ferry_settings_set(&s, "sandbox", "bwrap", &err), 0);
	assert_string_equal(ferry_settings_choice(&s, "sandbox"), "bwrap");
	assert_int_equal(ferry_settings_set(&s, "sandbox", "bwra", &err), FERRY_EINVAL);
	assert_string_equal(err.msg, "sandbox 'bwra': expected one of auto|landlock|bwrap|none");
	assert_string_equal(ferry_settings_choice(&s, "sandbox"), "bwrap");
	assert_int_equal(ferry_settings_set(&s, "sandbox", "", &err), 0);
	assert_string_equal(ferry_settings_choice(&s, "sandbox"), "auto");
	assert_int_equal(ferry_settings_set(&s, "sandbox-uids", "100000-100009", &err), 0);
	assert_int_equal(s.sandbox_uid_lo, 100000);
	assert_int_equal(s.sandbox_uid_hi, 100009);
	assert_int_equal(ferry_settings_set(&s, "sandbox-uids", "999-2000", &err), FERRY_EINVAL);
	assert_int_equal(ferry_settings_set(&s, "sandbox-uids", "5000-4000", &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "sandbox-uids '5000-4000': expected LO-HI with 1000 <= LO"));
	assert_int_equal(s.sandbox_uid_lo, 100000);
	ferry_settings_release(&s);
}

/* What the machine offers, and what the settings make of it (for `ferry host check`). */
static void test_host(void **state)
{
	struct ferry_settings s;
	struct ferry_error err;
	json_t *h;

	(void)state;
	ferry_settings_init(&s);
	h = ferry_sandbox_host_json(&s);
	assert_int_equal(json_integer_value(json_object_get(h, "landlock_abi")), rt_landlock_abi());
	assert_int_equal(json_is_true(json_object_get(h, "root")), geteuid() == 0);
	assert_string_equal(json_string_value(json_object_get(h, "sandbox")),
			    rt_landlock_abi() ? "landlock" : json_is_true(json_object_get(h, "bwrap")) ? "bwrap" : "");
	assert_true(json_is_null(json_object_get(h, "refused")) == (rt_landlock_abi() > 0));
	json_decref(h);
	assert_int_equal(ferry_settings_set(&s, "sandbox-users", geteuid() ? "yes" : "no", &err), 0);
	h = ferry_sandbox_host_json(&s);
	assert_true(json_is_string(json_object_get(h, "refused")));
	json_decref(h);
	ferry_settings_release(&s);
}

/* ---- uids: a store, environments, runtimes ---- */

struct fx {
	char dir[PATH_MAX];
	struct ferry_ctx *ctx;
	struct ferry_error err;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ferry_settings s;
	struct ferry_error err;
	struct passwd *nobody = getpwnam("nobody");
	char range[64];

	assert_non_null(nobody);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ferry-ut-sandbox.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* three uids around nobody's: the one in the middle is the host's */
	snprintf(range, sizeof(range), "%ld-%ld", (long)nobody->pw_uid - 1, (long)nobody->pw_uid + 1);
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "home", f->dir, &err), 0);
	assert_int_equal(ferry_settings_set(&s, "sandbox-uids", range, &err), 0);
	assert_int_equal(ferry_ctx_init_home(&s, &err), 0);
	assert_int_equal(ferry_ctx_open(&s, &f->ctx, &err), 0);
	ferry_settings_release(&s);
	assert_int_equal(ferry_project_create(f->ctx, "p", "finance-operations", "", &err), 0);
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

static int uid_of(struct fx *f, const char *env, uid_t *uid)
{
	struct ferry_env_spec spec = { env, "p", "sandbox", NULL, "7.3", "PU20" };
	struct ferry_runtime *rt;
	int rc;

	if (ferry_env_get(f->ctx, env, &(struct ferry_env){ 0 }, NULL))
		assert_int_equal(ferry_env_create(f->ctx, &spec, &f->err), 0);
	assert_int_equal(ferry_runtime_open(f->ctx, env, NULL, 1, &rt, &f->err), 0);
	rc = rt_sb_uid(rt, uid, &f->err);
	ferry_runtime_free(rt);
	return rc;
}

static void test_uids(void **state)
{
	struct fx *f = *state;
	uid_t nobody = getpwnam("nobody")->pw_uid, a, a2, b, c;

	assert_int_equal(uid_of(f, "a", &a), 0);
	assert_int_equal(a, nobody - 1);
	assert_int_equal(uid_of(f, "a", &a2), 0);          /* recorded: the same again */
	assert_int_equal(a2, a);
	assert_int_equal(uid_of(f, "b", &b), 0);
	assert_int_equal(b, nobody + 1);                   /* nobody's is the host's */
	assert_int_equal(uid_of(f, "c", &c), FERRY_ESTATE);
	assert_non_null(strstr(f->err.msg, "widen the setting sandbox-uids"));
	/* a removed environment's uid is given again */
	assert_int_equal(ferry_runtime_env_remove(f->ctx, "a", &f->err), 0);
	assert_int_equal(uid_of(f, "c", &c), 0);
	assert_int_equal(c, a);
}

/* ---- Landlock in a real child ---- */

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

/* A child holding only dir `mine`: it reads and writes there, nothing else; no signal
 * leaves its domain (ABI 6+). */
static void test_landlock(void **state)
{
	char base[] = "/tmp/ferry-ut-landlock.XXXXXX", mine[PATH_MAX], other[PATH_MAX], p[PATH_MAX + 8];
	struct rt_sb_path paths[1];
	struct rt_sandbox sb;
	struct ferry_error err;
	int abi = rt_landlock_abi(), fd, status;
	pid_t pid;

	(void)state;
	if (abi == 0) {
		print_message("# the kernel offers no Landlock here: this test needs it\n");
		fail();
	}
	assert_non_null(mkdtemp(base));
	snprintf(mine, sizeof(mine), "%s/mine", base);
	snprintf(other, sizeof(other), "%s/other", base);
	assert_int_equal(ferry_mkdir_p(mine, 0700, NULL), 0);
	assert_int_equal(ferry_mkdir_p(other, 0700, NULL), 0);
	snprintf(p, sizeof(p), "%s/f", other);
	touch(p);
	memset(&sb, 0, sizeof(sb));
	sb.mode = RT_SB_LANDLOCK;
	sb.abi = abi;
	paths[0].path = mine;
	paths[0].flags = RT_SB_READ | RT_SB_WRITE;
	sb.paths = paths;
	sb.n_paths = 1;
	assert_int_equal(rt_landlock_ruleset(&sb, &fd, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0, f;
		if (rt_landlock_enforce(fd, abi) < 0)
			_exit(100);
		snprintf(p, sizeof(p), "%s/g", mine);
		if ((f = open(p, O_WRONLY | O_CREAT, 0600)) < 0)
			bad |= 1;                                  /* its own: allowed */
		snprintf(p, sizeof(p), "%s/f", other);
		if ((f = open(p, O_RDONLY)) >= 0 || errno != EACCES)
			bad |= 2;                                  /* beside it: denied */
		if ((f = open("/etc/hostname", O_RDONLY)) >= 0 || errno != EACCES)
			bad |= 4;                                  /* the system: not granted here */
		if (abi >= 6 && (kill(getppid(), 0) == 0 || errno != EPERM))
			bad |= 8;                                  /* no signal out of its domain */
		_exit(bad);
	}
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(p, sizeof(p), "%s/g", mine);
	assert_true(ferry_path_exists(p));
	ferry_rm_rf(base, NULL);
}

/* A policy sent to a host's agent: it round-trips, and the agent refuses what its
 * machine cannot give (sandbox_wire.c). */
static json_t *policy(const char *mode, int abi, int own, long uid)
{
	struct rt_sandbox sb;
	char *envp[] = { "PATH=/usr/bin:/bin", "FERRY_ENV=e", NULL };
	json_t *o;

	memset(&sb, 0, sizeof(sb));
	sb.mode = !strcmp(mode, "landlock") ? RT_SB_LANDLOCK : !strcmp(mode, "bwrap") ? RT_SB_BWRAP
										   : RT_SB_NONE;
	sb.abi = abi;
	sb.own_user = own;
	sb.uid = (uid_t)uid;
	sb.gid = (gid_t)uid;
	sb.limits.open_files = 256;
	sb.limits.processes = 64;
	sb.limits.memory_mb = 1024;
	sb.limit_memory = 1;
	sb.net_confined = abi >= 4;
	sb.port = 20001;
	sb.connect[0] = 20001;
	sb.connect[1] = 5432;
	sb.n_connect = 2;
	sb.envp = envp;
	o = rt_sandbox_policy_json(&sb);
	assert_non_null(o);
	return o;
}

static int refused(json_t *o, const struct rt_sb_host *h, const char *why)
{
	struct rt_sandbox sb;
	struct ferry_error e;
	int rc = rt_sandbox_policy_from_json(o, h, &sb, &e);

	rt_sandbox_release(&sb);
	json_decref(o);
	if (rc && why && !strstr(e.msg, why))
		fail_msg("refusal '%s' does not say '%s'", e.msg, why);
	return rc == FERRY_EREFUSED;
}

static void test_wire(void **state)
{
	struct rt_sb_host root = { 6, 1, 1, 0, 0, 0 }, user = { 6, 0, 0, 1000, 1000, 0 };
	struct rt_sandbox sb;
	struct ferry_error e;
	json_t *o = policy("landlock", 6, 1, 88001);

	(void)state;
	assert_int_equal(rt_sandbox_policy_from_json(o, &root, &sb, &e), 0);
	assert_int_equal(sb.mode, RT_SB_LANDLOCK);
	assert_int_equal(sb.abi, 6);
	assert_true(sb.own_user && sb.uid == 88001 && sb.gid == 88001 && sb.unplaced);
	assert_true(sb.limits.open_files == 256 && sb.limits.processes == 64 && sb.limit_memory);
	assert_true(sb.net_confined && sb.n_connect == 2 && sb.connect[1] == 5432 && sb.port == 20001);
	assert_string_equal(sb.envp[1], "FERRY_ENV=e");
	assert_null(sb.envp[2]);
	rt_sandbox_release(&sb);
	json_decref(o);
	/* not root there: ferry's uid on the host, whatever was sent */
	o = policy("landlock", 6, 0, 4242);
	assert_int_equal(rt_sandbox_policy_from_json(o, &user, &sb, &e), 0);
	assert_true(!sb.own_user && sb.uid == 1000 && sb.gid == 1000);
	rt_sandbox_release(&sb);
	json_decref(o);
	/* what the host cannot give is refused, naming it */
	assert_true(refused(policy("landlock", 7, 1, 88001), &root, "Landlock ABI 7"));
	assert_true(refused(policy("bwrap", 0, 0, 1000), &user, "bwrap"));
	assert_true(refused(policy("landlock", 6, 1, 88001), &user, "without root"));
	assert_true(refused(policy("landlock", 6, 0, 0), &root, "as root"));
	/* uid 0 is never an environment's; a uid the host's passwd names is refused */
	o = policy("landlock", 6, 1, 0);
	assert_int_equal(rt_sandbox_policy_from_json(o, &root, &sb, &e), FERRY_EINVAL);
	rt_sandbox_release(&sb);
	json_decref(o);
	if (getpwnam("nobody"))
		assert_true(refused(policy("landlock", 6, 1, (long)getpwnam("nobody")->pw_uid), &root,
				    "user or group of this host"));
	/* none: unconfined as decided, as root too */
	o = policy("none", 0, 0, 0);
	assert_int_equal(rt_sandbox_policy_from_json(o, &root, &sb, &e), 0);
	assert_true(sb.mode == RT_SB_NONE && !sb.limit_memory && !sb.net_confined);
	rt_sandbox_release(&sb);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_conn),
		cmocka_unit_test(test_manifest_sandbox),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_host),
		cmocka_unit_test_setup_teardown(test_uids, setup, teardown),
		cmocka_unit_test(test_landlock),
		cmocka_unit_test(test_wire),
	};
	return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
