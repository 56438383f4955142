/* SPDX-License-Identifier: MIT */
/* cmd_op.c: `ferry op list|show|log|resume|rerun-step|complete-step|abort|selftest`:
 * operations, the journals of steps every change runs as (docs/ENGINE.md). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/ops/op.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_opt list_opts[] = {
	{ "env", 0, "E", 0, "only this environment's" },
	{ "limit", 0, "N", 0, "at most N (1-1000; 100)" },
	{ NULL, 0, NULL, 0, NULL }
};

static int op_list(struct cli *cli, const struct cli_args *a)
{
	static const struct cli_col cols[] = {
		{ "activity_id", "ACTIVITY" }, { "kind", "KIND" }, { "env", "ENV" },
		{ "state", "STATE" }, { "step", "STEP" }, { "created", "CREATED" }, { NULL, NULL }
	};
	long long limit = 0;
	json_t *args;
	int ec;

	if ((ec = cli_int(a, "limit", 1, 1000, &limit)))
		return ec;
	args = json_pack("{s:s?}", "env", cli_arg(a, "env"));
	if (limit)
		json_object_set_new(args, "limit", json_integer(limit));
	return cli_show_table(cli, CLI_OP_LIST, args, cols);
}

static const struct cli_command op_list_cmd = {
	"list", "", 0, 0, NULL, "operations, newest first", list_opts, CLI_READ, op_list
};

static void print_steps(const json_t *steps)
{
	const json_t *s;
	size_t i;
	char d[32];

	printf("\n%-20s %-12s %-8s %-10s %s\n", "STEP", "STATE", "ATTEMPTS", "DURATION", "NOTE");
	json_array_foreach(steps, i, s) {
		const char *e = json_string_value(json_object_get(s, "error"));
		long long att = json_integer_value(json_object_get(s, "attempts"));
		cli_fmt_ms(json_integer_value(json_object_get(s, "duration_ms")), d, sizeof(d));
		printf("%-20s %-12s %-8lld %-10s %s%s\n", cli_str(s, "name"), cli_str(s, "state"), att,
		       att ? d : "-", json_is_true(json_object_get(s, "manual")) ? "[manual] " : "",
		       e ? e : "");
	}
}

static int op_show(struct cli *cli, const struct cli_args *a)
{
	static const char *const keys[] = { "activity_id", "kind", "env", "project", "state",
					    "step", "error", "actor", "created", "started", "ended",
					    "next", NULL };
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_OP_SHOW, json_pack("{s:s}", "op", cli_pos(a, 0)), &o)))
		return ec;
	if (cli->json) {
		cli_print_json(o);
	} else {
		cli_print_fields(o, keys);
		print_steps(json_object_get(o, "steps"));
	}
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command op_show_cmd = {
	"show", "OP", 1, 1, NULL, "an operation: steps, states, attempts, durations (OP: its "
	"activity ID or a prefix)", NULL, CLI_READ, op_show
};

static int op_log(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_OP_LOG, json_pack("{s:s, s:s?}", "op", cli_pos(a, 0), "step",
			  cli_pos(a, 1)), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else
		fputs(json_string_value(json_object_get(o, "log")) ?: "", stdout);
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command op_log_cmd = {
	"log", "OP [STEP]", 1, 2, NULL, "the log of every step, or of one", NULL, CLI_READ, op_log
};

/* ---- commands that run ---------------------------------------------------------- */

static int op_resume(struct cli *cli, const struct cli_args *a)
{
	return cli_op(cli, "op.resume", json_pack("{s:s}", "op", cli_pos(a, 0)));
}

static const struct cli_command op_resume_cmd = {
	"resume", "OP", 1, 1, NULL, "continue at the failed or interrupted step", NULL, 0, op_resume
};

static int op_rerun(struct cli *cli, const struct cli_args *a)
{
	return cli_op(cli, "op.rerun-step", json_pack("{s:s, s:s}", "op", cli_pos(a, 0), "step",
		      cli_pos(a, 1)));
}

static const struct cli_command op_rerun_cmd = {
	"rerun-step", "OP STEP", 2, 2, NULL, "run a step that ran before again, then continue",
	NULL, 0, op_rerun
};

static int op_complete(struct cli *cli, const struct cli_args *a)
{
	return cli_op(cli, "op.complete-step", json_pack("{s:s, s:s}", "op", cli_pos(a, 0), "step",
		      cli_pos(a, 1)));
}

static const struct cli_command op_complete_cmd = {
	"complete-step", "OP STEP", 2, 2, NULL, "confirm a manual step, then continue", NULL, 0,
	op_complete
};

