/* cmd_servicing.c: `ferry env apply|signoff|rollback|history` (listed in cmd_env.c). */
#include "cli.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/ops/op.h"
#include "ferry/lifecycle/servicing.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define APPLY_USAGE "ferry env apply ENV PACKAGE [--check] [--slot SLOT] [--json]"

static void print_checks(const json_t *report)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(report, "checks"), i, c)
		printf("  %-4s %-18s %s\n", json_is_true(json_object_get(c, "ok")) ? "ok" : "FAIL",
		       json_string_value(json_object_get(c, "check")),
		       json_string_value(json_object_get(c, "message")));
}

int cmd_env_apply(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "slot", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_apply_spec spec = { NULL, NULL, NULL };
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *report = NULL;
	char id[37] = "";
	int c, ec, rc, only_check = 0;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			only_check = 1;
		else if (c == 's')
			spec.slot = optarg;
		else
			return cli_usage(APPLY_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 2)
		return cli_usage(APPLY_USAGE, argc - optind < 2 ? "missing ENV or PACKAGE" : "too many arguments");
	spec.env = argv[optind];
	spec.package = argv[optind + 1];
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (only_check) {
		rc = ferry_servicing_check(ctx, &spec, &report, &err);
		if (report && cli->json)
			cli_print_json(report);
		else if (report && !cli->quiet)
			print_checks(report);
		json_decref(report);
		return rc ? cli_fail(cli, &err) : EXIT_OK;
	}
	cli_op_hooks(cli, &hooks);
	rc = ferry_servicing_apply(ctx, &spec, &hooks, id, &err);
	if (rc && !id[0])
		return cli_fail(cli, &err);
	return cli_op_outcome(cli, id, rc, &err);
}

static int run_env_action(struct cli *cli, int argc, char **argv, int rollback)
{
	static const struct option opts[] = {
		{ "slot", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *usage = rollback ? "ferry env rollback ENV [--slot SLOT]" :
				       "ferry env signoff ENV [--slot SLOT]";
	const char *slot = NULL;
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char id[37] = "";
	int c, ec, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			slot = optarg;
		else
			return cli_usage(usage, "unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage(usage, argc - optind < 1 ? "missing ENV" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	cli_op_hooks(cli, &hooks);
	rc = rollback ? ferry_servicing_rollback(ctx, argv[optind], slot, &hooks, id, &err)
		      : ferry_servicing_signoff(ctx, argv[optind], slot, &hooks, id, &err);
	if (rc && !id[0])
		return cli_fail(cli, &err);
	return cli_op_outcome(cli, id, rc, &err);
}

int cmd_env_signoff(struct cli *cli, int argc, char **argv)
{
	return run_env_action(cli, argc, argv, 0);
}

int cmd_env_rollback(struct cli *cli, int argc, char **argv)
{
	return run_env_action(cli, argc, argv, 1);
}

int cmd_env_history(struct cli *cli, int argc, char **argv)
{
	static const char *const cols[] = { "created", "package", "version", "type", "state",
					    "activity_id", NULL };
	static const char *const heads[] = { "CREATED", "PACKAGE", "VERSION", "TYPE", "STATE",
					     "ACTIVITY", NULL };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *arr;
	int ec;

	if (argc != 2)
		return cli_usage("ferry env history ENV [--json]", argc < 2 ? "missing ENV" : "too many arguments");
	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_servicing_history(ctx, argv[1], &arr, &err))
		return cli_fail(cli, &err);
	cli_emit_table(cli, arr, cols, heads);
	return EXIT_OK;
}
