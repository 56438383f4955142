/* SPDX-License-Identifier: MIT */
/* cmd_update.c: `ferry update calendar|settings|pause|resume`: service updates on a
 * cadence (docs/UPDATES.md), on the home (ferryd applies them; GET
 * /api/projects/{project}/service-updates shows the same calendar). */
#include "cli.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/lifecycle/update_cadence.h"
#include "ferry/ops/schedule.h"

#include <stdio.h>
#include <string.h>

#define PROJECT_OPT { "project", 0, "P", CLI_OPT_REQUIRED, "the project" }

static void print_role(const json_t *u, const char *role)
{
	const json_t *r = json_object_get(u, role);
	const char *date = cli_str(r, "date");

	printf("  %-10s %-22s %s\n", role, date && *date ? date : "-", cli_str(r, "state"));
}

static int update_calendar(struct cli *cli, const struct cli_args *a)
{
	struct ferry_error err;
	struct ferry_ctx *ctx;
	long long count = 2;
	json_t *cal, *u;
	size_t i;
	int ec;

	if ((ec = cli_int(a, "count", 1, 100, &count)) || !(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_update_calendar(ctx, cli_arg(a, "project"), ferry_clock_ms(cli->settings), (int)count,
				  &cal, &err))
		return cli_fail(cli, &err);
	if (cli->json) {
		cli_print_json(cal);
	} else if (!cli->quiet) {
		json_array_foreach(cal, i, u) {
			printf("%s (%s), GA %s, end of service %s%s\n", cli_str(u, "version"),
			       cli_str(u, "platform"), cli_str(u, "ga"), cli_str(u, "end_of_service"),
			       json_is_true(json_object_get(u, "paused")) ? ", paused" : "");
			print_role(u, "sandbox");
			print_role(u, "production");
		}
		if (!json_array_size(cal))
			printf("no service update ahead in the catalog\n");
	}
	json_decref(cal);
	return EXIT_OK;
}

static const struct cli_opt calendar_opts[] = {
	PROJECT_OPT,
	{ "count", 'n', "N", 0, "how many updates ahead (2)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_command cli_update_calendar = {
	"calendar", "", 0, 0, NULL, "the next service updates: sandbox and production dates, pauses",
	calendar_opts, CLI_LOCAL | CLI_READ, update_calendar
};

static const struct cli_opt settings_opts[] = {
	PROJECT_OPT,
	{ "window", 0, "SPEC", 0, "production's update window: 'DAYS HH:MM DURATION' ('sat 02:00 4h')" },
	{ "tz", 0, "OFFSET", 0, "the window's time zone: an offset from UTC ('+01:00') or UTC" },
	{ "sandbox-lead", 0, "DAYS", 0, "update the sandbox this many days before production (7)" },
	{ "package", 0, "NAME", 0, "the service-update package in the asset library" },
	{ "pause-role", 0, "ROLE", 0, "who may pause: admin (default) or operator" },
	{ "enable", 0, NULL, 0, "ferryd applies the updates" },
	{ "disable", 0, NULL, 0, "ferryd applies none (the calendar still shows them)" },
	{ NULL, 0, NULL, 0, NULL }
};

/* Options given over the settings in s; 0 or an exit code. */
static int settings_opts_apply(const struct cli_args *a, struct ferry_update_settings *s, int *change)
{
	struct ferry_error err;
	long long lead;
	const char *v;
	int ec;

	ferry_error_clear(&err);
	if ((v = cli_arg(a, "window")) && snprintf(s->window, sizeof(s->window), "%s", v) >= (int)sizeof(s->window))
		return cli_bad(a, "--window: too long");
	if ((v = cli_arg(a, "tz")) && ferry_update_tz_parse(v, &s->tz_min, &err))
		return cli_bad(a, "%s", err.msg);
	if ((ec = cli_int(a, "sandbox-lead", 0, 60, &lead)))
		return ec;
	if (cli_arg(a, "sandbox-lead"))
		s->sandbox_lead_days = (int)lead;
	if ((v = cli_arg(a, "package")) && snprintf(s->package, sizeof(s->package), "%s", v) >= (int)sizeof(s->package))
		return cli_bad(a, "--package: too long");
	if ((v = cli_arg(a, "pause-role")) && (ferry_token_role_parse(v, &s->pause_role, &err) ||
					       s->pause_role < FERRY_TOKEN_OPERATOR))
		return cli_bad(a, "--pause-role is admin or operator, not '%s'", v);
	if (cli_flag(a, "enable") && cli_flag(a, "disable"))
		return cli_bad(a, "--enable or --disable, not both");
	if (cli_flag(a, "enable") || cli_flag(a, "disable"))
		s->enabled = cli_flag(a, "enable");
	*change = cli_arg(a, "window") || cli_arg(a, "tz") || cli_arg(a, "sandbox-lead") ||
		  cli_arg(a, "package") || cli_arg(a, "pause-role") || cli_flag(a, "enable") ||
		  cli_flag(a, "disable");
	return 0;
}

static int update_settings(struct cli *cli, const struct cli_args *a)
{
	const char *project = cli_arg(a, "project");
	struct ferry_update_settings s;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	int ec, change = 0;
	json_t *o;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	if (ferry_update_settings_get(ctx, project, &s, &err))
		return cli_fail(cli, &err);
	if ((ec = settings_opts_apply(a, &s, &change)))
		return ec;
	if (change && (ferry_update_settings_set(ctx, project, &s, ferry_clock_ms(cli->settings), &err) ||
		       ferry_update_settings_get(ctx, project, &s, &err)))
		return cli_fail(cli, &err);
	o = ferry_update_settings_to_json(&s);
	if (cli->json) {
		cli_print_json(o);
	} else if (!cli->quiet) {
		printf("production window:   %s (UTC%s)\n", cli_str(o, "window"), cli_str(o, "tz"));
		printf("sandbox updated:     %d days before production\n", s.sandbox_lead_days);
		printf("package:             %s\n", s.package[0] ? s.package : "(none)");
		printf("who may pause:       %s\n", cli_str(o, "pause_role"));
		printf("applied by ferryd:   %s\n", s.enabled ? "yes" : "no");
	}
	json_decref(o);
	return EXIT_OK;
}

const struct cli_command cli_update_settings = {
	"settings", "", 0, 0, NULL, "a project's service-update settings: show them, or change some",
	settings_opts, CLI_LOCAL, update_settings
};

static int pause_or_resume(struct cli *cli, const struct cli_args *a, int pause)
{
	const char *project = cli_arg(a, "project");
	struct ferry_error err;
	struct ferry_ctx *ctx;
	char version[32] = "", actor[80];
	int ec, rc;

	if (!(ctx = cli_ctx(cli, &ec)))
		return ec;
	ferry_error_clear(&err);
	snprintf(actor, sizeof(actor), "cli");
	/* on the home the user holds every role, as its files do */
	rc = pause ? ferry_update_pause(ctx, project, cli_arg(a, "version"), actor, FERRY_TOKEN_ADMIN,
					ferry_clock_ms(cli->settings), version, &err)
		   : ferry_update_resume(ctx, project, cli_arg(a, "version"), FERRY_TOKEN_ADMIN,
					 ferry_clock_ms(cli->settings), version, &err);
	if (rc)
		return cli_fail(cli, &err);
	if (cli->json) {
		json_t *o = json_pack("{s:s, s:s, s:b}", "project", project, "version", version, "paused", pause);
		cli_print_json(o);
		json_decref(o);
	} else if (!cli->quiet) {
		printf("Service update %s of '%s' %s\n", version, project, pause ? "paused" : "resumed");
	}
	return EXIT_OK;
}

static int update_pause(struct cli *cli, const struct cli_args *a)
{
	return pause_or_resume(cli, a, 1);
}

static int update_resume(struct cli *cli, const struct cli_args *a)
{
	return pause_or_resume(cli, a, 0);
}

static const struct cli_opt pause_opts[] = {
	PROJECT_OPT,
	{ "version", 0, "V", 0, "the service update (10.0.4); default the next one" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_command cli_update_pause = {
	"pause", "", 0, 0, NULL, "skip one service update (never two in a row)", pause_opts,
	CLI_LOCAL, update_pause
};

const struct cli_command cli_update_resume = {
	"resume", "", 0, 0, NULL, "take a paused service update after all", pause_opts, CLI_LOCAL,
	update_resume
};

const struct cli_command *const cli_update_cmds[] = {
	&cli_update_calendar, &cli_update_settings, &cli_update_pause, &cli_update_resume, NULL
};
