/* cmd_env.c: `ferry env create|list|show|rm`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define CREATE_USAGE "ferry env create NAME --project P --role development|sandbox|production " \
		     "[--product PRODUCT] --app RELEASE --platform PU"

static int env_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ "role", required_argument, NULL, 'r' },
		{ "product", required_argument, NULL, 'p' },
		{ "app", required_argument, NULL, 'a' },
		{ "platform", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_env_spec spec = { 0 };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'P': spec.project = optarg; break;
		case 'r': spec.role = optarg; break;
		case 'p': spec.product = optarg; break;
		case 'a': spec.app_release = optarg; break;
		case 'f': spec.platform = optarg; break;
		default:
			return cli_usage(CREATE_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage(CREATE_USAGE, optind >= argc ? "missing environment NAME" : "too many arguments");
	if (!spec.project)
		return cli_usage(CREATE_USAGE, "missing --project");
	if (!spec.role)
		return cli_usage(CREATE_USAGE, "missing --role");
	spec.name = argv[optind];
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_env_create(ctx, &spec, &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Created environment '%s' (%s, %s %s/%s) in project '%s'\n", spec.name,
		       spec.role, spec.product ? spec.product : "project product",
		       spec.app_release, spec.platform, spec.project);
	return EXIT_OK;
}

#define LIST_USAGE "ferry env list [--project P] [--all] [--json]"

static int env_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cols[] = { "name", "project", "role", "state", "app_release",
					    "platform", NULL };
	static const char *const heads[] = { "NAME", "PROJECT", "ROLE", "STATE", "RELEASE",
					     "PLATFORM", NULL };
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int c, ec, all = 0;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'P')
			project = optarg;
		else if (c == 'A')
			all = 1;
		else
			return cli_usage(LIST_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage(LIST_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_env_list(ctx, project, all, &arr, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else
		cli_print_table(arr, cols, heads);
	json_decref(arr);
	return EXIT_OK;
}

#define SHOW_USAGE "ferry env show NAME [--view original|upgrade] [--json]"

static int env_show(struct cli *cli, int argc, char **argv)
{
	static const char *const keys[] = { "name", "project", "role", "state", "product",
					    "app_release", "platform", "url", "runtime", "pid", "release",
					    "created", "updated", NULL };
	static const struct option opts[] = { { "view", required_argument, NULL, 'v' }, { NULL, 0, NULL, 0 } };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_env e;
	const char *view = NULL;
	json_t *o;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'v')
			return cli_usage(SHOW_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		view = optarg;
	}
	if (optind != argc - 1)
		return cli_usage(SHOW_USAGE, optind >= argc ? "missing environment NAME" : "too many arguments");
	if (view && strcmp(view, "original") && strcmp(view, "upgrade"))
		return cli_usage(SHOW_USAGE, "--view wants 'original' or 'upgrade', not '%s'", view);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	if (view && !strcmp(view, "upgrade"))   /* the upgrade-in-progress view: cmd_upgrade_show.c */
		return cli_env_show_view(cli, argv[optind], view, NULL);
	ferry_error_clear(&err);
	if (ferry_env_get(ctx, argv[optind], &e, &err))
		return cli_fail(cli, &err);
	o = ferry_env_to_json(&e);
	cli_env_show_runtime(cli, o);
	if (view)
		cli_env_show_view(cli, argv[optind], view, o);
	if (cli->json)
		cli_print_json(o);
	else
		cli_print_fields(o, keys);
	json_decref(o);
	return EXIT_OK;
}

static int env_rm(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if (argc != 2)
		return cli_usage("ferry env rm NAME",
				 argc < 2 ? "missing environment NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (cli_env_rm_runtime(cli, argv[1], &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Deleted environment '%s'\n", argv[1]);
	return EXIT_OK;
}

int cmd_env(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "create", env_create, "create NAME --project P --role R --app RELEASE --platform PU" },
		{ "list", env_list, "list [--project P] [--all] [--json]" },
		{ "show", env_show, "show NAME [--view original|upgrade] [--json]" },
		{ "rm", env_rm, "rm NAME" },
		{ "deploy", cmd_env_deploy, "deploy NAME (--package REF | --from-dir DIR) [--no-start] [--timeout S]" },
		{ "start", cmd_env_start, "start NAME [--timeout S] [--new-port]" },
		{ "stop", cmd_env_stop, "stop NAME [--grace S]" },
		{ "restart", cmd_env_restart, "restart NAME [--grace S] [--timeout S]" },
		{ "status", cmd_env_status, "status NAME [--json]" },
		{ "logs", cmd_env_logs, "logs NAME [-n LINES] [--follow]" },
		{ "config", cmd_env_config, "config NAME [--set KEY=VALUE]... [--unset KEY]... [--json]" },
		{ "db", cmd_env_db, "db NAME checksum|dump|restore-points|restore-point RP|restore RP|copy-from SRC" },
		{ "apply", cmd_env_apply, "apply ENV PACKAGE [--check]   validate, then service the environment" },
		{ "signoff", cmd_env_signoff, "signoff ENV                   sign off the package awaiting sign-off" },
		{ "rollback", cmd_env_rollback, "rollback ENV                  reverse the package not signed off" },
		{ "history", cmd_env_history, "history ENV [--json]          package deployments" },
		{ "data-upgrade", cmd_env_data_upgrade, "data-upgrade DEV [--package REF]  rehearse a data upgrade" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "env", table, argc, argv);
}
