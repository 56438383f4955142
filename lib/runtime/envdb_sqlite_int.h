/* SPDX-License-Identifier: MIT */
/* envdb_sqlite_int.h: the SQLite driver's whole-file copy (envdb_sqlite_copy.c), used
 * by envdb_sqlite.c for copies, restore points and restores. */
#ifndef FERRY_LIB_RUNTIME_ENVDB_SQLITE_INT_H
#define FERRY_LIB_RUNTIME_ENVDB_SQLITE_INT_H

struct ferry_error;

/* Replace dst (in the existing directory dir; created when missing) with a consistent
 * snapshot of the database file src, which may be serving: all or nothing, synced. */
int sqc_copy(const char *src, const char *dst, const char *dir, struct ferry_error *err);

/* The same, src held still by the caller (envdb_hold.c: no COMMIT can run, its file
 * alone is the database): copied without a connection of SQLite's own, whose SHARED
 * lock would wait behind a writer waiting for the hold (SQLite's PENDING lock). */
int sqc_copy_held(const char *src, const char *dst, const char *dir, struct ferry_error *err);

/* How this thread's last sqc_copy() copied: "clone", "copy_file_range", "read/write"
 * or "backup"; NULL before any. */
const char *sqc_last_method(void);

/* The name (after a leading '.') a replaced file takes beside its successor until it
 * is removed in the background: ".<name>.old-<pid>". */
#define SQC_OLD_FMT "%s.old-%ld"

/* Remove the files in dir that a process now gone left: ".<name>.old-<pid>" (a remover
 * killed, or one that could not start) and "<dst>.tmp-<pid>" with SQLite's -journal,
 * -wal, -shm beside it (a restore point or copy killed), so that resuming, or listing
 * restore points, leaves none behind. */
void sqc_sweep(const char *dir);

#endif
