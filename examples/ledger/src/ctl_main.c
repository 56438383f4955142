/* SPDX-License-Identifier: MIT */
/* ctl_main.c: `ledgerctl`, the operations tool that ferry's steps run: dispatch, and the
 * database checks (check, sql, scrub-status). */
#include "ctl.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ctl_fail(const struct lerr *e)
{
	fprintf(stderr, "ledgerctl: error: %s\n", e->msg);
	return 1;
}

int ctl_usage(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("ledgerctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return 2;
}

static int release_in(enum ledger_release r, const char *list)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (ledger_release_parse(t) == r)
			return 1;
	return 0;
}

/* Integrity (full: indexes against their tables too), foreign keys, balanced postings,
 * currencies that exist. */
static int data_checks(struct ldb *db, enum ledger_release r, int full, struct lerr *e)
{
	int64_t n;

	if (ledger_db_integrity(db, full, e))
		return -1;
	n = ledger_db_int(db, "SELECT min(posting_id) FROM (SELECT posting_id FROM posting_lines"
			  " GROUP BY posting_id HAVING sum(amount_cents) <> 0) AS unbalanced", 0);
	if (n)
		return lerr_set(e, 500, "posting %lld does not balance", (long long)n);
	if (r >= REL_80 && (n = ledger_db_int(db, "SELECT count(*) FROM invoices WHERE currency NOT IN"
					       " (SELECT code FROM currencies)", 0)))
		return lerr_set(e, 500, "%lld invoices name an unknown currency", (long long)n);
	return 0;
}

int ctl_check(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl check --db FILE [--release R | --from R[,R...]] [--full]\n";
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "release", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' }, { "full", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 } };
	const char *path = NULL, *want = NULL, *from = NULL;
	struct lerr e = { 0, "" };
	enum ledger_release have;
	struct ldb *db;
	int c, empty = 0, rc = 1, full = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') path = optarg;
		else if (c == 'r') want = optarg;
		else if (c == 'f') from = optarg;
		else if (c == 'F') full = 1;
		else return ctl_usage(usage, "unknown option");
	}
	if (!path || optind != argc)
		return ctl_usage(usage, "check needs --db FILE");
	if (want && ledger_release_parse(want) == REL_UNKNOWN)
		return ctl_usage(usage, "unknown release '%s' (7.3, 8.0, 8.1)", want);
	if (!(db = ledger_db_open(path, 0, &e)) && e.status != 404)
		return ctl_fail(&e);
	if (!db || ledger_db_table_count(db) == 0) {
		ledger_db_close(db);
		if (want || from) {
			lerr_set(&e, 404, "database '%s' is missing or empty: nothing to check or upgrade", path);
			return ctl_fail(&e);
		}
		printf("ledger data: %s: empty database (the service creates its schema on first start)\n", path);
		return 0;
	}
	have = ledger_schema_release(db, &empty);
	if (have == REL_UNKNOWN && !empty)
		lerr_set(&e, 500, "'%s' is not a ledger database (no schema_version)", path);
	else if (want && ledger_schema_check(db, ledger_release_parse(want), &e))
		;
	else if (from && !release_in(have, from))
		lerr_set(&e, 409, "data is at release %s; this step upgrades from %s", ledger_release_name(have), from);
	else if (!empty && data_checks(db, have, full, &e))
		;
	else
		rc = 0;
	if (rc == 0)
		printf("ledger data: %s: release %s, %lld customers, %lld invoices, %lld postings: ok\n", path,
		       empty ? "(empty)" : ledger_release_name(have),
		       (long long)ledger_db_int(db, "SELECT count(*) FROM customers", 0),
		       (long long)ledger_db_int(db, "SELECT count(*) FROM invoices", 0),
		       (long long)ledger_db_int(db, "SELECT count(*) FROM postings", 0));
	else
		fprintf(stderr, "ledgerctl: check failed: %s: %s\n", path, e.msg);
	ledger_db_close(db);
	return rc;
}

/* Run an SQL file in one transaction, optionally only when the data is at a given release
 * (the 8.1 data upgrade carries the 8.0 steps that way). */
