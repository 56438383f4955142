/* cmd_key.c: `ferry key generate|list|export|trust|revoke`. */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/package/keys.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int key_generate(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_key k;
	int ec;

	if (argc != 2)
		return cli_usage("ferry key generate NAME", argc < 2 ? "missing key NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_key_generate(ctx, argv[1], &k, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = ferry_key_to_json(&k);
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("Generated key '%s' (id %s); private key in %s/keys/%s.key (0600)\n",
		       k.name, k.key_id, ctx->home, k.name);
	}
	return EXIT_OK;
}

#define LIST_USAGE "ferry key list [--project P] [--json]"

static int key_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cols[] = { "name", "key_id", "private_key", "trusted_by", "created", NULL };
	static const char *const heads[] = { "NAME", "KEY ID", "PRIVATE", "TRUSTED BY", "CREATED", NULL };
	static const char *const pcols[] = { "name", "key_id", "state", "trusted", "revoked", NULL };
	static const char *const pheads[] = { "NAME", "KEY ID", "STATE", "TRUSTED", "REVOKED", NULL };
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int c, ec, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return cli_usage(LIST_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		project = optarg;
	}
	if (optind != argc)
		return cli_usage(LIST_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	rc = project ? ferry_key_list_project(ctx, project, &arr, &err) : ferry_key_list(ctx, &arr, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(arr);
	else
		cli_print_table(arr, project ? pcols : cols, project ? pheads : heads);
	json_decref(arr);
	return EXIT_OK;
}

static int key_export(struct cli *cli, int argc, char **argv)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *o;
	int ec;

	if (argc != 2)
		return cli_usage("ferry key export NAME", argc < 2 ? "missing key NAME" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_key_export(ctx, argv[1], &o, &err))
		return cli_fail(cli, &err);
	cli_print_json(o);
	json_decref(o);
	return EXIT_OK;
}

static int trust_or_revoke(struct cli *cli, int argc, char **argv, int revoke)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = revoke ? "ferry key revoke KEYID|NAME --project P"
				   : "ferry key trust NAME|KEYID|PUBKEYFILE --project P";
	const char *project = NULL;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_key k;
	int c, ec, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'P')
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
		project = optarg;
	}
	if (optind != argc - 1)
		return cli_usage(usage, optind >= argc ? "missing key" : "too many arguments");
	if (!project)
		return cli_usage(usage, "missing --project");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	rc = revoke ? ferry_key_revoke(ctx, project, argv[optind], &k, &err)
		    : ferry_key_trust(ctx, project, argv[optind], &k, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (!cli->quiet && !cli->json)
		printf("Project '%s' %s key '%s' (%s)\n", project, revoke ? "revoked" : "trusts",
		       k.name, k.key_id);
	return EXIT_OK;
}

static int key_trust(struct cli *cli, int argc, char **argv)
{
	return trust_or_revoke(cli, argc, argv, 0);
}

static int key_revoke(struct cli *cli, int argc, char **argv)
{
	return trust_or_revoke(cli, argc, argv, 1);
}

int cmd_key(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "generate", key_generate, "generate NAME" },
		{ "list", key_list, "list [--project P] [--json]" },
		{ "export", key_export, "export NAME" },
		{ "trust", key_trust, "trust NAME|KEYID|PUBKEYFILE --project P" },
		{ "revoke", key_revoke, "revoke KEYID|NAME --project P" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "key", table, argc, argv);
}
