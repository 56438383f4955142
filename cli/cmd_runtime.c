/* cmd_runtime.c: the runtime commands of `ferry env`: deploy, start, stop, restart,
 * status, logs, config, db; and the runtime part of `env show` and `env rm`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/runtime/runtime.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --view original|upgrade (or a slot name) to a slot. */
static const char *view_slot(const char *view)
{
	if (!view || !strcmp(view, "original"))
		return FERRY_SLOT_MAIN;
	return view;
}

static int seconds(const char *s, const char *usage, const char *opt, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 1 || v > 3600)
		return cli_usage(usage, "%s wants seconds from 1 to 3600, not '%s'", opt, s);
	*out = (int)v;
	return 0;
}

/* Common shape: NAME plus options; fills name and returns 0 or an exit code. */
struct rt_args {
	const char *name, *view, *package, *from_dir, *db;
	int timeout_s, grace_s, new_port, no_start, lines, follow;
};

static int parse(int argc, char **argv, const char *usage, const char *allowed,
		 struct rt_args *a)
{
	static const struct option opts[] = {
		{ "view", required_argument, NULL, 'v' },
		{ "timeout", required_argument, NULL, 't' },
		{ "grace", required_argument, NULL, 'g' },
		{ "new-port", no_argument, NULL, 'N' },
		{ "no-start", no_argument, NULL, 'S' },
		{ "package", required_argument, NULL, 'p' },
		{ "from-dir", required_argument, NULL, 'd' },
		{ "lines", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->lines = 50;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "n:f", opts, NULL)) != -1) {
		if (c == '?' || !strchr(allowed, c))
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		switch (c) {
		case 'v': a->view = optarg; break;
		case 't': if ((rc = seconds(optarg, usage, "--timeout", &a->timeout_s))) return rc; break;
		case 'g': if ((rc = seconds(optarg, usage, "--grace", &a->grace_s))) return rc; break;
		case 'N': a->new_port = 1; break;
		case 'S': a->no_start = 1; break;
		case 'p': a->package = optarg; break;
		case 'd': a->from_dir = optarg; break;
		case 'f': a->follow = 1; break;
		case 'D': a->db = optarg; break;
		case 'n':
			a->lines = (int)strtol(optarg, NULL, 10);
			if (a->lines < 1)
				return cli_usage(usage, "-n wants a positive number of lines");
			break;
		}
	}
	if (optind != argc - 1)
		return cli_usage(usage, optind >= argc ? "missing environment NAME" : "too many arguments");
	a->name = argv[optind];
	return 0;
}

static void print_runtime(struct cli *cli, struct ferry_runtime *rt, const char *verb)
{
	struct ferry_runtime_status st;
	json_t *o;

	ferry_runtime_status(rt, 0, &st);
	o = ferry_runtime_to_json(rt, &st);
	json_object_set_new(o, "environment", json_string(ferry_runtime_env(rt)));
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("%s '%s'%s%s: %s (pid %ld, release %s)\n", verb, ferry_runtime_env(rt),
		       strcmp(ferry_runtime_slot(rt), FERRY_SLOT_MAIN) ? " view " : "",
		       strcmp(ferry_runtime_slot(rt), FERRY_SLOT_MAIN) ? ferry_runtime_slot(rt) : "",
		       json_string_value(json_object_get(o, "url")), st.pid, st.release);
	json_decref(o);
}

static int open_rt(struct cli *cli, const struct rt_args *a, struct ferry_runtime **rt, int *ec)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;

	if (!(ctx = cli_ctx(cli, ec)))
		return -1;
	ferry_error_clear(&err);
	if (ferry_runtime_open(ctx, a->name, view_slot(a->view), 0, rt, &err)) {
		*ec = cli_fail(cli, &err);
		return -1;
	}
	return 0;
}

#define DEPLOY_USAGE "ferry env deploy NAME (--package REF | --from-dir DIR) [--no-start] " \
		     "[--timeout S] [--view V] [--db postgresql://SERVER[/PREFIX]]"

