/* SPDX-License-Identifier: MIT */
/* sqlite_sidecar.h: the first read of ferry's connection to an environment's SQLite
 * database made as the database's owner (sqlite_sidecar.c says why). */
#ifndef FERRY_LIB_RUNTIME_SQLITE_SIDECAR_H
#define FERRY_LIB_RUNTIME_SQLITE_SIDECAR_H

#include <sqlite3.h>

/* Right after sqlite3_open_v2() of path (its busy timeout set): when ferry runs as root
 * and path is a database in WAL mode owned by another uid, a first read with this
 * thread's file system uid and gid the owner's, so the -wal and -shm it makes are the
 * owner's from the start. Otherwise nothing. Best effort: a failure shows at the
 * caller's own first statement. */
void rt_sqlite_first_read(sqlite3 *h, const char *path);

#endif
