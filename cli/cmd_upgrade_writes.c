/* SPDX-License-Identifier: MIT */
/* cmd_upgrade_writes.c: `ferry upgrade rollback|writes|watch` (listed in cmd_upgrade.c):
 * the rollback that carries the writes made since the swap back (its plan with
 * --plan), the export of those writes, and the watch after the data upgrade that
 * rolls back on its own (docs/UPGRADE.md, "Writes survive a rollback"). */
#include "cli.h"
#include "backend.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/lifecycle/upgrade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plan ---- */

static void print_plan_rows(const json_t *plan, int all)
{
	const json_t *t, *r;
	size_t i, k;
	int header = 0;

	json_array_foreach(json_object_get(plan, "tables"), i, t)
		json_array_foreach(json_object_get(t, "rows"), k, r) {
			char *key;
			if (!all && !strcmp(cli_str(r, "action"), "carry") && !json_object_get(r, "note"))
				continue;
			if (!header++)
				printf("%s\n", all ? "rows:" : "rows not carried as they are:");
			key = json_dumps(json_object_get(r, "key"), JSON_COMPACT | JSON_SORT_KEYS);
			printf("  %-14s %-6s %-24s %-8s %s\n", cli_str(t, "table"), cli_str(r, "op"),
			       key ? key : "?", cli_str(r, "action"),
			       json_is_string(json_object_get(r, "reason")) ? cli_str(r, "reason") :
			       json_is_string(json_object_get(r, "note")) ? cli_str(r, "note") : "");
			free(key);
		}
}

static void print_plan(const json_t *plan, int all)
{
	static const struct cli_col cols[] = {
		{ "table", "TABLE" }, { "mapping", "MAPPING" }, { "into", "INTO" },
		{ "inserted", "INSERTED" }, { "updated", "UPDATED" }, { "deleted", "DELETED" },
		{ "carried", "CARRIED" }, { "conflicts", "CONFLICTS" }, { "dropped", "DROPPED" },
		{ "unmapped", "NO MAPPING" }, { NULL, NULL }
	};
	const json_t *sum = json_object_get(plan, "summary"), *x;
	size_t i;

	printf("rollback plan of '%s' (%s back to %s): restore point %s", cli_str(plan, "environment"),
	       cli_str(plan, "to_release"), cli_str(plan, "from_release"), cli_str(plan, "restore_point"));
	if (json_is_object(x = json_object_get(plan, "baseline")))
		printf(", writes since %s (%s)", cli_str(x, "taken"), cli_str(x, "restore_point"));
	printf("\nmapping: %s\n", cli_str(plan, "mapping"));
	if (json_is_string(json_object_get(plan, "note")))
		printf("%s\n", cli_str(plan, "note"));
	printf("%lld rows written since the upgrade: %lld carried back, %lld conflicts, %lld dropped "
	       "by the mapping, %lld skipped, %lld without a mapping\n",
	       (long long)json_integer_value(json_object_get(sum, "rows")),
	       (long long)json_integer_value(json_object_get(sum, "carried")),
	       (long long)json_integer_value(json_object_get(sum, "conflicts")),
	       (long long)json_integer_value(json_object_get(sum, "dropped")),
	       (long long)json_integer_value(json_object_get(sum, "skipped")),
	       (long long)json_integer_value(json_object_get(sum, "unmapped")));
	if (json_array_size(json_object_get(plan, "tables")))
		cli_print_table(json_object_get(plan, "tables"), cols);
	print_plan_rows(plan, all);
	json_array_foreach(json_object_get(plan, "uncaptured"), i, x)
		printf("not captured: %s: %s\n", cli_str(x, "table"), cli_str(x, "reason"));
	if (json_is_string(json_object_get(plan, "refusal")))
		printf("%s: %s\n", json_is_true(json_object_get(plan, "discard_writes"))
		       ? "discarded (exported first)" : "refused", cli_str(plan, "refusal"));
	else
		printf("the rollback can go on\n");
}