int cmd_env_deploy(struct cli *cli, int argc, char **argv)
{
	char id[FERRY_RELEASE_ID_MAX];
	struct ferry_deploy_opts o = { 0 };
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct rt_args a;
	int ec;

	if ((ec = parse(argc, argv, DEPLOY_USAGE, "vtSpdD", &a)))
		return ec;
	if (!!a.package == !!a.from_dir)
		return cli_usage(DEPLOY_USAGE, "give one of --package REF or --from-dir DIR");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	o.slot = view_slot(a.view);
	o.no_start = a.no_start;
	o.timeout_s = a.timeout_s;
	/* the environment's database server: --db, else FERRY_ENV_DB (a deployment default) */
	o.db = a.db ? a.db : cli->settings->env_db;
	if (o.db && !*o.db)
		o.db = NULL;
	if (o.db && strncmp(o.db, "postgresql://", 13) && strncmp(o.db, "postgres://", 11))
		return cli_usage(DEPLOY_USAGE, "--db wants a postgresql:// server URL, not '%s'", o.db);
	ferry_error_clear(&err);
	if (a.package ? ferry_runtime_deploy_package(ctx, a.name, a.package, &o, id, &err)
		      : ferry_runtime_deploy(ctx, a.name, a.from_dir, &o, id, &err))
		return cli_fail(cli, &err);
	if (!(ec = open_rt(cli, &a, &rt, &ec))) {
		print_runtime(cli, rt, a.no_start ? "Deployed (not started)" : "Deployed and started");
		ferry_runtime_free(rt);
	}
	return ec;
}

#define START_USAGE "ferry env start NAME [--timeout S] [--new-port] [--view V]"

