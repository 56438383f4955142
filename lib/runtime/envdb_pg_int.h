/* SPDX-License-Identifier: MIT */
/* envdb_pg_int.h: what the PostgreSQL environment database driver (envdb_pg.c) shares
 * with its client-tool and canonical-dump half (envdb_pg_dump.c). */
#ifndef FERRY_ENVDB_PG_INT_H
#define FERRY_ENVDB_PG_INT_H

#include "store/pq_sym.h"

#include <stdio.h>

struct ferry_error;

/* A notice processor that drops the server's notices (library code never prints). */
void pgd_quiet(void *arg, const char *msg);
/* A libpq failure as a ferry_error: the server's message, the database named (password
 * removed); SQLSTATE 42P04 is FERRY_EEXIST, 3D000 FERRY_ENOTFOUND. */
int pgd_err(PGconn *c, PGresult *r, const char *conn, const char *what,
	    struct ferry_error *err);

/* What a client tool gets: conn as a key=value conninfo without the password (argv is
 * visible to every user of the machine), and the password for PGPASSWORD. */
struct tool_conn {
	char *conninfo;
	char *password;
};
int pgd_tool_init(struct tool_conn *t, const char *conn, struct ferry_error *err);
void pgd_tool_release(struct tool_conn *t);
/* Run argv (a PostgreSQL client tool); 0 when it exits 0 (stdout to fd_out when >= 0). */
int pgd_run_tool(char *const argv[], int fd_out, const char *password, struct ferry_error *err);

/* A read-only repeatable-read connection whose exported snapshot is snap. */
PGconn *pgd_snapshot_connect(const char *conn, char snap[64], struct ferry_error *err);
/* The canonical dump of conn (schema, then every row in text order) to out. */
int pgd_dump(const char *conn, FILE *out, struct ferry_error *err);
/* The SHA-256 of the canonical dump, read through c in its snapshot snap. */
int pgd_checksum(const char *conn, PGconn *c, const char *snap, unsigned char h[32],
		 struct ferry_error *err);

#endif
