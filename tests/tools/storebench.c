/* SPDX-License-Identifier: MIT */
/* storebench.c: time the state store API on one backend: N write transactions
 * (begin, insert, commit) then N point reads, through libferry's store layer.
 *   storebench WHERE N     prints "<write_ms> <read_ms>"
 * WHERE is a path (SQLite) or a postgresql:// URL (the database must exist). */
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/registry/registry.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>

static int fail(const struct ferry_error *err)
{
	fprintf(stderr, "storebench: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct ferry_error err = { 0 };
	struct ferry_store *s = NULL;
	struct ferry_stmt *st;
	long long n;
	int64_t t0, t1, t2, i;
	char name[32];

	if (argc != 3 || ferry_parse_int(argv[2], 1, 10000000, &n)) {
		fprintf(stderr, "usage: storebench WHERE N\n");
		return 2;
	}
	if (ferry_store_open(argv[1], 1, ferry_schema_all, NULL, &s, &err) ||
	    ferry_store_run(s, &err, "CREATE TABLE IF NOT EXISTS bench(id INTEGER PRIMARY KEY, "
			    "name TEXT NOT NULL UNIQUE, v INTEGER NOT NULL)", NULL))
		return fail(&err);
	t0 = ferry_mono_ms();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "row-%lld", (long long)i);
		if (ferry_store_begin(s, &err) ||
		    ferry_store_run(s, &err, "INSERT INTO bench(name, v) VALUES(?, ?)", "ti", name, i) ||
		    ferry_store_commit(s, &err))
			return fail(&err);
	}
	t1 = ferry_mono_ms();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "row-%lld", (long long)i);
		if (ferry_store_query(s, &st, &err, "SELECT v FROM bench WHERE name = ?", "t", name) ||
		    ferry_stmt_step(st, &err) != 1)
			return fail(&err);
		ferry_stmt_free(st);
	}
	t2 = ferry_mono_ms();
	printf("%lld %lld\n", (long long)(t1 - t0), (long long)(t2 - t1));
	ferry_store_close(s);
	return 0;
}