int ctl_sql(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl sql --db FILE [--if-release R] FILE.sql\n";
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "if-release", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 } };
	const char *path = NULL, *only = NULL;
	struct lerr e = { 0, "" };
	enum ledger_release have;
	struct ldb *db;
	char *text;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') path = optarg;
		else if (c == 'i') only = optarg;
		else return ctl_usage(usage, "unknown option");
	}
	if (!path || optind != argc - 1)
		return ctl_usage(usage, "sql needs --db FILE and one SQL file");
	if (!(text = ledger_read_file(argv[optind], NULL))) {
		lerr_set(&e, 404, "cannot read SQL file '%s'", argv[optind]);
		return ctl_fail(&e);
	}
	if (!(db = ledger_db_open(path, 0, &e))) {
		free(text);
		return ctl_fail(&e);
	}
	have = ledger_schema_release(db, NULL);
	if (only && ledger_release_parse(only) != have) {
		printf("skipped %s: data is at release %s, the step applies to %s\n", argv[optind],
		       ledger_release_name(have), only);
		rc = 0;
	} else if (!ledger_db_begin(db, &e)) {
		if (ledger_db_exec(db, text, &e) || ledger_db_commit(db, &e))
			ledger_db_rollback(db);
		else
			rc = 0;
	}
	if (rc == 0 && !(only && ledger_release_parse(only) != have))
		printf("applied %s\n", argv[optind]);
	if (rc)
		fprintf(stderr, "ledgerctl: error: %s: %s (rolled back)\n", argv[optind], e.msg);
	free(text);
	ledger_db_close(db);
	return rc;
}

/* What a database refresh's scrub must leave: only the administrator enabled, no batch job
 * waiting or executing, no stored secret, outgoing mail off and unconfigured. */
int ctl_scrub_status(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl scrub-status --db FILE\n";
	struct lerr e = { 0, "" };
	json_t *users, *out;
	int64_t jobs, secrets, mail;
	struct ldb *db;
	int scrubbed;

	if (argc != 3 || strcmp(argv[1], "--db"))
		return ctl_usage(usage, "scrub-status needs --db FILE");
	if (!(db = ledger_db_open(argv[2], 0, &e)))
		return ctl_fail(&e);
	users = ledger_db_rows(db, "SELECT login FROM users WHERE enabled <> 0 ORDER BY id", NULL, &e);
	jobs = ledger_db_int(db, "SELECT count(*) FROM batch_jobs WHERE status IN ('waiting','executing')", -1);
	secrets = ledger_db_int(db, "SELECT count(*) FROM secrets", -1);
	mail = ledger_db_int(db, "SELECT count(*) FROM mail_settings WHERE enabled <> 0 OR smtp_host IS NOT NULL"
			     " OR sender IS NOT NULL", -1);
	ledger_db_close(db);
	if (!users)
		return ctl_fail(&e);
	scrubbed = jobs == 0 && secrets == 0 && mail == 0 && json_array_size(users) <= 1 &&
		   (json_array_size(users) == 0 ||
		    !strcmp(json_string_value(json_object_get(json_array_get(users, 0), "login")), "admin"));
	out = json_pack("{s:b, s:o, s:I, s:I, s:b}", "scrubbed", scrubbed, "enabled_users", users,
			"active_batch_jobs", (json_int_t)jobs, "secrets", (json_int_t)secrets,
			"outgoing_mail", mail != 0);
	json_dumpf(out, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(out);
	return scrubbed ? 0 : 1;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "check", ctl_check, "check --db FILE [--release R | --from R,..] [--full]  integrity and release checks" },
	{ "sql", ctl_sql, "sql --db FILE [--if-release R] FILE.sql        run a SQL file in one transaction" },
	{ "config-sync", ctl_config_sync, "config-sync --config FILE                 application configuration sync" },
	{ "dvt", ctl_dvt, "dvt SERVICE_MODEL --config FILE           deployment verification test over HTTP" },
	{ "generate", ctl_generate, "generate --db FILE --rows N|--bytes N [--seed S] [--release R]" },
	{ "dump", ctl_dump, "dump --db FILE [--schema-only]            canonical dump (stable text)" },
	{ "scrub-status", ctl_scrub_status, "scrub-status --db FILE                    is the copy scrubbed (JSON)" },
};

int main(int argc, char **argv)
{
	size_t n = sizeof(cmds) / sizeof(cmds[0]);

	if (argc >= 2)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "help") && strcmp(argv[1], "--help"))
		fprintf(stderr, "ledgerctl: unknown command '%s'\n", argv[1]);
	fputs("usage: ledgerctl COMMAND ...\n", argc >= 2 && strcmp(argv[1], "help") ? stderr : stdout);
	for (size_t i = 0; i < n; i++)
		fprintf(argc >= 2 && strcmp(argv[1], "help") ? stderr : stdout, "  ledgerctl %s\n", cmds[i].help);
	return argc == 2 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) ? 0 : 2;
}