static int rollback_plan(struct cli *cli, const struct cli_args *a)
{
	json_t *plan;
	int ec;

	if ((ec = cli_ask(cli, CLI_UPGRADE_PLAN, json_pack("{s:s}", "env", cli_pos(a, 0)), &plan)))
		return ec;
	if (cli->json)
		cli_print_json(plan);
	else
		print_plan(plan, cli_flag(a, "all"));
	json_decref(plan);
	return EXIT_OK;
}

static int upgrade_rollback(struct cli *cli, const struct cli_args *a)
{
	if (cli_flag(a, "plan")) {
		if (cli_flag(a, "discard-writes") || cli->at)
			return cli_bad(a, "--plan only shows what a rollback would do: drop %s",
				       cli->at ? "--at" : "--discard-writes");
		return rollback_plan(cli, a);
	}
	if (cli_flag(a, "all"))
		return cli_bad(a, "--all lists the rows of the plan: add --plan");
	return cli_upgrade_phase(cli, "upgrade.rollback", json_pack("{s:s, s:s?}", "env",
				 cli_pos(a, 0), "writes", cli_flag(a, "discard-writes") ? "discard" : NULL),
				 cli_pos(a, 0), "Rolled back: the original is online in its previous "
				 "state, with the writes since the upgrade carried back");
}

static const struct cli_opt rollback_opts[] = {
	{ "plan", 0, NULL, 0, "only show what it would do with the writes since the upgrade" },
	{ "all", 0, NULL, 0, "with --plan: every row, not only those not carried as they are" },
	{ "discard-writes", 0, NULL, 0, "go on when some writes cannot be carried back (they are "
	  "exported with the operation first)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_command cli_upgrade_rollback = {
	"rollback", "ENV", 1, 1, NULL, "restore the original (after the data upgrade), carrying "
	"the writes since back", rollback_opts, CLI_AT | CLI_CONFIRM, upgrade_rollback
};

/* ---- the writes ---- */

static int upgrade_writes(struct cli *cli, const struct cli_args *a)
{
	const char *out = cli_arg(a, "output"), *format = cli_arg(a, "format");
	size_t n = strlen(out);
	json_t *none = NULL;
	int ec;

	if (!format)
		format = n > 4 && !strcmp(out + n - 4, ".csv") ? "csv" :
			 n > 10 && !strcmp(out + n - 10, ".changeset") ? "changeset" : "json";
	if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "changeset"))
		return cli_bad(a, "--format wants json, csv or changeset, not '%s'", format);
	if ((ec = cli_ask(cli, CLI_UPGRADE_WRITES, json_pack("{s:s, s:s, s:s}", "env", cli_pos(a, 0),
			  "format", format, "output", out), &none)))
		return ec;
	json_decref(none);
	if (!cli->quiet && !cli->json)
		printf("Wrote the writes of '%s' since its upgrade (%s) to %s\n", cli_pos(a, 0), format, out);
	return EXIT_OK;
}

static const struct cli_opt writes_opts[] = {
	{ "output", 'o', "FILE", CLI_OPT_REQUIRED, "where to write them" },
	{ "format", 0, "json|csv|changeset", 0, "json (with SQLite's changeset in it), csv, or the "
	  "changeset alone (by the file's suffix when absent)" },
	{ NULL, 0, NULL, 0, NULL }
};

const struct cli_command cli_upgrade_writes = {
	"writes", "ENV", 1, 1, NULL, "export the writes made since the swap (before a rollback: "
	"now; after it: what it kept)", writes_opts, CLI_READ, upgrade_writes
};

/* ---- the watch ---- */

static int upgrade_watch(struct cli *cli, const struct cli_args *a)
{
	return cli_upgrade_watch_run(cli, cli_pos(a, 0));
}

const struct cli_command cli_upgrade_watch = {
	"watch", "ENV", 1, 1, NULL, "watch the upgraded environment here until its watch ends "
	"(rolls back on its own when the project says so)", NULL, CLI_LOCAL, upgrade_watch
};
