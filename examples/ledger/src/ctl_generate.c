/* SPDX-License-Identifier: MIT */
/* ctl_generate.c: `ledgerctl generate`: fills a database with realistic, deterministic data
 * (customers, invoices with their postings, receipts, users, batch jobs, secrets, mail
 * settings) up to a number of rows or bytes, for tests and benchmarks. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The rows are written through four prepared inserts with ids counted here (max + 1, read
 * again after each BEGIN), the same rows the model's rules would write (model.c: names
 * split at the first blank from 8.0, invoice numbers INV-<id>, one balanced posting per
 * invoice and one per receipt) without a parse, a JSON value and a max(id) query per row. */
struct gen {
	struct ldb *db;
	enum ledger_release r;
	uint64_t rng;
	long long rows, customers, invoices, postings;
	struct lerr *e;
	char last_email[192];
	long long next_customer, next_invoice, next_posting, next_line;  /* ids */
	long long rate_bp[4];                                            /* of tax_codes[] */
	struct ldb_stmt *ins_customer, *ins_invoice, *ins_posting, *ins_line;
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

#define TXT(x) ((struct ldb_val){ 't', 0, (x) })
#define INT(x) ((struct ldb_val){ 'i', (x), NULL })
#define NUL ((struct ldb_val){ 'N', 0, NULL })

static int64_t customer(struct gen *g, long long n)
{
	char name[128], email[192], created[16], local[136];   /* sized for the longest parts: nothing is cut */
	const char *first = PICK(g, firsts), *last = PICK(g, lasts);
	long long kind = pick(g, 100), id = g->next_customer;
	struct ldb_val v[5];
	int k = 0;

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
	v[k++] = INT(id);
	if (g->r == REL_73) {
		v[k++] = TXT(name);
	} else { /* 8.x splits a full name at its first blank, as the data upgrade does */
		char *sp = strchr(name, ' ');
		if (sp)
			*sp++ = '\0';
		v[k++] = TXT(name);
		v[k++] = TXT(sp ? sp : "");
	}
	v[k++] = kind >= 90 && kind < 93 ? NUL : TXT(email);
	v[k++] = TXT(created);
	if (ledger_db_step(g->ins_customer, v, k, g->e))
		return -1;
	g->next_customer++;
	g->customers++, g->rows++;
	return id;
}

/* Tax included in a gross amount at rate_bp basis points (model.c's rule). */
static long long tax_of(long long gross, long long rate_bp)
{
	return rate_bp > 0 ? (gross * rate_bp + (10000 + rate_bp) / 2) / (10000 + rate_bp) : 0;
}

/* A balanced posting and its lines; returns the number of lines or -1. */
static int posting(struct gen *g, const char *date, const char *desc, long long invoice,
		   const struct posting_line *l, int n)
{
	long long id = g->next_posting++;
	struct ldb_val p[4] = { INT(id), TXT(date), TXT(desc), INT(invoice) };

	if (ledger_db_step(g->ins_posting, p, 4, g->e))
		return -1;
	for (int i = 0; i < n; i++) {
		struct ldb_val v[4] = { INT(g->next_line++), INT(id), TXT(l[i].account), INT(l[i].amount_cents) };
		if (ledger_db_step(g->ins_line, v, 4, g->e))
			return -1;
	}
	g->postings++;
	return n;
}

static int invoice(struct gen *g, int64_t cust, long long n)
{
	char date[16], number[32], desc[64];
	long long amount = 1000 + pick(g, 250000), id = g->next_invoice, tax = 0;
	const char *currency = NULL, *tax_code = NULL;
	struct posting_line l[3];
	struct ldb_val v[8];
	int k = 0, paid, nl = 0, done;

	date_of(n % 1800 + pick(g, 60), date);
	if (g->r >= REL_80)
		currency = PICK(g, currencies);
	if (g->r >= REL_81) {
		long long t = pick(g, (long long)(sizeof(tax_codes) / sizeof(tax_codes[0])));
		tax_code = tax_codes[t];
		tax = tax_of(amount, g->rate_bp[t]);
	}
	paid = pick(g, 3) == 0; /* paid: a cash receipt clears the receivable */
	snprintf(number, sizeof(number), "INV-%06lld", id);
	v[k++] = INT(id), v[k++] = TXT(number), v[k++] = INT(cust), v[k++] = TXT(date);
	v[k++] = INT(amount), v[k++] = TXT(paid ? "paid" : "open");
	if (currency)
		v[k++] = TXT(currency);
	if (tax_code)
		v[k++] = TXT(tax_code);
	if (ledger_db_step(g->ins_invoice, v, k, g->e))
		return -1;
	g->next_invoice++;
	g->invoices++;
	l[nl++] = (struct posting_line){ "1200", amount };
	l[nl++] = (struct posting_line){ "4000", -(amount - tax) };
	if (tax != 0 || g->r < REL_81) /* before 8.1 the tax line is always written, even at zero */
		l[nl++] = (struct posting_line){ "2200", -tax };
	snprintf(desc, sizeof(desc), "Invoice %s", number);
	if ((done = posting(g, date, desc, id, l, nl)) < 0)
		return -1;
	g->rows += 2 + done;
	if (paid) {
		struct posting_line r[2] = { { "1100", amount }, { "1200", -amount } };
		snprintf(desc, sizeof(desc), "Receipt for invoice %lld", id);
		if (posting(g, date, desc, id, r, 2) < 0)
			return -1;
		g->rows += 3;
	}
	return 0;
}

static long long db_bytes(struct ldb *db)
{
	return ledger_db_bytes(db);
}

/* The next ids, read inside each write transaction (another writer may have added rows
 * between two of them), and the inserts of this release. */
static void next_ids(struct gen *g)
{
	g->next_customer = ledger_db_int(g->db, "SELECT coalesce(max(id), 0) + 1 FROM customers", 1);
	g->next_invoice = ledger_db_int(g->db, "SELECT coalesce(max(id), 0) + 1 FROM invoices", 1);
	g->next_posting = ledger_db_int(g->db, "SELECT coalesce(max(id), 0) + 1 FROM postings", 1);
	g->next_line = ledger_db_int(g->db, "SELECT coalesce(max(id), 0) + 1 FROM posting_lines", 1);
}

static int prepare(struct gen *g)
{
	static const char *const inv[] = {
		"INSERT INTO invoices (id, number, customer_id, issued_on, amount_cents, status) VALUES (?, ?, ?, ?, ?, ?)",
		"INSERT INTO invoices (id, number, customer_id, issued_on, amount_cents, status, currency)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)",
		"INSERT INTO invoices (id, number, customer_id, issued_on, amount_cents, status, currency, tax_code)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)" };

	for (size_t i = 0; g->r >= REL_81 && i < sizeof(tax_codes) / sizeof(tax_codes[0]); i++) {
		json_t *p = json_pack("[s]", tax_codes[i]);
		json_t *rows = ledger_db_rows(g->db, "SELECT rate_bp FROM tax_codes WHERE code = ?", p, g->e);
		json_decref(p);
		if (json_array_size(rows) != 1) {
			json_decref(rows);
			return lerr_set(g->e, 400, "no tax code '%s'", tax_codes[i]);
		}
		g->rate_bp[i] = json_integer_value(json_object_get(json_array_get(rows, 0), "rate_bp"));
		json_decref(rows);
	}
	g->ins_customer = ledger_db_prepare(g->db, g->r == REL_73
		? "INSERT INTO customers (id, name, email, created_on) VALUES (?, ?, ?, ?)"
		: "INSERT INTO customers (id, first_name, last_name, email, created_on) VALUES (?, ?, ?, ?, ?)", g->e);
	g->ins_invoice = g->ins_customer ? ledger_db_prepare(g->db, inv[g->r == REL_73 ? 0 : g->r == REL_80 ? 1 : 2], g->e) : NULL;
	g->ins_posting = g->ins_invoice ? ledger_db_prepare(g->db, "INSERT INTO postings (id, posted_on, description,"
							    " invoice_id) VALUES (?, ?, ?, ?)", g->e) : NULL;
	g->ins_line = g->ins_posting ? ledger_db_prepare(g->db, "INSERT INTO posting_lines (id, posting_id, account,"
							 " amount_cents) VALUES (?, ?, ?, ?)", g->e) : NULL;
	return g->ins_line ? 0 : -1;
}

static int begin(struct gen *g)
{
	if (ledger_db_begin(g->db, g->e))
		return -1;
	next_ids(g);
	return 0;
}

/* Customers with their invoices until rows or bytes; a transaction per BATCH customers. */
#define BATCH 5000

static int fill(struct gen *g, long long rows, long long bytes)
{
	long long n = ledger_db_int(g->db, "SELECT count(*) FROM customers", 0);

	if (prepare(g) || begin(g))
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
		if (i % BATCH == BATCH - 1 && (ledger_db_commit(g->db, g->e) || begin(g)))
			goto fail;
	}
	return ledger_db_commit(g->db, g->e);
fail:
	ledger_db_rollback(g->db);
	return -1;
}

