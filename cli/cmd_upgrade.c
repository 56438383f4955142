/* cmd_upgrade.c: `ferry upgrade ...`: the upgrade advisor (`check`); the
 * self-service upgrade commands join this table. */
#include "cli.h"

#include "ferry/advisor.h"
#include "ferry/catalog.h"
#include "ferry/ctx.h"
#include "ferry/error.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_USAGE "ferry upgrade check (--from VERSION | --env NAME) --to VERSION " \
		    "[--from-platform PUn] [--to-platform PUn] [--product P] [--json]"

static void print_side(const char *label, const struct ferry_catalog_release *r,
		       const struct ferry_catalog_platform *p)
{
	printf("%-6s %s (%s", label, r->id, r->name);
	if (r->build)
		printf(", AX7.version %s", r->build);
	printf(")%s%s\n", p ? " on " : "", p ? p->id : "");
}

static void print_advice(const struct ferry_advice *adv)
{
	json_t *x;
	size_t i;

	if (adv->env)
		printf("env:   %s\n", adv->env);
	print_side("from:", adv->from, adv->from_platform);
	print_side("to:", adv->to, adv->to_platform);
	printf("\nkind:                            %s\n", ferry_move_kind_name(adv->kind));
	printf("code upgrade service required:   %s\n", adv->code_upgrade_required ? "yes" : "no");
	printf("data upgrade required:           %s\n", adv->data_upgrade_required ? "yes" : "no");
	printf("refactor overlayering required:  %s\n", adv->refactor_overlayering_required ? "yes" : "no");
	printf("hotfixes supported on target:    %s\n", adv->hotfixes_supported ? "yes" : "no");
	printf("\nwhy:\n");
	json_array_foreach(adv->reasons, i, x) {
		const json_t *v = json_object_get(x, "value");
		printf("  %s = %s  [%s]\n    %s\n", json_string_value(json_object_get(x, "answer")),
		       json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "yes" : "no",
		       json_string_value(json_object_get(x, "rule")),
		       json_string_value(json_object_get(x, "text")));
	}
	printf("\nsteps:\n");
	json_array_foreach(adv->steps, i, x)
		printf("  %2zu. [%s] %s\n      (%s: %s)\n", i + 1,
		       json_string_value(json_object_get(x, "environment")),
		       json_string_value(json_object_get(x, "title")),
		       json_string_value(json_object_get(x, "id")),
		       json_string_value(json_object_get(x, "rule")));
}

static int upgrade_check(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "from-platform", required_argument, NULL, 'F' },
		{ "to-platform", required_argument, NULL, 'T' },
		{ "env", required_argument, NULL, 'e' },
		{ "product", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct ferry_advice_request req = { 0 };
	struct ferry_catalog *cat = NULL;
	struct ferry_advice *adv = NULL;
	const char *env = NULL, *product = NULL;
	struct ferry_error err;
	int c, rc, ec;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': req.from = optarg; break;
		case 't': req.to = optarg; break;
		case 'F': req.from_platform = optarg; break;
		case 'T': req.to_platform = optarg; break;
		case 'e': env = optarg; break;
		case 'p': product = optarg; break;
		default:
			return cli_usage(CHECK_USAGE, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(CHECK_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!req.to)
		return cli_usage(CHECK_USAGE, "missing --to VERSION");
	if (env && (req.from || req.from_platform || product))
		return cli_usage(CHECK_USAGE, "--env takes the source from the environment: drop --from, --from-platform and --product");
	if (!env && !req.from)
		return cli_usage(CHECK_USAGE, "missing --from VERSION (or --env NAME)");
	ferry_error_clear(&err);
	if (env) {
		struct ferry_ctx *ctx = cli_ctx(cli, &ec);
		if (!ctx)
			return ec;
		rc = ferry_advisor_check_env(ctx, env, &req, &adv, &err);
	} else {
		char *home = ferry_home_resolve(cli->home_opt);
		rc = ferry_catalog_open_home(home, product, &cat, &err);
		free(home);
		if (rc)
			return cli_fail(cli, &err);
		rc = ferry_advisor_check(cat, &req, &adv, &err);
	}
	if (adv && cli->json) {
		json_t *j = ferry_advice_to_json(adv);
		cli_print_json(j);
		json_decref(j);
	} else if (adv && !rc) {
		print_advice(adv);
	}
	ferry_advice_free(adv);
	ferry_catalog_free(cat);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

int cmd_upgrade(struct cli *cli, int argc, char **argv)
{
	static const struct cli_cmd table[] = {
		{ "check", upgrade_check, "check (--from VERSION | --env NAME) --to VERSION [--from-platform PUn] "
					  "[--to-platform PUn] [--product P] [--json]" },
		{ NULL, NULL, NULL }
	};
	return cli_dispatch(cli, "upgrade", table, argc, argv);
}