static int op_abort(struct cli *cli, const struct cli_args *a)
{
	json_t *o;
	int ec;

	if ((ec = cli_ask(cli, CLI_OP_ABORT, json_pack("{s:s}", "op", cli_pos(a, 0)), &o)))
		return ec;
	if (cli->json)
		cli_print_json(o);
	else if (!cli->quiet)
		printf("Aborted operation %s\n", cli_pos(a, 0));
	json_decref(o);
	return EXIT_OK;
}

static const struct cli_command op_abort_cmd = {
	"abort", "OP", 1, 1, NULL, "give up an operation whose kind allows it (runs its clean-up)",
	NULL, 0, op_abort
};

/* ---- selftest: a diagnostics runbook that exercises the engine (on the home) ---- */

/* --dir as an absolute path; it need not exist yet. */
static json_t *abs_dir(const char *dir)
{
	char *abs = realpath(dir, NULL), cwd[4096];
	json_t *o;

	if (!abs && dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
		return json_sprintf("%s/%s", cwd, dir);
	o = json_string(abs ? abs : dir);
	free(abs);
	return o;
}

static int selftest_params(const struct cli_args *a, json_t *params)
{
	static const char *const ints[][2] = {
		{ "fail-times", "fail_times" }, { "ticks", "ticks" }, { "tick-ms", "tick_ms" }
	};
	long long v;
	size_t i;

	json_object_set_new(params, "dir", abs_dir(cli_arg(a, "dir")));
	if (cli_arg(a, "fail-at"))
		json_object_set_new(params, "fail_at", json_string(cli_arg(a, "fail-at")));
	if (cli_flag(a, "manual"))
		json_object_set_new(params, "manual", json_true());
	if (cli_flag(a, "no-abort"))
		json_object_set_new(params, "no_abort", json_true());
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (!cli_arg(a, ints[i][0]))
			continue;
		if (ferry_parse_int(cli_arg(a, ints[i][0]), 0, 1000000, &v))
			return cli_bad(a, "invalid number '%s'", cli_arg(a, ints[i][0]));
		json_object_set_new(params, ints[i][1], json_integer(v));
	}
	return 0;
}

static int op_selftest(struct cli *cli, const struct cli_args *a)
{
	struct ferry_op_spec spec = { "op.selftest", NULL, NULL, NULL };
	struct ferry_op_hooks hooks;
	struct ferry_error err;
	struct ferry_ctx *ctx;
	struct ferry_op *op = NULL;
	char id[37];
	int ec, rc;

	spec.env = cli_arg(a, "env");
	spec.params = json_object();
	if ((ec = selftest_params(a, spec.params)) || !(ctx = cli_ctx(cli, &ec)))
		goto out;
	ferry_error_clear(&err);
	if (ferry_op_create(ctx, &spec, &op, &err)) {
		ec = cli_fail(cli, &err);
		goto out;
	}
	snprintf(id, sizeof(id), "%s", op->activity_id);
	cli_op_hooks(cli, &hooks);
	cli_op_hooks_announce(cli, &hooks);
	rc = ferry_op_run(ctx, id, &hooks, &err);
	ec = cli_op_outcome(cli, id, rc, &err);
out:
	ferry_op_free(op);
	json_decref(spec.params);
	return ec;
}

static const struct cli_opt selftest_opts[] = {
	{ "dir", 0, "DIR", CLI_OPT_REQUIRED, "where its steps write" },
	{ "env", 0, "E", 0, "run it on this environment (one operation at a time there)" },
	{ "fail-at", 0, "STEP", 0, "fail this step" },
	{ "fail-times", 0, "N", 0, "that many times (then it succeeds)" },
	{ "manual", 0, NULL, 0, "include a manual step to confirm" },
	{ "ticks", 0, "N", 0, "progress ticks of the long step" },
	{ "tick-ms", 0, "MS", 0, "milliseconds per tick" },
	{ "no-abort", 0, NULL, 0, "a kind that cannot be aborted" },
	{ NULL, 0, NULL, 0, NULL }
};

static const struct cli_command op_selftest_cmd = {
	"selftest", "", 0, 0, "--dir DIR [--env E] [--fail-at STEP [--fail-times N]] [--manual] "
	"[--ticks N] [--tick-ms MS] [--no-abort]", "a diagnostics runbook that exercises the "
	"engine", selftest_opts, CLI_LOCAL, op_selftest
};

const struct cli_command *const cli_op_cmds[] = {
	&op_list_cmd, &op_show_cmd, &op_log_cmd, &op_resume_cmd, &op_rerun_cmd, &op_complete_cmd,
	&op_abort_cmd, &op_selftest_cmd, NULL
};
