/* SPDX-License-Identifier: MIT */
/* cmd_upgrade.c: `ferry upgrade ...`: the upgrade advisor (`check`) and the
 * self-service upgrade: targets, preflight, begin, apply, signoff, rollback-package,
 * data, commit, cancel, resume (status, settings, housekeep: cmd_upgrade_show.c;
 * rollback, writes, watch: cmd_upgrade_writes.c). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"

#include <stdio.h>
#include <string.h>

/* ---- the advisor ------------------------------------------------------------------ */

static void print_side(const char *label, const json_t *s)
{
	printf("%-6s %s (%s", label, cli_str(s, "release"), cli_str(s, "name"));
	if (json_is_string(json_object_get(s, "build")))
		printf(", AX7.version %s", cli_str(s, "build"));
	printf(")%s%s\n", json_is_string(json_object_get(s, "platform")) ? " on " : "",
	       json_is_string(json_object_get(s, "platform")) ? cli_str(s, "platform") : "");
}

static const char *yes_no(const json_t *adv, const char *key)
{
	return json_is_true(json_object_get(adv, key)) ? "yes" : "no";
}

static void print_advice(const json_t *adv)
{
	const json_t *x, *v;
	size_t i;

	if (json_is_string(json_object_get(adv, "env")))
		printf("env:   %s\n", cli_str(adv, "env"));
	print_side("from:", json_object_get(adv, "from"));
	print_side("to:", json_object_get(adv, "to"));
	printf("\nkind:                            %s\n", cli_str(adv, "kind"));
	printf("code upgrade service required:   %s\n", yes_no(adv, "code_upgrade_required"));
	printf("data upgrade required:           %s\n", yes_no(adv, "data_upgrade_required"));
	printf("refactor overlayering required:  %s\n", yes_no(adv, "refactor_overlayering_required"));
	printf("hotfixes supported on target:    %s\n", yes_no(adv, "hotfixes_supported"));
	printf("\nwhy:\n");
	json_array_foreach(json_object_get(adv, "reasons"), i, x) {
		v = json_object_get(x, "value");
		printf("  %s = %s  [%s]\n    %s\n", cli_str(x, "answer"),
		       json_is_string(v) ? json_string_value(v) : json_is_true(v) ? "yes" : "no",
		       cli_str(x, "rule"), cli_str(x, "text"));
	}
	printf("\nsteps:\n");
	json_array_foreach(json_object_get(adv, "steps"), i, x)
		printf("  %2zu. [%s] %s\n      (%s: %s)\n", i + 1, cli_str(x, "environment"),
		       cli_str(x, "title"), cli_str(x, "id"), cli_str(x, "rule"));
}

/* An unsupported move that a server answered as advice: the refusal. */
static int unsupported(const json_t *adv, struct ferry_error *err)
{
	const json_t *t;
	char allowed[1024] = "";
	size_t i, n = 0;

	json_array_foreach(json_object_get(adv, "allowed_targets"), i, t)
		if (n < sizeof(allowed))
			n += (size_t)snprintf(allowed + n, sizeof(allowed) - n, "%s%s", n ? ", " : "",
					      cli_str(t, "target"));
	return ferry_error_set(err, FERRY_EREFUSED, "unsupported move: %s; allowed: %s",
			       cli_str(adv, "reason"), n ? allowed : "nothing");
}

static int upgrade_check(struct cli *cli, const struct cli_args *a)
{
	const char *env = cli_arg(a, "env");
	struct ferry_error err;
	json_t *adv;
	int rc;

	if (env && (cli_arg(a, "from") || cli_arg(a, "from-platform") || cli_arg(a, "product")))
		return cli_bad(a, "--env takes the source from the environment: drop --from, "
			       "--from-platform and --product");
	if (!env && !cli_arg(a, "from"))
		return cli_bad(a, "missing --from VERSION (or --env NAME)");
	rc = cli_call(cli, CLI_UPGRADE_CHECK, json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "to",
		      cli_arg(a, "to"), "from", cli_arg(a, "from"), "from_platform",
		      cli_arg(a, "from-platform"), "to_platform", cli_arg(a, "to-platform"), "env", env,
		      "product", cli_arg(a, "product")), &adv, &err);
	if (!rc && adv && !strcmp(cli_str(adv, "kind"), "unsupported"))
		rc = unsupported(adv, &err);
	if (adv && cli->json)
		cli_print_json(adv);
	else if (adv && !rc)
		print_advice(adv);
	json_decref(adv);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

