/* SPDX-License-Identifier: MIT */
/* cmd_servicing.c: `ferry env apply|signoff|rollback|history`: packages deployed to an
 * environment with sign-off and rollback (listed in cmd_env.c). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"

#include <stdio.h>
#include <string.h>

static const struct cli_opt slot_opt[] = {
	{ "slot", 0, "SLOT", 0, "the runtime slot (upgrade: the upgrade-in-progress environment)" },
	{ NULL, 0, NULL, 0, NULL }
};

static void print_checks(const json_t *report)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(report, "checks"), i, c)
		printf("  %-4s %-18s %s\n", json_is_true(json_object_get(c, "ok")) ? "ok" : "FAIL",
		       cli_str(c, "check"), cli_str(c, "message"));
}

/* --check: every rule, nothing changed; the report, then its verdict. */
static int apply_check(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	json_t *report;
	int rc;

	if (cli->at)
		return cli_bad(a, "--check checks now: it cannot be scheduled with --at");
	rc = cli_call(cli, CLI_ENV_CHECK, json_pack("{s:s, s:s, s:s?, s:b}", "env", cli_pos(a, 0),
		      "package", cli_pos(a, 1), "slot", cli_arg(a, "slot"), "check", 1), &report, &err);
	if (report && cli->json)
		cli_print_json(report);
	else if (report && !cli->quiet)
		print_checks(report);
	json_decref(report);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

static int env_apply(struct cli *cli, const struct cli_args *a)
{
	if (cli_flag(a, "check"))
		return apply_check(cli, a);
	return cli_op(cli, "env.apply", json_pack("{s:s, s:s, s:s?}", "env", cli_pos(a, 0),
		      "package", cli_pos(a, 1), "slot", cli_arg(a, "slot")));
}

static const struct cli_opt apply_opts[] = {
	{ "check", 0, NULL, 0, "only check every rule; change nothing" },
	{ "slot", 0, "SLOT", 0, "the runtime slot (upgrade: the upgrade-in-progress environment)" },
	{ NULL, 0, NULL, 0, NULL }
};
const struct cli_command cli_env_apply = {
	"apply", "ENV PACKAGE", 2, 2, NULL, "validate, then service the environment with a "
	"package (it waits for sign-off)", apply_opts, CLI_AT, env_apply
};

static int env_signoff(struct cli *cli, const struct cli_args *a)
{
	return cli_op(cli, "env.signoff", json_pack("{s:s, s:s?}", "env", cli_pos(a, 0), "slot",
		      cli_arg(a, "slot")));
}

const struct cli_command cli_env_signoff = {
	"signoff", "ENV", 1, 1, NULL, "sign off the package awaiting sign-off", slot_opt, CLI_AT,
	env_signoff
};

static int env_rollback(struct cli *cli, const struct cli_args *a)
{
	return cli_op(cli, "env.rollback", json_pack("{s:s, s:s?}", "env", cli_pos(a, 0), "slot",
		      cli_arg(a, "slot")));
}

const struct cli_command cli_env_rollback = {
	"rollback", "ENV", 1, 1, NULL, "reverse the package not signed off", slot_opt, CLI_AT,
	env_rollback
};

static int env_history(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "created", "CREATED" }, { "package", "PACKAGE" }, { "version", "VERSION" },
		{ "type", "TYPE" }, { "state", "STATE" }, { "activity_id", "ACTIVITY" }, { NULL, NULL }
	};

	return cli_show_table(cli, CLI_ENV_HISTORY, json_pack("{s:s}", "env", cli_pos(a, 0)), cols);
}

const struct cli_command cli_env_history = {
	"history", "ENV", 1, 1, NULL, "package deployments of the environment", NULL, CLI_READ,
	env_history
};