/* A new SQLite file is written without a rollback journal and without syncs (nothing to
 * roll back to; a failure removes the file), then synced once at the end. */
static int fresh_file(const char *path)
{
	struct stat st;

	return !ledger_db_is_url(path) && (stat(path, &st) != 0 || st.st_size == 0);
}

static int sync_file(const char *path, struct lerr *e)
{
	int fd = open(path, O_RDONLY), rc = fd < 0 ? -1 : fsync(fd);

	if (fd >= 0)
		close(fd);
	return rc ? lerr_set(e, 500, "cannot sync '%s': %s", path, strerror(errno)) : 0;
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
	const char *path = NULL, *file, *rel = "7.3";
	long long rows = 0, bytes = 0, seed = 1, size = 0;
	struct lerr e = { 0, "" };
	struct gen g;
	int c, empty = 0, rc = 1, fresh, existed;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') path = optarg;
		else if (c == 'R') rel = optarg;
		else if (c == 'r' && !ledger_parse_long(optarg, 1, 1LL << 40, &rows)) ;
		else if (c == 'b' && !ledger_parse_long(optarg, 1, 1LL << 50, &bytes)) ;
		else if (c == 's' && !ledger_parse_long(optarg, 0, 1LL << 62, &seed)) ;
		else return ctl_usage(usage, "bad option or value");
	}
	if (!path || !*path || optind != argc || !rows == !bytes)
		return ctl_usage(usage, "generate needs --db and exactly one of --rows, --bytes");
	if (ledger_release_parse(rel) == REL_UNKNOWN)
		return ctl_usage(usage, "unknown release '%s' (7.3, 8.0, 8.1)", rel);
	memset(&g, 0, sizeof(g));
	g.e = &e;
	file = strncmp(path, "sqlite:", 7) ? path : path + 7;
	existed = access(file, F_OK) == 0;
	fresh = fresh_file(file);
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
	if (fresh && ledger_db_exec(g.db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
				    " PRAGMA cache_size = -131072", &e))
		goto out;
	g.rng = (uint64_t)seed * 0x2545f4914f6cdd1dULL ^
		(uint64_t)ledger_db_int(g.db, "SELECT count(*) FROM customers", 0);
	if (fill(&g, rows, bytes))
		goto out;
	size = db_bytes(g.db);
	if (fresh && ledger_db_exec(g.db, "PRAGMA journal_mode = DELETE", &e))
		goto out;
	rc = 0;
out:
	ledger_db_finalize(g.ins_customer);
	ledger_db_finalize(g.ins_invoice);
	ledger_db_finalize(g.ins_posting);
	ledger_db_finalize(g.ins_line);
	ledger_db_close(g.db);
	if (!rc && fresh && sync_file(file, &e))
		rc = 1;
	if (rc && fresh && g.r != REL_UNKNOWN) /* half a file is no database: as it was before */
		(void)(existed ? truncate(file, 0) : unlink(file));
	if (rc)
		return ctl_fail(&e);
	printf("generated %lld rows (%lld customers, %lld invoices, %lld postings) in %s: release %s, %lld bytes\n",
	       g.rows, g.customers, g.invoices, g.postings, path, ledger_release_name(g.r), size);
	return 0;
}
