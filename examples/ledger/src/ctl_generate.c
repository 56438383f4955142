/* SPDX-License-Identifier: MIT */
/* ctl_generate.c: `ledgerctl generate`: fills a database with realistic, deterministic data
 * (customers, invoices with their postings, receipts, users, batch jobs, secrets, mail
 * settings) up to a number of rows or bytes, for tests and benchmarks. */
#include "ctl.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct gen {
	struct ldb *db;
	enum ledger_release r;
	uint64_t rng;
	long long rows, customers, invoices, postings;
	struct lerr *e;
	char last_email[192];
};

static const char *const firsts[] = {
	"Anna", "Bruno", "Chen", "Dalia", "Emil", "Fatima", "Gustav", "Hana", "Ivan", "Julia",
	"Kofi", "Lena", "Mateo", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
	"Mary Ann", "Jean Luc", "Ana Sofia",
};
static const char *const lasts[] = {
	"Smith", "Garcia", "Nguyen", "Muller", "Rossi", "Kowalski", "Tanaka", "Okafor", "Larsen",
	"Novak", "Silva", "Dubois", "van Dijk", "de la Cruz", "O'Brien", "Andersen", "Haddad",
};
static const char *const companies[] = { "Contoso", "Fabrikam", "Northwind", "Tailspin", "Litware" };
static const char *const currencies[] = { "USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY" };
static const char *const tax_codes[] = { "US-STD", "EU-STD", "EU-RED", "EXEMPT" };

static uint64_t next(struct gen *g) /* splitmix64 */
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long long pick(struct gen *g, long long n)
{
	return (long long)(next(g) % (uint64_t)n);
}

#define PICK(g, arr) ((arr)[pick((g), (long long)(sizeof(arr) / sizeof((arr)[0])))])

/* Day number since 2017-01-01 -> "YYYY-MM-DD" (civil calendar). */
static void date_of(long long day, char out[16])
{
	long long z = day + 17167 + 719468; /* 2017-01-01 is day 17167 of the Unix epoch */
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	long long m = mp < 10 ? mp + 3 : mp - 9;

	if (snprintf(out, 16, "%04lld-%02lld-%02lld", y + (m <= 2), m, d) >= 16)
		out[0] = '\0';   /* never for the generator's years; never a cut date either */
}

static int reference_data(struct gen *g)
{
	static const char sql[] =
		"INSERT INTO users (id, login, name, role, enabled) VALUES (2, 'clerk01', 'Ada Clerk', 'clerk', 1),"
		" (3, 'clerk02', 'Ben Clerk', 'clerk', 1), (4, 'acct01', 'Cleo Accountant', 'accountant', 1),"
		" (5, 'acct02', 'Dev Accountant', 'accountant', 0), (6, 'ops01', 'Eli Operator', 'operator', 1);"
		"INSERT INTO batch_jobs (id, name, schedule, status) VALUES (1, 'Invoice posting', 'hourly', 'waiting'),"
		" (2, 'Customer aging', 'daily', 'waiting'), (3, 'Bank reconciliation', 'daily', 'executing'),"
		" (4, 'Email distributor', 'every 5 minutes', 'waiting'), (5, 'Archive 2016', 'once', 'ended');"
		"UPDATE mail_settings SET smtp_host = 'smtp.contoso.example', smtp_port = 587,"
		" sender = 'billing@contoso.example', enabled = 1 WHERE id = 1;";
	char secrets[512];

	if (ledger_db_int(g->db, "SELECT count(*) FROM users", 0) > 1)
		return 0;
	snprintf(secrets, sizeof(secrets), "INSERT INTO secrets VALUES ('bank.api_key', '%016llx'),"
		 " ('payments.gateway_token', '%016llx'), ('edi.partner_password', '%016llx');",
		 (unsigned long long)next(g), (unsigned long long)next(g), (unsigned long long)next(g));
	if (ledger_db_exec(g->db, sql, g->e) || ledger_db_exec(g->db, secrets, g->e))
		return -1;
	g->rows += 14;
	return 0;
}

