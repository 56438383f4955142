/* SPDX-License-Identifier: MIT */
/* cmd_runtime.c: the runtime commands of `ferry env`: deploy, start, stop, restart,
 * status, logs, config and db (listed in cmd_env.c). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VIEW_OPT { "view", 0, "V", 0, "the view (original, upgrade) or slot to act on" }
#define TIMEOUT_OPT { "timeout", 0, "S", 0, "seconds to wait until it answers (1-3600)" }
#define GRACE_OPT { "grace", 0, "S", 0, "seconds between SIGTERM and SIGKILL (1-3600)" }
#define END_OPT { NULL, 0, NULL, 0, NULL }

/* The arguments every runtime call takes: {env, view?} and the seconds given. */
static int rt_args(const struct cli_args *a, json_t **out)
{
	long long t = 0, g = 0;
	int ec;

	*out = NULL;
	if ((ec = cli_int(a, "timeout", 1, 3600, &t)) || (ec = cli_int(a, "grace", 1, 3600, &g)))
		return ec;
	*out = json_pack("{s:s, s:s?}", "env", cli_pos(a, 0), "view", cli_arg(a, "view"));
	if (t)
		json_object_set_new(*out, "timeout", json_integer(t));
	if (g)
		json_object_set_new(*out, "grace", json_integer(g));
	return 0;
}

/* "Started 'sbx': http://... (pid 42, release r3)", or the runtime as JSON. */
static void print_runtime(struct cli *cli, const json_t *o, const char *verb)
{
	const char *slot = cli_str(o, "slot");
	int other = strcmp(slot, FERRY_SLOT_MAIN) && strcmp(slot, "-");

	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("%s '%s'%s%s: %s (pid %lld, release %s)\n", verb, cli_str(o, "environment"),
		       other ? " view " : "", other ? slot : "", cli_str(o, "url"),
		       (long long)json_integer_value(json_object_get(o, "pid")), cli_str(o, "release"));
}

/* A change of the runtime through the backend, then what it answered. */
static int rt_change(struct cli *cli, enum cli_call call, json_t *args, const char *verb)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, call, args, &o)))
		return ec;
	print_runtime(cli, o, call == CLI_ENV_START && json_is_true(cli_hint(cli, "already"))
		      ? "Already running:" : verb);
	json_decref(o);
	return EXIT_OK;
}

static int env_start(struct cli *cli, const struct cli_args *a)
{
	json_t *args;
	int ec;

	if ((ec = rt_args(a, &args)))
		return ec;
	if (cli_flag(a, "new-port"))
		json_object_set_new(args, "new_port", json_true());
	return rt_change(cli, CLI_ENV_START, args, "Started");
}

static const struct cli_opt start_opts[] = {
	TIMEOUT_OPT, { "new-port", 0, NULL, 0, "take a new port (the old one is busy)" },
	VIEW_OPT, END_OPT
};
const struct cli_command cli_env_start = {
	"start", "NAME", 1, 1, NULL, "start the application", start_opts, 0, env_start
};