static const struct cli_opt check_opts[] = {
	{ "from", 0, "VERSION", 0, "the release moved from (7.3, 10.0.24, an AX7.version build)" },
	{ "env", 0, "NAME", 0, "take the release and platform of this environment" },
	{ "to", 0, "VERSION", CLI_OPT_REQUIRED, "the release to move to" },
	{ "from-platform", 0, "PUn", 0, "the platform moved from" },
	{ "to-platform", 0, "PUn", 0, "the platform to move to" },
	{ "product", 0, "P", 0, "the product's catalog (default: the only one)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command upgrade_check_cmd = {
	"check", "", 0, 0, "(--from VERSION | --env NAME) --to VERSION [--from-platform PUn] "
	"[--to-platform PUn] [--product P]", "what moving from one release to another takes, "
	"citing the catalog's rules", check_opts, CLI_READ, upgrade_check
};

/* ---- targets and preflight --------------------------------------------------------- */

static int upgrade_targets(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "target", "TARGET" }, { "kind", "KIND" }, { "name", "NAME" },
		{ "code_upgrade_required", "CODE UPGRADE" }, { "self_service", "SELF-SERVICE" },
		{ NULL, NULL }
	};
	json_t *t;
	int ec;

	if ((ec = cli_ask(cli, CLI_UPGRADE_TARGETS, json_pack("{s:s}", "env", cli_pos(a, 0)), &t)))
		return ec;
	if (cli->json)
		cli_print_json(t);
	else if (json_array_size(t))
		cli_print_table(t, cols);
	else
		printf("'%s' is on the newest release the catalog knows: no target\n", cli_pos(a, 0));
	json_decref(t);
	return EXIT_OK;
}

static const struct cli_command upgrade_targets_cmd = {
	"targets", "ENV", 1, 1, NULL, "the releases the catalog allows from the environment",
	NULL, CLI_READ, upgrade_targets
};

/* A report that a server answered with ok false: the refusal, as the library words it. */
static int preflight_refused(const json_t *rep, struct ferry_error *err)
{
	char msg[FERRY_ERROR_MSG_MAX] = "";
	const json_t *c;
	size_t i, n = 0, k = 0;

	json_array_foreach(json_object_get(rep, "checks"), i, c) {
		if (json_is_true(json_object_get(c, "ok")) || !strcmp(cli_str(c, "severity"), "warning"))
			continue;
		k++;
		if (n < sizeof(msg))
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "\n  - %s: %s", cli_str(c, "check"),
					      cli_str(c, "message"));
	}
	return ferry_error_set(err, FERRY_EREFUSED, "preflight found %zu missing prerequisite%s:%s",
			       k, k == 1 ? "" : "s", msg);
}

static int upgrade_preflight(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	json_t *rep, *c;
	size_t i;
	int rc;

	if (!cli_arg(a, "to") == !cli_flag(a, "data"))
		return cli_bad(a, "give --to RELEASE (before begin) or --data (before the data upgrade)");
	rc = cli_call(cli, CLI_UPGRADE_PREFLIGHT, json_pack("{s:s, s:s?, s:b}", "env", cli_pos(a, 0),
		      "to", cli_arg(a, "to"), "data", cli_flag(a, "data")), &rep, &err);
	if (!rc && rep && json_is_false(json_object_get(rep, "ok")))
		rc = preflight_refused(rep, &err);
	if (cli->json && rep) {
		cli_print_json(rep);
	} else if (rep && !cli->quiet) {
		printf("preflight of '%s' to %s/%s (%s):\n", cli_pos(a, 0), cli_str(rep, "to"),
		       cli_str(rep, "platform"), cli_flag(a, "data") ? "data upgrade" : "begin");
		json_array_foreach(json_object_get(rep, "checks"), i, c)
			printf("  [%s] %-22s %s\n", json_is_true(json_object_get(c, "ok")) ? " ok " :
			       !strcmp(cli_str(c, "severity"), "warning") ? "warn" : "FAIL",
			       cli_str(c, "check"), cli_str(c, "message"));
	}
	json_decref(rep);
	return rc ? cli_fail(cli, &err) : EXIT_OK;
}

