/* ctl_configsync.c: `ledgerctl config-sync`: the application configuration sync, which writes
 * the release's configuration records in one transaction. The "ttscommit" fault switch makes
 * it fail mid-transaction the way the seed's known issue does. */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct setting {
	enum ledger_release since;
	const char *key, *value;
};

/* Records the application configuration holds for each release (latest value wins). */
static const struct setting settings[] = {
	{ REL_73, "numbering.invoice", "INV-{000000}" },
	{ REL_73, "posting.allow_zero_lines", "1" },
	{ REL_73, "posting.tax_line", "always" },
	{ REL_80, "currency.default", "USD" },
	{ REL_80, "customer.name_format", "first last" },
	{ REL_81, "posting.allow_zero_lines", "0" },
	{ REL_81, "posting.tax_line", "when-taxed" },
	{ REL_81, "tax.default_code", "US-STD" },
	{ REL_81, "tax.enabled", "1" },
};

static int write_settings(sqlite3 *db, enum ledger_release r, struct lerr *e)
{
	sqlite3_stmt *st = ledger_db_prepare(db, "INSERT OR REPLACE INTO app_config (key, value) VALUES (?, ?)", e);
	int rc = 0;

	if (!st || ledger_db_exec(db, "DELETE FROM app_config WHERE key NOT LIKE 'custom.%'", e)) {
		sqlite3_finalize(st);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (settings[i].since > r)
			continue;
		sqlite3_bind_text(st, 1, settings[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, settings[i].value, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = lerr_set(e, 500, "writing '%s': %s", settings[i].key, sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == 0) {
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO app_config VALUES ('release', '%s')",
			 ledger_release_name(r));
		rc = ledger_db_exec(db, sql, e);
	}
	return rc;
}

int ctl_config_sync(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl config-sync --config FILE\n";
	struct ledger_config cfg;
	struct lerr e = { 0, "" };
	enum ledger_release r;
	sqlite3 *db = NULL;
	long long total = 0;
	char *dir = NULL;
	int fired, rc = 1;

	if (argc != 3 || strcmp(argv[1], "--config"))
		return ctl_usage(usage, "config-sync needs --config FILE");
	if (ledger_config_load(&cfg, argv[2], &e))
		return ctl_fail(&e);
	dir = ledger_release_dir(&cfg);
	if ((r = ledger_dir_release(dir, &e)) == REL_UNKNOWN)
		goto out;
	if (!(db = ledger_db_open(cfg.database, 0, &e)) || ledger_db_exec(db, "BEGIN IMMEDIATE", &e))
		goto out;
	if (write_settings(db, r, &e))
		goto rollback;
	fired = ledger_fault_fire(&cfg, "ttscommit", &total, &e);
	if (fired < 0)
		goto rollback;
	if (fired > 0) {
		lerr_set(&e, 500, "Application configuration sync failed. Call to TTSCOMMIT without first"
			 " calling TTSBEGIN. (injected fault %d of %lld; the transaction was rolled back)",
			 fired, total);
		goto rollback;
	}
	if (ledger_db_exec(db, "COMMIT", &e))
		goto rollback;
	printf("application configuration sync: release %s, %lld records\n", ledger_release_name(r),
	       (long long)ledger_db_int(db, "SELECT count(*) FROM app_config", 0));
	rc = 0;
	goto out;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	if (rc)
		ctl_fail(&e);
	ledger_db_close(db);
	free(dir);
	ledger_config_release(&cfg);
	return rc;
}