static int env_stop(struct cli *cli, const struct cli_args *a)
{
	json_t *args, *o;
	int ec;

	if ((ec = rt_args(a, &args)) || (ec = cli_ask(cli, CLI_ENV_STOP, args, &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Stopped '%s'%s\n", cli_pos(a, 0), json_is_true(json_object_get(o, "killed"))
		       ? " (it ignored SIGTERM: killed after the grace period)" : "");
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_opt stop_opts[] = { GRACE_OPT, VIEW_OPT, END_OPT };
const struct cli_command cli_env_stop = {
	"stop", "NAME", 1, 1, NULL, "stop the application", stop_opts, 0, env_stop
};

static int env_restart(struct cli *cli, const struct cli_args *a)
{
	json_t *args;
	int ec;

	if ((ec = rt_args(a, &args)))
		return ec;
	return rt_change(cli, CLI_ENV_RESTART, args, "Restarted");
}

static const struct cli_opt restart_opts[] = { GRACE_OPT, TIMEOUT_OPT, VIEW_OPT, END_OPT };
const struct cli_command cli_env_restart = {
	"restart", "NAME", 1, 1, NULL, "stop, then start the application", restart_opts, 0,
	env_restart
};

static int env_status(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "environment", "slot", "state", "pid", "url", "healthy",
					    "release", "database", "stale_pid", NULL };

	return cli_show_fields(cli, CLI_ENV_STATUS, json_pack("{s:s, s:s?}", "env", cli_pos(a, 0),
			       "view", cli_arg(a, "view")), keys);
}

static const struct cli_opt status_opts[] = { VIEW_OPT, END_OPT };
const struct cli_command cli_env_status = {
	"status", "NAME", 1, 1, NULL, "whether it runs, where, and whether it answers its health "
	"check", status_opts, CLI_READ, env_status
};

/* ---- logs ------------------------------------------------------------------------- */

/* --follow of a runtime on another host: the log asked for every second, what grew
 * printed, until interrupted. */
static int follow_remote(struct ferry_runtime *rt)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	size_t seen = 0;

	if (ferry_runtime_log_tail(rt, 0, &b, NULL) == 0)
		seen = b.len;
	for (;;) {
		ferry_buf_reset(&b);
		usleep(1000000);
		if (ferry_runtime_log_tail(rt, 0, &b, NULL))
			continue;
		if (b.len < seen)
			seen = 0;        /* rotated */
		fwrite(b.data + seen, 1, b.len - seen, stdout);
		fflush(stdout);
		seen = b.len;
	}
	return EXIT_OK;
}

/* --follow (on the home): what is appended to the log, until interrupted. */
static int follow(struct cli *cli, const struct cli_args *a)
{
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char *p;
	FILE *f;
	int c, ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_runtime_open(ctx, cli_pos(a, 0), cli_arg(a, "view") && strcmp(cli_arg(a, "view"),
			       "original") ? cli_arg(a, "view") : FERRY_SLOT_MAIN, 0, &rt, &err))
		return cli_fail(cli, &err);
	p = ferry_runtime_path(rt, "logs/app.log");
	f = p ? fopen(p, "r") : NULL;
	free(p);
	if (!f)
		return follow_remote(rt);   /* the log is on another host */
	ferry_runtime_free(rt);
	fseek(f, 0, SEEK_END);
	for (;;) {
		while ((c = fgetc(f)) != EOF)
			putchar(c);
		fflush(stdout);
		clearerr(f);
		usleep(200000);
	}
}

static int env_logs(struct cli *cli, const struct cli_args *a)
{
	long long lines = 50;
	json_t *o, *none;
	int ec;

	if (cli_arg(a, "lines") && ferry_parse_int(cli_arg(a, "lines"), 1, 100000, &lines))
		return cli_bad(a, "-n wants a positive number of lines, not '%s'", cli_arg(a, "lines"));
	if ((ec = cli_ask(cli, CLI_ENV_LOGS, json_pack("{s:s, s:s?, s:I}", "env", cli_pos(a, 0),
			  "view", cli_arg(a, "view"), "lines", lines), &o)))
		return ec;
	if ((none = cli_hint(cli, "no_log")) && !cli->quiet && !cli_flag(a, "follow"))
		fprintf(stderr, "ferry: no log yet at %s\n", json_string_value(none));
	fputs(json_string_value(json_object_get(o, "log")) ?: "", stdout);
	fflush(stdout);
	json_decref(o);
	return cli_flag(a, "follow") ? follow(cli, a) : EXIT_OK;
}

static const struct cli_opt logs_opts[] = {
	{ "lines", 'n', "LINES", 0, "how many of the last lines (50)" },
	{ "follow", 'f', NULL, CLI_OPT_LOCAL, "then what is appended, until interrupted" },
	VIEW_OPT, END_OPT
};
const struct cli_command cli_env_logs = {
	"logs", "NAME", 1, 1, NULL, "the application's log", logs_opts, CLI_READ, env_logs
};

/* ---- config.json ------------------------------------------------------------------- */

