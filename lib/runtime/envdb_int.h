/* SPDX-License-Identifier: MIT */
/* envdb_int.h: environment database handles whose database lives on another
 * machine (a runtime's host, reached by the SSH driver): the same operations as a
 * driver's (ferry/runtime/envdb.h), run there, plus the streams that move a
 * database between machines. The handle and every ferry_envdb_* call work the same
 * on them. */
#ifndef FERRY_LIB_RUNTIME_ENVDB_INT_H
#define FERRY_LIB_RUNTIME_ENVDB_INT_H

#include "ferry/runtime/envdb.h"
#include "runtime/host_int.h"

struct envdb_remote {
	int (*create)(void *arg, const char *conn, struct ferry_error *err);
	/* 1 exists, 0 does not, -1 cannot tell (the machine cannot be reached) */
	int (*exists)(void *arg, const char *conn);
	int (*drop)(void *arg, const char *conn, struct ferry_error *err);
	/* both on that machine */
	int (*copy)(void *arg, const char *src, const char *dst, struct ferry_error *err);
	int64_t (*size)(void *arg, const char *conn);
	int (*dump)(void *arg, const char *conn, FILE *out, struct ferry_error *err);
	int (*rp_list)(void *arg, const char *conn, json_t **out, struct ferry_error *err);
	int (*exec)(void *arg, const char *conn, const char *sql, const char *mark, int *already,
		    struct ferry_error *err);
	int (*marks_clear)(void *arg, const char *conn, const char *prefix, struct ferry_error *err);
	/* A consistent snapshot of conn as a byte stream (read *out to its end before
	 * anything else is asked of arg's machine). */
	int (*snapshot)(void *arg, const char *conn, struct host_src *out, struct ferry_error *err);
	/* Replace conn (all or nothing) with the database file read from in. */
	int (*receive)(void *arg, const char *conn, const struct host_src *in, struct ferry_error *err);
	/* The writes a rollback keeps (envdb_changes.h) run on that machine: what is
	 * changes, carry, carry_plan or carry_clear; in and *out are JSON documents
	 * (host_agent_db.c says which members); *out NULL for carry_clear. */
	int (*writes)(void *arg, const char *conn, const char *what, const json_t *in, json_t **out,
		      struct ferry_error *err);
	/* Are the two handles' databases on one machine? */
	int (*same_place)(void *arg, void *other_arg);
	void (*release)(void *arg);
};

/* A handle on conn (a path on that machine) whose operations r runs with arg; the
 * handle releases arg when freed. The driver that claims conn is used for what
 * stays local (restore point names). */
int envdb_open_remote(const char *conn, const struct envdb_remote *r, void *arg,
		      struct ferry_envdb **out, struct ferry_error *err);

/* db's operations on another machine and their argument (NULL: db is on this one). */
const struct envdb_remote *envdb_remote_of(const struct ferry_envdb *db, void **arg);

#endif