static const struct cli_opt preflight_opts[] = {
	{ "to", 0, "RELEASE[/PUn]", 0, "the checks before begin" },
	{ "data", 0, NULL, 0, "the checks before the data upgrade" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command upgrade_preflight_cmd = {
	"preflight", "ENV", 1, 1, "(--to RELEASE[/PUn] | --data)", "every prerequisite of the next "
	"phase at once, with sizes", preflight_opts, CLI_READ, upgrade_preflight
};

/* ---- the phases: operations, then the upgrade's status ------------------------------ */

static void print_ms(const char *label, const json_t *ms)
{
	if (json_is_integer(ms) && json_integer_value(ms) >= 0)
		printf("%s %.1f s\n", label, (double)json_integer_value(ms) / 1000.0);
	else
		printf("%s unknown (no data upgrade rehearsal for this target)\n", label);
}

static int upgrade_begin(struct cli *cli, const struct cli_args *a)
{
	if (!cli_arg(a, "to"))
		return cli_bad(a, "missing --to RELEASE[/PUn] (see 'ferry upgrade targets %s')",
			       cli_pos(a, 0));
	return cli_upgrade_phase(cli, "upgrade.begin", json_pack("{s:s, s:s, s:s?}", "env", cli_pos(a, 0),
		     "to", cli_arg(a, "to"), "host", cli_arg(a, "host")), cli_pos(a, 0), "Prepared the "
		     "upgrade-in-progress environment; the original kept serving");
}

static const struct cli_opt begin_opts[] = {
	{ "to", 0, "RELEASE[/PUn]", 0, "the target (see 'ferry upgrade targets ENV')" },
	{ "host", 0, "NAME", 0, "prepare it on this host (default: the original's); the data "
	  "upgrade moves the database and the address there" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command upgrade_begin_cmd = {
	"begin", "ENV", 1, 1, "--to RELEASE[/PUn] [--host NAME]", "prepare the upgrade-in-progress environment "
	"(the original keeps serving)", begin_opts, CLI_AT, upgrade_begin
};

/* What each phase below runs, and says when it is done. */
static const struct {
	const char *name, *action, *done;
} phases[] = {
	{ "apply", "upgrade.apply", "Package applied to the upgrade-in-progress environment: "
	  "validate it, then sign it off" },
	{ "signoff", "upgrade.signoff", "Signed off" },
	{ "rollback-package", "upgrade.rollback-package", "Package rolled back on the "
	  "upgrade-in-progress environment" },
	{ "commit", "upgrade.commit", "Committed: the upgraded environment is the environment now" },
	{ "cancel", "upgrade.cancel", "Cancelled: the upgrade-in-progress environment is gone, the "
	  "original as it was" },
	{ "resume", "upgrade.resume", "Resumed" },
	{ "data", "upgrade.data", "Data upgrade done: the upgraded environment serves on the "
	  "original's address; validate it, then commit or roll back" },
};

static int upgrade_phase(struct cli *cli, const struct cli_args *a)
{
	const char *view = cli_arg(a, "view");
	json_t *st = NULL;
	size_t i;
	int ec;

	for (i = 0; strcmp(phases[i].name, a->cmd->name); i++)
		;
	if (view && strcmp(view, "original") && strcmp(view, "upgrade"))
		return cli_bad(a, "--view wants 'original' or 'upgrade', not '%s'", view);
	if (!strcmp(a->cmd->name, "data") && !cli->json && !cli->quiet && !cli->at &&
	    !cli_ask(cli, CLI_UPGRADE_STATUS, json_pack("{s:s}", "env", cli_pos(a, 0)), &st)) {
		print_ms("predicted downtime:", json_object_get(json_object_get(st, "downtime"),
								"predicted_ms"));
		fflush(stdout);
		json_decref(st);
	}
	ec = cli_upgrade_phase(cli, phases[i].action, json_pack("{s:s, s:s?, s:s?}", "env",
			       cli_pos(a, 0), "package", cli_pos(a, 1), "view", view), cli_pos(a, 0),
			       phases[i].done);
	/* After the data upgrade a run on the home watches it for the project's watch period
	 * (ferryd does the same; with --server it is ferryd's). */
	if (!ec && !strcmp(a->cmd->name, "data") && !cli->at && !cli->be->remote &&
	    !cli_flag(a, "no-watch"))
		ec = cli_upgrade_watch_run(cli, cli_pos(a, 0));
	return ec;
}

static const struct cli_opt cancel_opts[] = {
	{ "view", 0, "original|upgrade", 0, "the view you act from (refused from the upgrade's)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command up_apply_cmd = {
	"apply", "ENV PACKAGE", 2, 2, NULL, "apply a package to the upgrade-in-progress "
	"environment", NULL, CLI_AT, upgrade_phase
};
static const struct cli_command up_signoff_cmd = {
	"signoff", "ENV", 1, 1, NULL, "sign off the package applied last", NULL, CLI_AT,
	upgrade_phase
};
static const struct cli_command up_rollback_pkg_cmd = {
	"rollback-package", "ENV", 1, 1, NULL, "roll back that package (not the upgrade)", NULL,
	CLI_AT, upgrade_phase
};
static const struct cli_opt data_opts[] = {
	{ "no-watch", 0, NULL, 0, "return when it is done; do not watch it here (ferryd watches "
	  "when it runs)" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command up_data_cmd = {
	"data", "ENV", 1, 1, NULL, "data upgrade and swap (the downtime), then the watch the "
	"project asks for", data_opts, CLI_AT | CLI_CONFIRM, upgrade_phase
};
static const struct cli_command up_commit_cmd = {
	"commit", "ENV", 1, 1, NULL, "mark the upgrade successful", NULL, CLI_AT, upgrade_phase
};
static const struct cli_command up_cancel_cmd = {
	"cancel", "ENV", 1, 1, NULL, "remove the upgrade-in-progress environment (before the data "
	"upgrade)", cancel_opts, CLI_AT | CLI_CONFIRM, upgrade_phase
};
static const struct cli_command up_resume_cmd = {
	"resume", "ENV", 1, 1, NULL, "continue a failed phase at its failed step", NULL, CLI_AT,
	upgrade_phase
};

const struct cli_command *const cli_upgrade_cmds[] = {
	&upgrade_check_cmd, &upgrade_targets_cmd, &upgrade_preflight_cmd, &upgrade_begin_cmd,
	&up_apply_cmd, &up_signoff_cmd, &up_rollback_pkg_cmd, &up_data_cmd, &up_commit_cmd,
	&cli_upgrade_rollback, &up_cancel_cmd, &up_resume_cmd, &cli_upgrade_status,
	&cli_upgrade_writes, &cli_upgrade_watch, &cli_upgrade_settings, &cli_upgrade_housekeep, NULL
};
