/* cmd_db.c: `ferry db refresh|copy|history|rehearsals` and `ferry env data-upgrade`
 * (the data upgrade rehearsal in a development environment). */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/lifecycle/refresh.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define REFRESH_USAGE "ferry db refresh --from ENV --to ENV"
#define COPY_USAGE "ferry db copy --from ENV --to DEV"

static int from_to(int argc, char **argv, const char *usage, const char **from, const char **to)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*from = *to = NULL;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			*from = optarg;
		else if (c == 't')
			*to = optarg;
		else
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage(usage, "unexpected argument '%s'", argv[optind]);
	if (!*from || !*to)
		return cli_usage(usage, "missing %s", !*from ? "--from ENV" : "--to ENV");
	return 0;
}

static int db_copy_cmd(struct cli *cli, int argc, char **argv, int refresh)
{
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	const char *from, *to;
	char act[37] = "";
	int ec, rc;

	if ((ec = from_to(argc, argv, refresh ? REFRESH_USAGE : COPY_USAGE, &from, &to)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	rc = refresh ? ferry_db_refresh(ctx, from, to, &hooks, act, &err)
		     : ferry_db_copy(ctx, from, to, &hooks, act, &err);
	if (rc || cli->json)
		return cli_op_outcome(cli, act, rc, &err);
	if (!cli->quiet)
		printf("%s '%s' from a snapshot of '%s', scrubbed (activity %s)\n",
		       refresh ? "Refreshed" : "Copied into", to, from, act);
	return EXIT_OK;
}

static int db_refresh(struct cli *cli, int argc, char **argv)
{
	return db_copy_cmd(cli, argc, argv, 1);
}

static int db_copy(struct cli *cli, int argc, char **argv)
{
	return db_copy_cmd(cli, argc, argv, 0);
}

static int project_opt(int argc, char **argv, const char *usage, const char **project)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	*project = NULL;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		*project = optarg;
	}
	return optind != argc ? cli_usage(usage, "unexpected argument '%s'", argv[optind]) : 0;
}

static int db_history(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "kind", "source", "source_release", "target", "snapshot",
					    "activity_id", NULL };
	static const char *const heads[] = { "KIND", "FROM", "RELEASE", "TO", "SNAPSHOT", "ACTIVITY", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	const char *project;
	json_t *arr;
	int ec;

	if ((ec = project_opt(argc, argv, "ferry db history [--project P] [--json]", &project)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_refresh_list(ctx, project, &arr, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else
		cli_print_table(arr, cols, heads);
	json_decref(arr);
	return EXIT_OK;
}

static int db_rehearsals(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "env", "from", "to", "total_ms", "db_bytes", "created",
					    "activity_id", NULL };
	static const char *const heads[] = { "ENV", "FROM", "TO", "MS", "DB BYTES", "CREATED",
					     "ACTIVITY", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	const char *project;
	json_t *arr;
	int ec;

	if ((ec = project_opt(argc, argv, "ferry db rehearsals [--project P] [--json]", &project)))
		return ec;
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_rehearsal_list(ctx, project, &arr, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else
		cli_print_table(arr, cols, heads);
	json_decref(arr);
	return EXIT_OK;
}

#define DU_USAGE "ferry env data-upgrade DEV [--package REF]"

int cmd_env_data_upgrade(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "package", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	const char *package = NULL;
	char act[37] = "";
	int c, ec, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return cli_usage(DU_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		package = optarg;
	}
	if (optind != argc - 1)
		return cli_usage(DU_USAGE, optind >= argc ? "missing environment DEV" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	rc = ferry_env_data_upgrade(ctx, argv[optind], package, &hooks, act, &err);
	if (rc || cli->json)
		return cli_op_outcome(cli, act, rc, &err);
	if (!cli->quiet)
		printf("Data upgrade rehearsed on '%s' (activity %s); its timings predict the "
		       "upgrades' downtime (see 'ferry db rehearsals')\n", argv[optind], act);
	return EXIT_OK;
}

int cmd_db(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "refresh", db_refresh, "refresh --from ENV --to ENV   online snapshot, scrubbed (same release)" },
		{ "copy", db_copy, "copy --from ENV --to DEV      into a development environment (any release)" },
		{ "history", db_history, "history [--project P] [--json]  refreshes and copies" },
		{ "rehearsals", db_rehearsals, "rehearsals [--project P] [--json]  data upgrade rehearsals" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "db", table, argc, argv);
}
