/* cmd_token.c: `ferry token create|list|revoke`: API tokens for ferryd. The CLI on the
 * home is the local administrator, so these work without a token (bootstrap). */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/token.h"
#include "ferry/base/util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define CREATE_USAGE "ferry token create NAME --role viewer|operator|admin [--project P] " \
		     "[--expires 90d|2026-12-31|never]"

static int token_create(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "project", required_argument, NULL, 'P' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_token_spec spec = { 0 };
	const char *expires = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char *secret = NULL;
	json_t *info = NULL;
	int c, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': spec.role = optarg; break;
		case 'P': spec.project = optarg; break;
		case 'e': expires = optarg; break;
		default:
			return cli_usage(CREATE_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage(CREATE_USAGE, optind >= argc ? "missing token NAME" : "too many arguments");
	if (!spec.role)
		return cli_usage(CREATE_USAGE, "missing --role");
	spec.name = argv[optind];
	ferry_error_clear(&err);
	if (expires && ferry_token_expiry_parse(expires, ferry_now_ms(), &spec.expires_ms, &err))
		return cli_fail(cli, &err);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	if (ferry_token_create(ctx, &spec, &secret, &info, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		json_object_set_new(info, "token", json_string(secret));
		cli_print_json(info);
	} else {
		printf("Created %s token '%s'%s%s. It is shown only this once:\n\n  %s\n\n"
		       "Use it as 'Authorization: Bearer <token>' against ferryd.\n",
		       spec.role, spec.name, spec.project ? " for project " : "",
		       spec.project ? spec.project : "", secret);
	}
	if (info)
		json_object_del(info, "token");
	json_decref(info);
	ferry_token_secret_free(secret);
	return EXIT_OK;
}

static int token_list(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "name", "role", "project", "state", "expires",
					    "last_used", "created", NULL };
	static const char *const heads[] = { "NAME", "ROLE", "PROJECT", "STATE", "EXPIRES",
					     "LAST USED", "CREATED", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int ec;

	if (argc > 1)
		return cli_usage("ferry token list [--json]", "unexpected argument '%s'", argv[1]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_token_list(ctx, &arr, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else
		cli_print_table(arr, cols, heads);
	json_decref(arr);
	return EXIT_OK;
}

static int token_revoke(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec;

	if (argc != 2)
		return cli_usage("ferry token revoke NAME",
				 argc < 2 ? "missing token NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_token_revoke(ctx, argv[1], &err))
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Revoked token '%s'\n", argv[1]);
	return EXIT_OK;
}

int cmd_token(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "create", token_create, "create NAME --role viewer|operator|admin [--project P] [--expires 90d]" },
		{ "list", token_list, "list [--json]" },
		{ "revoke", token_revoke, "revoke NAME" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "token", table, argc, argv);
}