static int env_config(struct cli *cli, const struct cli_args *a)
{
	json_t *args = json_pack("{s:s, s:s?}", "env", cli_pos(a, 0), "view", cli_arg(a, "view"));
	json_t *set = json_object(), *unset = json_array(), *o;
	char key[256];
	int i, n = 0, ec;

	for (i = 0; i < a->nseen; i++) {
		const char *name = a->cmd->opts[a->seen[i].opt].name, *v = a->seen[i].val, *eq;
		if (!strcmp(name, "set")) {
			if (!(eq = strchr(v, '='))) {
				json_decref(args);
				json_decref(set);
				json_decref(unset);
				return cli_bad(a, "--set wants KEY=VALUE, not '%s'", v);
			}
			snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
			json_object_set_new(set, key, json_string(eq + 1));
			n++;
		} else if (!strcmp(name, "unset")) {
			json_array_append_new(unset, json_string(v));
			n++;
		}
	}
	if (n) {
		json_object_set_new(args, "set", set);
		json_object_set_new(args, "unset", unset);
	} else {
		json_decref(set);
		json_decref(unset);
	}
	if ((ec = cli_ask(cli, n ? CLI_ENV_CONFIG_EDIT : CLI_ENV_CONFIG, args, &o)))
		return ec;
	if (!n || cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Updated config.json of '%s' (%d change%s); restart to apply\n", cli_pos(a, 0),
		       n, n == 1 ? "" : "s");
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_opt config_opts[] = {
	{ "set", 0, "KEY=VALUE", CLI_OPT_MULTI, "set a key (VALUE is JSON, else a string)" },
	{ "unset", 0, "KEY", CLI_OPT_MULTI, "remove a key" },
	VIEW_OPT, END_OPT
};
const struct cli_command cli_env_config = {
	"config", "NAME", 1, 1, NULL, "the application's config.json: show it, or change keys "
	"(all in one write)", config_opts, 0, env_config
};

/* ---- deploy and db: on the home -------------------------------------------------- */

static const char *view_slot(const char *view)
{
	return !view || !strcmp(view, "original") ? FERRY_SLOT_MAIN : view;
}

static int print_local_runtime(struct cli *cli, const char *env, const char *view, const char *verb)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt;
	struct ferry_error err;
	json_t *o;

	ferry_error_clear(&err);
	if (ferry_runtime_open(cli->ctx, env, view_slot(view), 0, &rt, &err))
		return cli_fail(cli, &err);
	ferry_runtime_status(rt, 0, &st);
	o = ferry_runtime_to_json(rt, &st);
	json_object_set_new(o, "environment", json_string(env));
	ferry_runtime_free(rt);
	print_runtime(cli, o, verb);
	json_decref(o);
	return EXIT_OK;
}

static int env_deploy(struct cli *cli, const struct cli_args *a)
{
	char id[FERRY_RELEASE_ID_MAX];
	struct ferry_deploy_opts o = { 0 };
	const char *pkg = cli_arg(a, "package"), *dir = cli_arg(a, "from-dir");
	struct ferry_error err;
	struct ferry_ctx *ctx;
	long long t = 0;
	int ec;

	if ((ec = cli_int(a, "timeout", 1, 3600, &t)))
		return ec;
	if (!!pkg == !!dir)
		return cli_bad(a, "give one of --package REF or --from-dir DIR");
	o.slot = view_slot(cli_arg(a, "view"));
	o.no_start = cli_flag(a, "no-start");
	o.timeout_s = (int)t;
	/* the environment's database server: --db, else FERRY_ENV_DB (a deployment default) */
	o.db = cli_arg(a, "db") ? cli_arg(a, "db") : cli->settings->env_db;
	if (o.db && !*o.db)
		o.db = NULL;
	if (o.db && strncmp(o.db, "postgresql://", 13) && strncmp(o.db, "postgres://", 11))
		return cli_bad(a, "--db wants a postgresql:// server URL, not '%s'", o.db);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (pkg ? ferry_runtime_deploy_package(ctx, cli_pos(a, 0), pkg, &o, id, &err)
		: ferry_runtime_deploy(ctx, cli_pos(a, 0), dir, &o, id, &err))
		return cli_fail(cli, &err);
	return print_local_runtime(cli, cli_pos(a, 0), cli_arg(a, "view"),
				   o.no_start ? "Deployed (not started)" : "Deployed and started");
}

static const struct cli_opt deploy_opts[] = {
	{ "package", 0, "REF", 0, "an application package of the asset library" },
	{ "from-dir", 0, "DIR", 0, "a release directory on this machine" },
	{ "no-start", 0, NULL, 0, "install it, do not start it" },
	TIMEOUT_OPT, VIEW_OPT,
	{ "db", 0, "postgresql://SERVER[/PREFIX]", 0, "its database on this PostgreSQL server "
	  "(else $FERRY_ENV_DB, else SQLite)" },
	END_OPT
};
const struct cli_command cli_env_deploy = {
	"deploy", "NAME", 1, 1, "(--package REF | --from-dir DIR) [--no-start] [--timeout S] "
	"[--view V] [--db postgresql://SERVER[/PREFIX]]", "install a release and start it",
	deploy_opts, CLI_LOCAL, env_deploy
};

