/* SPDX-License-Identifier: MIT */
/* envdb_changes.h: the writes made to an environment database since a baseline copy of
 * it (a restore point), and carrying them into another database through per-table
 * mappings; what the rollback of a self-service upgrade uses to keep users' writes
 * (docs/UPGRADE.md, "Writes survive a rollback").
 *
 * Capture: SQLite with the session extension (sqlite3session_diff of each table against
 * the baseline attached beside it); PostgreSQL by comparing both databases' rows in
 * primary-key order (two snapshots, cursors, no server configuration). A table without
 * a primary key, or whose columns changed since the baseline, cannot be captured row by
 * row: it is listed under "uncaptured" when its content differs.
 *
 * The writes document (JSON, "format": "ferry-writes-1"):
 *   {format, driver, baseline, captured, rows,
 *    tables: [{table, columns: [{name, type, pk}], inserted, updated, deleted,
 *              rows: [{op: insert|update|delete, key: {pk: v}, before: {..}|null,
 *                      after: {..}|null, changed: [col]}]}],
 *    uncaptured: [{table, reason}]}
 * Values: integers, reals, strings, null; a blob (or text that is not UTF-8) as
 * {"hex": "..."}.
 *
 * Mappings (from a data-upgrade package's reverse section, texts loaded):
 *   [{table, into, kind: "sql"|"copy"|"drop", select?: "SELECT ... FROM ferry_stage",
 *     note?}]
 * A row is staged alone in table ferry_stage (the new table's columns and ferry_op);
 * the mapping's SELECT gives the old table's columns, optionally ferry_note (carried,
 * with a note) and ferry_conflict (not carried: the reason). ferry then inserts,
 * updates (by the old table's primary key) or deletes it.
 *
 * The carry report (the plan when dry):
 *   {summary: {rows, carried, conflicts, dropped, skipped, unmapped, uncaptured},
 *    tables: [{table, into, mapping, inserted, updated, deleted, carried, conflicts,
 *              dropped, skipped, unmapped,
 *              rows: [{op, key, action: carry|conflict|drop|skip|unmapped,
 *                      reason?, note?, into_key?: the old table's key when carried}]}],
 *    uncaptured: [{table, reason}]}
 */
#ifndef FERRY_ENVDB_CHANGES_H
#define FERRY_ENVDB_CHANGES_H

#include <jansson.h>
#include <stdint.h>

struct ferry_buf;
struct ferry_envdb;
struct ferry_error;

/* Tables ferry keeps in environment databases (never captured). */
#define FERRY_ENVDB_CARRY_MARKS "ferry_carry_marks"
#define FERRY_ENVDB_STAGE "ferry_stage"

/* The writes of db since its restore point `baseline` (see above); *changeset (may be
 * NULL) gets SQLite's session changeset (empty on PostgreSQL). db may be serving: the
 * capture reads one consistent snapshot of each side. Caller owns *writes. */
int ferry_envdb_changes(struct ferry_envdb *db, const char *baseline, json_t **writes,
			struct ferry_buf *changeset, struct ferry_error *err);

struct ferry_carry {
	const json_t *writes;        /* ferry_envdb_changes() */
	const json_t *mappings;      /* see above; NULL: none */
	const char *mark;            /* applied once under this mark (NULL for a plan) */
	/* optional: called with the transaction complete, just before it commits */
	void (*before_commit)(void *arg);
	/* optional: done of total rows */
	void (*progress)(void *arg, int64_t done, int64_t total);
	void *arg;
};

/* Carry the writes into db through the mappings, in one transaction together with
 * the mark (table FERRY_ENVDB_CARRY_MARKS, with the report): rows that conflict are
 * left out and reported, the rest is applied. When the mark is already there nothing
 * is applied again: *already = 1 and *report is the report stored with it. */
int ferry_envdb_carry(struct ferry_envdb *db, const struct ferry_carry *c, json_t **report,
		      int *already, struct ferry_error *err);
/* The same as a dry run on a private copy of db's restore point rp (nothing changes
 * anywhere): exactly what ferry_envdb_carry() would do on a database equal to rp. */
int ferry_envdb_carry_plan(struct ferry_envdb *db, const char *rp, const struct ferry_carry *c,
			   json_t **report, struct ferry_error *err);
/* Forget the carry marks beginning with prefix; the table goes once empty. */
int ferry_envdb_carry_clear(struct ferry_envdb *db, const char *prefix, struct ferry_error *err);

/* The writes as CSV: table,op,key,before,after (JSON objects in the cells). */
int ferry_writes_csv(const json_t *writes, struct ferry_buf *out, struct ferry_error *err);

#endif
