/* SPDX-License-Identifier: MIT */
/* confirm.c: the destructive commands ask first. A command marked CLI_CONFIRM in the
 * table (upgrade data, upgrade rollback, upgrade cancel, db refresh, env rm) says what
 * it will do (downtime predicted, writes at stake, what is removed) from its backend,
 * then asks on the terminal; --yes goes on without asking. Without a terminal it goes on
 * as before (documented per command in docs/CLI.md), except what is strict: a rollback
 * with --discard-writes that would leave writes behind wants --yes. */
#include "cli.h"
#include "backend.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What a command will do, into b; *strict: without a terminal it needs --yes;
 * returns 1 when it needs no confirmation at all (a read: rollback --plan). */
typedef int (*describe_fn)(struct cli *cli, const struct cli_args *a, struct ferry_buf *b,
			   int *strict);

static json_t *ask(struct cli *cli, enum cli_call call, json_t *args)
{
	struct ferry_error err;
	json_t *out = NULL;

	if (cli_call(cli, call, args, &out, &err)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void ms(struct ferry_buf *b, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		ferry_buf_addf(b, "%.1f s", (double)json_integer_value(v) / 1000.0);
	else
		ferry_buf_adds(b, "unknown (no rehearsal)");
}

static int up_data(struct cli *cli, const struct cli_args *a, struct ferry_buf *b, int *strict)
{
	json_t *st = ask(cli, CLI_UPGRADE_STATUS, json_pack("{s:s}", "env", cli_pos(a, 0)));

	(void)strict;
	ferry_buf_addf(b, "The data upgrade of '%s' (%s) powers the original down, takes a restore "
		       "point and runs the data upgrade on its database, then the upgraded "
		       "environment serves on its address.\nPredicted downtime: ", cli_pos(a, 0),
		       st ? cli_str(st, "to") : "?");
	ms(b, json_object_get(json_object_get(st, "downtime"), "predicted_ms"));
	ferry_buf_adds(b, "\n");
	json_decref(st);
	return 0;
}

static int up_rollback(struct cli *cli, const struct cli_args *a, struct ferry_buf *b, int *strict)
{
	const json_t *sum, *t;
	json_t *plan;
	size_t i;

	if (cli_flag(a, "plan"))
		return 1;
	plan = ask(cli, CLI_UPGRADE_PLAN, json_pack("{s:s}", "env", cli_pos(a, 0)));
	sum = json_object_get(plan, "summary");
	ferry_buf_addf(b, "The rollback of '%s' stops the upgraded environment, puts the database "
		       "back to its restore point (%s) and brings the original (%s) back online.\n",
		       cli_pos(a, 0), plan ? cli_str(plan, "restore_point") : "?",
		       plan ? cli_str(plan, "from_release") : "?");
	if (!plan) {
		ferry_buf_adds(b, "Writes at stake: unknown (no plan: see 'ferry upgrade rollback ENV "
			       "--plan')\n");
		return 0;
	}
	ferry_buf_addf(b, "Writes at stake since the upgrade: %lld rows: %lld carried back, %lld "
		       "conflicts, %lld dropped by the mapping, %lld without a mapping.\n",
		       (long long)json_integer_value(json_object_get(sum, "rows")),
		       (long long)json_integer_value(json_object_get(sum, "carried")),
		       (long long)json_integer_value(json_object_get(sum, "conflicts")),
		       (long long)json_integer_value(json_object_get(sum, "dropped")),
		       (long long)json_integer_value(json_object_get(sum, "unmapped")));
	json_array_foreach(json_object_get(plan, "tables"), i, t)
		ferry_buf_addf(b, "  %-20s %lld carried, %lld not\n", cli_str(t, "table"),
			       (long long)json_integer_value(json_object_get(t, "carried")),
			       (long long)(json_array_size(json_object_get(t, "rows")) -
					   json_integer_value(json_object_get(t, "carried"))));
	if (json_is_string(json_object_get(plan, "refusal"))) {
		ferry_buf_addf(b, "%s: %s\n", cli_flag(a, "discard-writes") ? "Discarded (exported "
			       "first)" : "Refused", cli_str(plan, "refusal"));
		*strict = cli_flag(a, "discard-writes");
	}
	json_decref(plan);
	return 0;
}

static int up_cancel(struct cli *cli, const struct cli_args *a, struct ferry_buf *b, int *strict)
{
	json_t *st = ask(cli, CLI_UPGRADE_STATUS, json_pack("{s:s}", "env", cli_pos(a, 0)));

	(void)strict;
	ferry_buf_addf(b, "Cancelling the upgrade of '%s' to %s removes the upgrade-in-progress "
		       "environment (its release, database and %zu package operations); the original "
		       "keeps serving, no downtime.\n", cli_pos(a, 0), st ? cli_str(st, "to") : "?",
		       json_array_size(json_object_get(st, "packages")));
	json_decref(st);
	return 0;
}

/* The main runtime's database of an environment's view ("" unknown). */
static const char *database_of(const json_t *e)
{
	const char *db = json_string_value(json_object_get(json_object_get(json_object_get(e,
					   "runtimes"), "main"), "database"));

	return db ? db : "";
}

static int db_refresh(struct cli *cli, const struct cli_args *a, struct ferry_buf *b, int *strict)
{
	json_t *to = ask(cli, CLI_ENV_SHOW, json_pack("{s:s}", "env", cli_arg(a, "to")));

	(void)strict;
	ferry_buf_addf(b, "The refresh stops '%s' (%s) for the copy and replaces its database %s "
		       "with a scrubbed snapshot of '%s': the data of '%s' now is lost.\n",
		       cli_arg(a, "to"), to ? cli_str(to, "url") : "?", database_of(to),
		       cli_arg(a, "from"), cli_arg(a, "to"));
	json_decref(to);
	return 0;
}

static int env_rm(struct cli *cli, const struct cli_args *a, struct ferry_buf *b, int *strict)
{
	json_t *e = ask(cli, CLI_ENV_SHOW, json_pack("{s:s}", "env", cli_pos(a, 0)));

	(void)strict;
	ferry_buf_addf(b, "Removing '%s' (%s, release %s) stops it and deletes its runtimes, "
		       "releases and its database %s with its restore points.\n", cli_pos(a, 0),
		       e ? cli_str(e, "role") : "?", e ? cli_str(e, "app_release") : "?",
		       database_of(e));
	json_decref(e);
	return 0;
}

/* The commands marked CLI_CONFIRM and what each says. */
static const struct {
	const char *group, *cmd;
	describe_fn describe;
} what[] = {
	{ "upgrade", "data", up_data },
	{ "upgrade", "rollback", up_rollback },
	{ "upgrade", "cancel", up_cancel },
	{ "db", "refresh", db_refresh },
	{ "env", "rm", env_rm },
};

int cli_confirm(struct cli *cli, const struct cli_args *a)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char line[64] = "";
	size_t i;
	int strict = 0, ec = EXIT_OK, tty = isatty(0) && isatty(2);

	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (!strcmp(what[i].group, a->group->name) && !strcmp(what[i].cmd, a->cmd->name))
			break;
	if (i == sizeof(what) / sizeof(what[0]))
		return cli_usage(NULL, "internal: 'ferry %s %s' asks, but says nothing of what it does",
				 a->group->name, a->cmd->name);
	if (a->yes || cli->at)
		return EXIT_OK;  /* --yes; a schedule is confirmed when it is made */
	if (!tty && !(cli_flag(a, "discard-writes")))
		return EXIT_OK;  /* no terminal: as before (docs/CLI.md) */
	if (what[i].describe(cli, a, &b, &strict) == 1)
		goto out;
	if (!tty) {
		if (strict)
			ec = cli_usage(NULL, "'ferry %s %s %s' would leave writes behind and there is no "
				       "terminal to ask on: add --yes to go on (they are exported "
				       "first)", a->group->name, a->cmd->name, cli_pos(a, 0) ?: "");
		goto out;
	}
	fputs(b.data ? b.data : "", stderr);
	fputs("Go on? [y/N] ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) || (strcmp(line, "y\n") && strcmp(line, "yes\n") &&
						  strcmp(line, "Y\n") && strcmp(line, "YES\n"))) {
		fprintf(stderr, "ferry: not confirmed: nothing was done\n");
		ec = EXIT_REFUSED;
	}
out:
	ferry_buf_release(&b);
	return ec;
}
