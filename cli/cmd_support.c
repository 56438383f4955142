/* SPDX-License-Identifier: MIT */
/* cmd_support.c: `ferry support bundle ENV [-o FILE]`, and beside the environment
 * commands `ferry env report-outage ENV --message TEXT` and `ferry env incidents ENV`
 * (listed in cmd_env.c): what support asks for, on the home (ferryd: POST
 * /api/environments/{env}/outage, GET .../incidents). */
#include "cli.h"

#include "ferry/base/error.h"
#include "ferry/lifecycle/support.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <string.h>

static int support_bundle(struct cli *cli, const struct cli_args *a)
{
	struct ferry_support_opts o = { cli_arg(a, "output"), cli_arg(a, "ferryd-log"), 0, 0 };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *sum;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_support_bundle(ctx, cli_pos(a, 0), &o, &sum, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(sum);
	else if (!cli->quiet)
		printf("Support bundle of '%s': %s (%lld bytes, sha256 %s)\n", cli_pos(a, 0),
		       cli_str(sum, "path"), (long long)json_integer_value(json_object_get(sum, "bytes")),
		       cli_str(sum, "sha256"));
	json_decref(sum);
	return EXIT_OK;
}

static const struct cli_opt bundle_opts[] = {
	{ "output", 'o', "FILE", 0, "write it here (default <home>/support/ENV-TIME.tar.zst)" },
	{ "ferryd-log", 0, "FILE", 0, "add the end of this ferryd log" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command support_bundle_cmd = {
	"bundle", "ENV", 1, 1, NULL, "a tar.zst for support: journals, step logs, config (secrets "
	"scrubbed), versions, catalog, audit, logs", bundle_opts, CLI_LOCAL | CLI_READ, support_bundle
};

const struct cli_command *const cli_support_cmds[] = { &support_bundle_cmd, NULL };

static int env_report_outage(struct cli *cli, const struct cli_args *a)
{
	struct ferry_support_opts o = { NULL, cli_arg(a, "ferryd-log"), 0, 0 };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *inc;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_incident_report(ctx, cli_pos(a, 0), cli_arg(a, "message"), &o, &inc, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(inc);
	else if (!cli->quiet)
		printf("Outage of '%s' recorded as incident %lld; support bundle %s; the project's "
		       "channels were notified\n", cli_pos(a, 0),
		       (long long)json_integer_value(json_object_get(inc, "id")),
		       cli_str(json_object_get(inc, "bundle"), "path"));
	json_decref(inc);
	return EXIT_OK;
}

static const struct cli_opt outage_opts[] = {
	{ "message", 'm', "TEXT", CLI_OPT_REQUIRED, "what users see, since when" },
	{ "ferryd-log", 0, "FILE", 0, "add the end of this ferryd log to the bundle" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_command cli_env_report_outage = {
	"report-outage", "ENV", 1, 1, NULL, "record an outage with a support bundle and notify the "
	"project", outage_opts, CLI_LOCAL, env_report_outage
};

static int env_incidents(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = { { "id", "ID" }, { "created", "REPORTED" },
		{ "actor", "BY" }, { "message", "MESSAGE" }, { NULL, NULL } };
	struct ferry_error err;
	struct ferry_ctx *ctx;
	json_t *l;
	int ec;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_incident_list(ctx, NULL, cli_pos(a, 0), &l, &err))
		return cli_fail(cli, &err);
	if (cli->json)
		cli_print_json(l);
	else if (!cli->quiet)
		cli_print_table(l, cols);
	json_decref(l);
	return EXIT_OK;
}

const struct cli_command cli_env_incidents = {
	"incidents", "ENV", 1, 1, NULL, "the outages reported on an environment", NULL,
	CLI_LOCAL | CLI_READ, env_incidents
};