static int64_t customer(struct gen *g, long long n)
{
	char name[128], email[192], created[16], local[136];   /* sized for the longest parts: nothing is cut */
	const char *first = PICK(g, firsts), *last = PICK(g, lasts);
	long long kind = pick(g, 100);
	json_t *in;
	int64_t id;

	if (kind < 5)
		snprintf(name, sizeof(name), "%s", PICK(g, companies));
	else if (kind < 8 && g->r == REL_73) /* legacy data entry: stray blanks */
		snprintf(name, sizeof(name), "  %s  %s ", first, last);
	else
		snprintf(name, sizeof(name), "%s %s", first, last);
	snprintf(local, sizeof(local), "%s.%s", kind < 5 ? name : first, kind < 5 ? "billing" : last);
	for (char *p = local; *p; p++)
		if (*p == ' ' || *p == '\'')
			*p = '-';
	snprintf(email, sizeof(email), "%s.%lld@%s.example", local, n, kind % 2 ? "mail" : "post");
	for (char *p = email; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (g->r < REL_81 && kind >= 95 && kind < 98 && g->last_email[0]) /* duplicates were allowed before 8.1 */
		snprintf(email, sizeof(email), "%s", g->last_email);
	else if (kind >= 98 && g->r == REL_73) /* and so were capitals */
		for (char *p = email; *p && *p != '.'; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	snprintf(g->last_email, sizeof(g->last_email), "%s", email);
	date_of(n % 1800, created);
	in = json_pack("{s:s, s:s?, s:s}", "name", name, "email", kind >= 90 && kind < 93 ? NULL : email,
		       "created_on", created);
	id = model_customer_create(g->db, g->r, in, g->e);
	json_decref(in);
	if (id > 0)
		g->customers++, g->rows++;
	return id;
}

static int invoice(struct gen *g, int64_t cust, long long n)
{
	char date[16];
	long long amount = 1000 + pick(g, 250000);
	json_t *in;
	int64_t id;

	date_of(n % 1800 + pick(g, 60), date);
	in = json_pack("{s:I, s:I, s:s}", "customer_id", (json_int_t)cust, "amount_cents", (json_int_t)amount,
		       "issued_on", date);
	if (g->r >= REL_80)
		json_object_set_new(in, "currency", json_string(PICK(g, currencies)));
	if (g->r >= REL_81)
		json_object_set_new(in, "tax_code", json_string(PICK(g, tax_codes)));
	id = model_invoice_create(g->db, g->r, in, g->e);
	json_decref(in);
	if (id < 0)
		return -1;
	g->invoices++;
	g->postings++;
	g->rows += 2 + ledger_db_int(g->db, "SELECT count(*) FROM posting_lines WHERE posting_id ="
				     " (SELECT max(id) FROM postings)", 0);
	if (pick(g, 3) == 0) { /* paid: a cash receipt clears the receivable */
		struct posting_line l[2] = { { "1100", amount }, { "1200", -amount } };
		char desc[64], sql[96];
		snprintf(desc, sizeof(desc), "Receipt for invoice %lld", (long long)id);
		if (model_posting_create(g->db, g->r, date, desc, id, l, 2, g->e) < 0)
			return -1;
		snprintf(sql, sizeof(sql), "UPDATE invoices SET status = 'paid' WHERE id = %lld", (long long)id);
		if (ledger_db_exec(g->db, sql, g->e))
			return -1;
		g->postings++;
		g->rows += 3;
	}
	return 0;
}

static long long db_bytes(struct ldb *db)
{
	return ledger_db_bytes(db);
}

static int fill(struct gen *g, long long rows, long long bytes)
{
	long long n = ledger_db_int(g->db, "SELECT count(*) FROM customers", 0);

	if (ledger_db_begin(g->db, g->e))
		return -1;
	if (reference_data(g))
		goto fail;
	for (long long i = 0;; i++) {
		int64_t cust;
		if (rows && g->rows >= rows)
			break;
		if (bytes && i % 16 == 0 && db_bytes(g->db) >= bytes)
			break;
		if ((cust = customer(g, ++n)) < 0)
			goto fail;
		for (long long k = 1 + pick(g, 4); k > 0; k--)
			if (invoice(g, cust, n))
				goto fail;
		if (i % 500 == 499 && (ledger_db_commit(g->db, g->e) || ledger_db_begin(g->db, g->e)))
			goto fail;
	}
	return ledger_db_commit(g->db, g->e);
fail:
	ledger_db_rollback(g->db);
	return -1;
}

int ctl_generate(int argc, char **argv)
{
	static const char usage[] =
		"usage: ledgerctl generate --db FILE (--rows N | --bytes N) [--seed S] [--release R]\n"
		"  An empty or missing database gets release R's schema first (default 7.3).\n";
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "rows", required_argument, NULL, 'r' },
		{ "bytes", required_argument, NULL, 'b' }, { "seed", required_argument, NULL, 's' },
		{ "release", required_argument, NULL, 'R' }, { NULL, 0, NULL, 0 } };
	const char *path = NULL, *rel = "7.3";
	long long rows = 0, bytes = 0, seed = 1;
	struct lerr e = { 0, "" };
	struct gen g;
	int c, empty = 0, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') path = optarg;
		else if (c == 'R') rel = optarg;
		else if (c == 'r' && !ledger_parse_long(optarg, 1, 1LL << 40, &rows)) ;
		else if (c == 'b' && !ledger_parse_long(optarg, 1, 1LL << 50, &bytes)) ;
		else if (c == 's' && !ledger_parse_long(optarg, 0, 1LL << 62, &seed)) ;
		else return ctl_usage(usage, "bad option or value");
	}
	if (!path || optind != argc || !rows == !bytes)
		return ctl_usage(usage, "generate needs --db and exactly one of --rows, --bytes");
	if (ledger_release_parse(rel) == REL_UNKNOWN)
		return ctl_usage(usage, "unknown release '%s' (7.3, 8.0, 8.1)", rel);
	memset(&g, 0, sizeof(g));
	g.e = &e;
	if (!(g.db = ledger_db_open(path, 1, &e)))
		return ctl_fail(&e);
	g.r = ledger_schema_release(g.db, &empty);
	if (empty && !ledger_schema_create(g.db, ledger_release_parse(rel), &e))
		g.r = ledger_release_parse(rel);
	if (g.r == REL_UNKNOWN) {
		if (!e.msg[0])
			lerr_set(&e, 400, "'%s' is not a ledger database", path);
		goto out;
	}
	g.rng = (uint64_t)seed * 0x2545f4914f6cdd1dULL ^
		(uint64_t)ledger_db_int(g.db, "SELECT count(*) FROM customers", 0);
	if (fill(&g, rows, bytes))
		goto out;
	printf("generated %lld rows (%lld customers, %lld invoices, %lld postings) in %s: release %s, %lld bytes\n",
	       g.rows, g.customers, g.invoices, g.postings, path, ledger_release_name(g.r), db_bytes(g.db));
	rc = 0;
out:
	if (rc)
		ctl_fail(&e);
	ledger_db_close(g.db);
	return rc;
}
