/* SPDX-License-Identifier: MIT */
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

static int write_settings(struct ldb *db, enum ledger_release r, struct lerr *e)
{
	static const char upsert[] = "INSERT INTO app_config (key, value) VALUES (?, ?)"
				     " ON CONFLICT (key) DO UPDATE SET value = excluded.value";

	if (ledger_db_exec(db, "DELETE FROM app_config WHERE key NOT LIKE 'custom.%'", e))
		return -1;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (settings[i].since > r)
			continue;
		if (ledger_db_run(db, upsert, json_pack("[s, s]", settings[i].key, settings[i].value), e)) {
			char msg[sizeof(e->msg)];
			snprintf(msg, sizeof(msg), "%s", e->msg);
			return lerr_set(e, 500, "writing '%s': %s", settings[i].key, msg);
		}
	}
	return ledger_db_run(db, upsert, json_pack("[s, s]", "release", ledger_release_name(r)), e);
}

int ctl_config_sync(int argc, char **argv)
{
	static const char usage[] = "usage: ledgerctl config-sync --config FILE\n";
	struct ledger_config cfg;
	struct lerr e = { 0, "" };
	enum ledger_release r;
	struct ldb *db = NULL;
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
	if (!(db = ledger_db_open(cfg.database, 0, &e)) || ledger_db_begin(db, &e))
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
	if (ledger_db_commit(db, &e))
		goto rollback;
	printf("application configuration sync: release %s, %lld records\n", ledger_release_name(r),
	       (long long)ledger_db_int(db, "SELECT count(*) FROM app_config", 0));
	rc = 0;
	goto out;
rollback:
	ledger_db_rollback(db);
out:
	if (rc)
		ctl_fail(&e);
	ledger_db_close(db);
	free(dir);
	ledger_config_release(&cfg);
	return rc;
}
