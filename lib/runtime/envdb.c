/* SPDX-License-Identifier: MIT */
/* envdb.c: environment database handles: driver choice by connection string, and
 * the driver-independent parts (restore point names, checksums). */
#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ferry_envdb {
	const struct ferry_envdb_ops *ops;
	char *conn;
};

/* Drivers, most specific first; the last one (SQLite) takes plain paths. */
static const struct ferry_envdb_ops *const drivers[] = {
	&ferry_envdb_postgresql,
	&ferry_envdb_sqlite,
	NULL
};

int ferry_envdb_open(const char *conn, struct ferry_envdb **out, struct ferry_error *err)
{
	const struct ferry_envdb_ops *const *d;
	struct ferry_envdb *db;

	*out = NULL;
	if (!conn || !*conn)
		return ferry_error_set(err, FERRY_EINVAL, "empty database connection string");
	for (d = drivers; *d; d++)
		if ((*d)->claims(conn))
			break;
	if (!*d)
		return ferry_error_set(err, FERRY_EINVAL,
			"no database driver for '%s': use a file path (SQLite) or postgresql://...", conn);
	db = calloc(1, sizeof(*db));
	if (!db || !(db->conn = strdup(conn))) {
		free(db);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	db->ops = *d;
	*out = db;
	return 0;
}

void ferry_envdb_free(struct ferry_envdb *db)
{
	if (!db)
		return;
	free(db->conn);
	free(db);
}

const char *ferry_envdb_conn(const struct ferry_envdb *db)
{
	return db->conn;
}

const char *ferry_envdb_driver(const struct ferry_envdb *db)
{
	return db->ops->name;
}

int ferry_envdb_create(struct ferry_envdb *db, struct ferry_error *err)
{
	return db->ops->create(db->conn, err);
}

int ferry_envdb_exists(struct ferry_envdb *db)
{
	return db->ops->exists(db->conn);
}

int ferry_envdb_drop(struct ferry_envdb *db, struct ferry_error *err)
{
	return db->ops->drop(db->conn, err);
}

int64_t ferry_envdb_size(struct ferry_envdb *db)
{
	return db->ops->size(db->conn);
}

int ferry_envdb_copy(struct ferry_envdb *src, struct ferry_envdb *dst, struct ferry_error *err)
{
	if (src->ops != dst->ops)
		return ferry_error_set(err, FERRY_EINVAL,
			"cannot copy a %s database into a %s database", src->ops->name, dst->ops->name);
	if (!src->ops->exists(src->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", src->conn);
	if (!strcmp(src->conn, dst->conn))
		return ferry_error_set(err, FERRY_EINVAL, "cannot copy database %s onto itself", src->conn);
	return src->ops->copy(src->conn, dst->conn, err);
}

static int rp_conn(struct ferry_envdb *db, const char *name, char **out, struct ferry_error *err)
{
	int rc = ferry_name_check(name, "restore point", err);

	if (rc)
		return rc;
	if (!(*out = db->ops->rp_conn(db->conn, name)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

int ferry_envdb_rp_create(struct ferry_envdb *db, const char *name, struct ferry_error *err)
{
	char *rp;
	int rc;

	if ((rc = rp_conn(db, name, &rp, err)))
		return rc;
	if (!db->ops->exists(db->conn))
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	else
		rc = db->ops->copy(db->conn, rp, err);
	free(rp);
	if (rc)
		ferry_error_prefix(err, "creating restore point '%s'", name);
	return rc;
}

int ferry_envdb_rp_restore(struct ferry_envdb *db, const char *name, struct ferry_error *err)
{
	char *rp;
	int rc;

	if ((rc = rp_conn(db, name, &rp, err)))
		return rc;
	if (!db->ops->exists(rp))
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"no restore point '%s' of database %s", name, db->conn);
	else if ((rc = db->ops->copy(rp, db->conn, err)))
		ferry_error_prefix(err, "restoring restore point '%s'", name);
	free(rp);
	return rc;
}

int ferry_envdb_rp_rm(struct ferry_envdb *db, const char *name, struct ferry_error *err)
{
	char *rp;
	int rc;

	if ((rc = rp_conn(db, name, &rp, err)))
		return rc;
	if (!db->ops->exists(rp))
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"no restore point '%s' of database %s", name, db->conn);
	else
		rc = db->ops->drop(rp, err);
	free(rp);
	return rc;
}

int ferry_envdb_rp_exists(struct ferry_envdb *db, const char *name)
{
	char *rp;
	int yes;

	if (rp_conn(db, name, &rp, NULL))
		return 0;
	yes = db->ops->exists(rp);
	free(rp);
	return yes;
}

int ferry_envdb_rp_conn(struct ferry_envdb *db, const char *name, char **out,
			struct ferry_error *err)
{
	*out = NULL;
	return rp_conn(db, name, out, err);
}

int ferry_envdb_rp_list(struct ferry_envdb *db, json_t **out, struct ferry_error *err)
{
	return db->ops->rp_list(db->conn, out, err);
}

int ferry_envdb_exec(struct ferry_envdb *db, const char *sql, struct ferry_error *err)
{
	return ferry_envdb_exec_once(db, sql, NULL, NULL, err);
}

int ferry_envdb_exec_once(struct ferry_envdb *db, const char *sql, const char *mark, int *already,
			  struct ferry_error *err)
{
	int dummy;

	if (!db->ops->exists(db->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	return db->ops->exec(db->conn, sql ? sql : "", mark, already ? already : &dummy, err);
}

int ferry_envdb_marks_clear(struct ferry_envdb *db, const char *prefix, struct ferry_error *err)
{
	if (!db->ops->exists(db->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	return db->ops->marks_clear(db->conn, prefix, err);
}

int ferry_envdb_dump(struct ferry_envdb *db, FILE *out, struct ferry_error *err)
{
	if (!db->ops->exists(db->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	return db->ops->dump(db->conn, out, err);
}

/* A FILE that hashes what is written to it: the dump streams, whatever its size. */
static ssize_t hash_write(void *cookie, const char *buf, size_t size)
{
	crypto_hash_sha256_update(cookie, (const unsigned char *)buf, size);
	return (ssize_t)size;
}

int ferry_envdb_checksum(struct ferry_envdb *db, char out[65], struct ferry_error *err)
{
	static const cookie_io_functions_t io = { NULL, hash_write, NULL, NULL };
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	FILE *f;
	int rc, i;

	crypto_hash_sha256_init(&st);
	if (!(f = fopencookie(&st, "w", io)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = ferry_envdb_dump(db, f, err);
	fclose(f);
	if (rc)
		return rc;
	crypto_hash_sha256_final(&st, h);
	for (i = 0; i < (int)sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
	return 0;
}