static int db_verb(struct cli *cli, struct ferry_runtime *rt, const char *verb, const char *arg,
		   struct ferry_error *err)
{
	static const struct cli_col cols[] = {
		{ "name", "NAME" }, { "size", "BYTES" }, { "created", "CREATED" }, { NULL, NULL }
	};
	struct ferry_envdb *db = NULL;
	struct ferry_runtime *src = NULL;
	const char *env = ferry_runtime_env(rt);
	int quiet = cli->quiet || cli->json;
	char sum[65];
	json_t *list;
	int rc;

	if ((rc = ferry_runtime_db(rt, &db, err)))
		return rc;
	if (!strcmp(verb, "checksum") && !(rc = ferry_envdb_checksum(db, sum, err))) {
		printf(cli->json ? "{\n  \"checksum\": \"%s\"\n}\n" : "%s\n", sum);
	} else if (!strcmp(verb, "dump")) {
		rc = ferry_envdb_dump(db, stdout, err);
	} else if (!strcmp(verb, "restore-points") && !(rc = ferry_envdb_rp_list(db, &list, err))) {
		if (cli->json)
			cli_print_json(list);
		else
			cli_print_table(list, cols);
		json_decref(list);
	} else if (!strcmp(verb, "restore-point") && !(rc = ferry_envdb_rp_create(db, arg, err))) {
		if (!quiet)
			printf("Created restore point '%s' of '%s' (%s)\n", arg, env,
			       ferry_envdb_copy_method(db) ? ferry_envdb_copy_method(db) : "copy");
	} else if (!strcmp(verb, "restore") && !(rc = ferry_runtime_db_restore(rt, arg, err))) {
		if (!quiet)
			printf("Restored the database of '%s' from '%s' (%s)\n", env, arg,
			       ferry_envdb_copy_method(db) ? ferry_envdb_copy_method(db) : "copy");
	} else if (!strcmp(verb, "rm-restore-point") && !(rc = ferry_envdb_rp_rm(db, arg, err))) {
		if (!quiet)
			printf("Removed restore point '%s'\n", arg);
	} else if (!strcmp(verb, "copy-from") &&
		   !(rc = ferry_runtime_open(cli->ctx, arg, NULL, 0, &src, err)) &&
		   !(rc = ferry_runtime_db_copy(src, rt, err))) {
		if (!quiet)
			printf("Copied the database of '%s' into '%s'\n", arg, env);
	}
	ferry_runtime_free(src);
	ferry_envdb_free(db);
	return rc;
}

static int env_db(struct cli *cli, const struct cli_args *a)
{
	static const char *const verbs[] = { "checksum", "dump", "restore-points", "restore-point",
					     "restore", "rm-restore-point", "copy-from", NULL };
	const char *verb = cli_pos(a, 1);
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int i, ec;

	for (i = 0; verbs[i] && strcmp(verbs[i], verb); i++)
		;
	if (!verbs[i])
		return cli_bad(a, "unknown database action '%s'", verb);
	if ((i < 3) != (a->npos == 2))
		return cli_bad(a, "'%s' takes %s", verb, i < 3 ? "no argument" : "one argument");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_runtime_open(ctx, cli_pos(a, 0), view_slot(cli_arg(a, "view")), 0, &rt, &err))
		return cli_fail(cli, &err);
	ec = db_verb(cli, rt, verb, cli_pos(a, 2), &err) ? cli_fail(cli, &err) : EXIT_OK;
	ferry_runtime_free(rt);
	return ec;
}

static const struct cli_opt db_opts[] = { VIEW_OPT, END_OPT };
const struct cli_command cli_env_db = {
	"db", "NAME ACTION [ARG]", 2, 3, NULL, "the environment's database; ACTION: checksum, "
	"dump, restore-points, restore-point RP, restore RP, rm-restore-point RP, copy-from SRC",
	db_opts, CLI_LOCAL, env_db
};