int cmd_env_start(struct cli *cli, int argc, char **argv)
{
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct rt_args a;
	int ec, already = 0;

	if ((ec = parse(argc, argv, START_USAGE, "vtN", &a)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_runtime_env_start(ctx, a.name, view_slot(a.view), a.timeout_s, a.new_port,
				    &already, &err))
		return cli_fail(cli, &err);
	if (!(ec = open_rt(cli, &a, &rt, &ec))) {
		print_runtime(cli, rt, already ? "Already running:" : "Started");
		ferry_runtime_free(rt);
	}
	return ec;
}

#define STOP_USAGE "ferry env stop NAME [--grace S] [--view V]"

int cmd_env_stop(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct rt_args a;
	int ec, killed = 0;

	if ((ec = parse(argc, argv, STOP_USAGE, "vg", &a)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_runtime_env_stop(ctx, a.name, view_slot(a.view), a.grace_s, &killed, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		printf("{\n  \"environment\": \"%s\",\n  \"killed\": %s,\n  \"state\": \"stopped\"\n}\n",
		       a.name, killed ? "true" : "false");
	else if (!cli->quiet)
		printf("Stopped '%s'%s\n", a.name,
		       killed ? " (it ignored SIGTERM: killed after the grace period)" : "");
	return EXIT_OK;
}

#define RESTART_USAGE "ferry env restart NAME [--grace S] [--timeout S] [--view V]"

int cmd_env_restart(struct cli *cli, int argc, char **argv)
{
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct rt_args a;
	int ec;

	if ((ec = parse(argc, argv, RESTART_USAGE, "vgt", &a)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_runtime_env_stop(ctx, a.name, view_slot(a.view), a.grace_s, NULL, &err) ||
	    ferry_runtime_env_start(ctx, a.name, view_slot(a.view), a.timeout_s, 0, NULL, &err))
		return cli_fail(cli, &err);
	if (!(ec = open_rt(cli, &a, &rt, &ec))) {
		print_runtime(cli, rt, "Restarted");
		ferry_runtime_free(rt);
	}
	return ec;
}

int cmd_env_status(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = { "environment", "slot", "state", "pid", "url", "healthy",
					    "release", "database", "stale_pid", NULL };
	struct ferry_runtime_status st;
	struct ferry_runtime *rt;
	struct rt_args a;
	json_t *o;
	int ec;

	if ((ec = parse(argc, argv, "ferry env status NAME [--view V] [--json]", "v", &a)) ||
	    open_rt(cli, &a, &rt, &ec))
		return ec;
	ferry_runtime_status(rt, 1, &st);
	o = ferry_runtime_to_json(rt, &st);
	json_object_set_new(o, "environment", json_string(a.name));
	cli_emit_fields(cli, o, keys);
	ferry_runtime_free(rt);
	return EXIT_OK;
}

/* Print the last n lines of f, then (follow) what is appended, until interrupted. */
static void tail(FILE *f, int n, int follow)
{
	long size, pos;
	int seen = 0, c;

	fseek(f, 0, SEEK_END);
	size = ftell(f);
	for (pos = size - 1; pos >= 0; pos--) {
		fseek(f, pos, SEEK_SET);
		if (fgetc(f) == '\n' && pos != size - 1 && ++seen == n)
			break;
	}
	fseek(f, pos + 1 < 0 ? 0 : pos + 1, SEEK_SET);
	for (;;) {
		while ((c = fgetc(f)) != EOF)
			putchar(c);
		fflush(stdout);
		if (!follow)
			return;
		clearerr(f);
		usleep(200000);
	}
}

int cmd_env_logs(struct cli *cli, int argc, char **argv)
{
	struct ferry_runtime *rt;
	struct rt_args a;
	char *p;
	FILE *f;
	int ec;

	if ((ec = parse(argc, argv, "ferry env logs NAME [-n LINES] [--follow] [--view V]", "vnf", &a)) ||
	    open_rt(cli, &a, &rt, &ec))
		return ec;
	p = ferry_runtime_path(rt, "logs/app.log");
	ferry_runtime_free(rt);
	if (!p || !(f = fopen(p, "r"))) {
		if (!cli->quiet)
			fprintf(stderr, "ferry: no log yet at %s\n", p ? p : "?");
		free(p);
		return EXIT_OK;
	}
	free(p);
	tail(f, a.lines, a.follow);
	fclose(f);
	return EXIT_OK;
}

#define CONFIG_USAGE "ferry env config NAME [--set KEY=VALUE]... [--unset KEY]... [--view V] [--json]"

int cmd_env_config(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "unset", required_argument, NULL, 'u' },
		{ "view", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct rt_args a = { 0 };
	struct ferry_runtime *rt;
	struct ferry_error err;
	char **edits, **keys, **vals;
	int c, ec, i, n = 0;
	json_t *cfg;

	edits = calloc((size_t)argc * 3 + 3, sizeof(*edits));
	if (!edits)
		return EXIT_FAILED;
	keys = edits + argc + 1;
	vals = keys + argc + 1;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's' && !strchr(optarg, '=')) {
			free(edits);
			return cli_usage(CONFIG_USAGE, "--set wants KEY=VALUE, not '%s'", optarg);
		}
		if (c == 's' || c == 'u') {
			edits[n] = c == 's' ? optarg : NULL;
			keys[n++] = optarg;
		}
		else if (c == 'v')
			a.view = optarg;
		else {
			free(edits);
			return cli_usage(CONFIG_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		free(edits);
		return cli_usage(CONFIG_USAGE, optind >= argc ? "missing environment NAME" : "too many arguments");
	}
	a.name = argv[optind];
	if (open_rt(cli, &a, &rt, &ec)) {
		free(edits);
		return ec;
	}
	ferry_error_clear(&err);
	ec = EXIT_OK;
	/* KEY=VALUE into keys/vals (NULL value: unset); all applied in one write. */
	for (i = 0; i < n; i++) {
		char *eq = edits[i] ? strchr(keys[i], '=') : NULL;
		if (eq) {
			*eq = '\0';
			vals[i] = eq + 1;
		}
	}
	if (n && ferry_runtime_config_edit(rt, (const char *const *)keys, (const char *const *)vals, n, &err))
		ec = cli_fail(cli, &err);
	if (ec == EXIT_OK && (n == 0 || cli->json)) {
		if (ferry_runtime_config_get(rt, &cfg, &err)) {
			ec = cli_fail(cli, &err);
		} else {
			cli_print_json(cfg);
			json_decref(cfg);
		}
	} else if (ec == EXIT_OK && !cli->quiet) {
		printf("Updated config.json of '%s' (%d change%s); restart to apply\n", a.name, n,
		       n == 1 ? "" : "s");
	}
	free(edits);
	ferry_runtime_free(rt);
	return ec;
}

#define DB_USAGE "ferry env db NAME checksum | dump | restore-points | restore-point RP | " \
		 "restore RP | rm-restore-point RP | copy-from SRC [--view V]"

static int db_verb(struct cli *cli, struct ferry_ctx *ctx, struct ferry_runtime *rt,
		   const char *verb, const char *arg, struct ferry_error *err)
{
	struct ferry_envdb *db = NULL;
	struct ferry_runtime *src = NULL;
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
		static const char *const cols[] = { "name", "size", "created", NULL };
		static const char *const heads[] = { "NAME", "BYTES", "CREATED", NULL };
		if (cli->json)
			cli_print_json(list);
		else
			cli_print_table(list, cols, heads);
		json_decref(list);
	} else if (!strcmp(verb, "restore-point") && !(rc = ferry_envdb_rp_create(db, arg, err))) {
		if (!cli->quiet && !cli->json)
			printf("Created restore point '%s' of '%s'\n", arg, ferry_runtime_env(rt));
	} else if (!strcmp(verb, "restore") && !(rc = ferry_runtime_db_restore(rt, arg, err))) {
		if (!cli->quiet && !cli->json)
			printf("Restored the database of '%s' from '%s'\n", ferry_runtime_env(rt), arg);
	} else if (!strcmp(verb, "rm-restore-point") && !(rc = ferry_envdb_rp_rm(db, arg, err))) {
		if (!cli->quiet && !cli->json)
			printf("Removed restore point '%s'\n", arg);
	} else if (!strcmp(verb, "copy-from") &&
		   !(rc = ferry_runtime_open(ctx, arg, NULL, 0, &src, err)) &&
		   !(rc = ferry_runtime_db_copy(src, rt, err))) {
		if (!cli->quiet && !cli->json)
			printf("Copied the database of '%s' into '%s'\n", arg, ferry_runtime_env(rt));
	}
	ferry_runtime_free(src);
	ferry_envdb_free(db);
	return rc;
}

int cmd_env_db(struct cli *cli, int argc, char **argv)
{
	static const char *const noarg[] = { "checksum", "dump", "restore-points", NULL };
	static const char *const witharg[] = { "restore-point", "restore", "rm-restore-point",
					       "copy-from", NULL };
	const char *pos[3] = { NULL, NULL, NULL }, *view = NULL;
	struct ferry_runtime *rt;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct rt_args a = { 0 };
	int i, n = 0, ec, want = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--view") && i + 1 < argc)
			view = argv[++i];
		else if (n < 3)
			pos[n++] = argv[i];
		else
			return cli_usage(DB_USAGE, "too many arguments");
	}
	for (i = 0; pos[1] && noarg[i]; i++)
		if (!strcmp(pos[1], noarg[i]))
			want = 2;
	for (i = 0; pos[1] && witharg[i]; i++)
		if (!strcmp(pos[1], witharg[i]))
			want = 3;
	if (!pos[0] || want < 0 || n != want)
		return cli_usage(DB_USAGE, !pos[0] ? "missing environment NAME" :
				 want < 0 ? "missing or unknown database action" : "wrong number of arguments");
	a.name = pos[0];
	a.view = view;
	if (!(ctx = cli_ctx(cli, &ec)) || open_rt(cli, &a, &rt, &ec))
		return ec;
	ferry_error_clear(&err);
	ec = db_verb(cli, ctx, rt, pos[1], pos[2], &err) ? cli_fail(cli, &err) : EXIT_OK;
	ferry_runtime_free(rt);
	return ec;
}


void cli_env_show_runtime(struct cli *cli, json_t *o)
{
	struct ferry_error err;
	json_t *rts, *m;

	ferry_error_clear(&err);
	if (ferry_runtime_env_json(cli->ctx, json_string_value(json_object_get(o, "name")), 1,
				   &rts, &err))
		return;
	if ((m = json_object_get(rts, FERRY_SLOT_MAIN))) {
		json_object_set(o, "url", json_object_get(m, "url"));
		json_object_set(o, "runtime", json_object_get(m, "state"));
		json_object_set(o, "pid", json_object_get(m, "pid"));
		json_object_set(o, "port", json_object_get(m, "port"));
		json_object_set(o, "release", json_object_get(m, "release"));
	}
	json_object_set_new(o, "runtimes", rts);
}

int cli_env_rm_runtime(struct cli *cli, const char *name, struct ferry_error *err)
{
	return ferry_runtime_env_remove(cli->ctx, name, err);
}
