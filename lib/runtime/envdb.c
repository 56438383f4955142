/* SPDX-License-Identifier: MIT */
/* envdb.c: environment database handles: driver choice by connection string, and
 * the driver-independent parts (restore point names, checksums). */
#include "runtime/envdb_int.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ferry_envdb {
	const struct ferry_envdb_ops *ops;
	char *conn;
	const struct envdb_remote *rm;   /* set: the database is on another machine */
	void *rm_arg;
};

/* ---- each operation here, or on the machine the database is on ---- */

static int x_exists(struct ferry_envdb *db, const char *conn)
{
	return db->rm ? db->rm->exists(db->rm_arg, conn) : db->ops->exists(conn);
}

static int x_copy(struct ferry_envdb *db, const char *a, const char *b, struct ferry_error *err)
{
	return db->rm ? db->rm->copy(db->rm_arg, a, b, err) : db->ops->copy(a, b, err);
}

static int x_drop(struct ferry_envdb *db, const char *conn, struct ferry_error *err)
{
	return db->rm ? db->rm->drop(db->rm_arg, conn, err) : db->ops->drop(conn, err);
}

/* Copy src (which must exist) over dst; *missing set when src does not exist. A driver
 * whose copy reports a missing source is not probed first (a PostgreSQL probe is a
 * connection of its own: ~10 ms, as much as the rest of a small restore's overhead). */
static int x_copy_existing(struct ferry_envdb *db, const char *src, const char *dst,
			   int *missing, struct ferry_error *err)
{
	int rc;

	*missing = 0;
	if (db->rm || !db->ops->copy_reports_missing) {
		if (!x_exists(db, src)) {
			*missing = 1;
			return FERRY_ENOTFOUND;
		}
		return x_copy(db, src, dst, err);
	}
	rc = x_copy(db, src, dst, err);
	if (rc == FERRY_ENOTFOUND && !x_exists(db, src))
		*missing = 1;
	return rc;
}

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

int envdb_open_remote(const char *conn, const struct envdb_remote *r, void *arg,
		      struct ferry_envdb **out, struct ferry_error *err)
{
	int rc = ferry_envdb_open(conn, out, err);

	if (rc) {
		if (r->release)
			r->release(arg);
		return rc;
	}
	(*out)->rm = r;
	(*out)->rm_arg = arg;
	return 0;
}

const struct envdb_remote *envdb_remote_of(const struct ferry_envdb *db, void **arg)
{
	*arg = db->rm_arg;
	return db->rm;
}

void ferry_envdb_free(struct ferry_envdb *db)
{
	if (!db)
		return;
	if (db->rm && db->rm->release)
		db->rm->release(db->rm_arg);
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
	return db->rm ? db->rm->create(db->rm_arg, db->conn, err) : db->ops->create(db->conn, err);
}

int ferry_envdb_exists(struct ferry_envdb *db)
{
	return x_exists(db, db->conn);
}

int ferry_envdb_drop(struct ferry_envdb *db, struct ferry_error *err)
{
	return x_drop(db, db->conn, err);
}

int64_t ferry_envdb_size(struct ferry_envdb *db)
{
	return db->rm ? db->rm->size(db->rm_arg, db->conn) : db->ops->size(db->conn);
}

/* ---- copies between machines: a snapshot streamed, never stored on ferry's ---- */

static int fd_src_read(void *arg, void *buf, size_t cap, size_t *got, struct ferry_error *err)
{
	ssize_t n;

	do
		n = read(*(int *)arg, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read a database snapshot");
	*got = (size_t)n;
	return 0;
}

/* "<conn>.<what>-<uuid>": a temporary file beside a local database. */
static char *beside(const char *conn, const char *what)
{
	char id[37], *p;
	size_t n;

	ferry_uuid(id);
	n = strlen(conn) + strlen(what) + 40;
	if ((p = malloc(n)))
		snprintf(p, n, "%s.%s-%s", conn, what, id);
	return p;
}

/* Local destination: the stream into a file beside it, then one copy into it. */
static int receive_here(struct ferry_envdb *dst, const struct host_src *in, struct ferry_error *err)
{
	char *tmp = beside(dst->conn, "recv"), buf[1 << 16];
	size_t got;
	int fd, rc = 0;

	if (!tmp)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", tmp);
		goto out;
	}
	while (!(rc = in->read(in->arg, buf, sizeof(buf), &got, err)) && got)
		if (write(fd, buf, got) != (ssize_t)got) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write %s", tmp);
			break;
		}
	if (!rc && fsync(fd) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", tmp);
	close(fd);
	if (!rc)
		rc = dst->ops->copy(tmp, dst->conn, err);
out:
	unlink(tmp);
	free(tmp);
	return rc;
}

static int copy_across(struct ferry_envdb *src, struct ferry_envdb *dst, struct ferry_error *err)
{
	struct host_src in;
	char *snap = NULL;
	int rc, fd = -1;

	if (src->ops != &ferry_envdb_sqlite)
		return ferry_error_set(err, FERRY_EINVAL, "only SQLite databases are copied between "
				       "machines; %s databases are copied on their server", src->ops->name);
	if (src->rm) {
		if ((rc = src->rm->snapshot(src->rm_arg, src->conn, &in, err)))
			return rc;
	} else {
		if (!(snap = beside(src->conn, "snap")))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		if ((rc = src->ops->copy(src->conn, snap, err)))
			goto out;
		if ((fd = open(snap, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", snap);
			goto out;
		}
		in.read = fd_src_read;
		in.arg = &fd;
	}
	rc = dst->rm ? dst->rm->receive(dst->rm_arg, dst->conn, &in, err) : receive_here(dst, &in, err);
	if (rc && src->rm) {
		/* read the source's answer to its end, so its session stays usable */
		char buf[4096];
		size_t got;
		while (!in.read(in.arg, buf, sizeof(buf), &got, NULL) && got)
			;
	}
out:
	if (fd >= 0)
		close(fd);
	if (snap) {
		unlink(snap);
		free(snap);
	}
	return rc;
}

int ferry_envdb_copy(struct ferry_envdb *src, struct ferry_envdb *dst, struct ferry_error *err)
{
	if (src->ops != dst->ops)
		return ferry_error_set(err, FERRY_EINVAL,
			"cannot copy a %s database into a %s database", src->ops->name, dst->ops->name);
	if (!x_exists(src, src->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", src->conn);
	if (src->rm || dst->rm) {
		if (src->rm && dst->rm && src->rm == dst->rm && src->rm->same_place(src->rm_arg, dst->rm_arg)) {
			if (!strcmp(src->conn, dst->conn))
				return ferry_error_set(err, FERRY_EINVAL, "cannot copy database %s onto "
						       "itself", src->conn);
			return src->rm->copy(src->rm_arg, src->conn, dst->conn, err);
		}
		return copy_across(src, dst, err);
	}
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
	int rc, missing;

	if ((rc = rp_conn(db, name, &rp, err)))
		return rc;
	if ((rc = x_copy_existing(db, db->conn, rp, &missing, err)) && missing)
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	free(rp);
	if (rc)
		ferry_error_prefix(err, "creating restore point '%s'", name);
	return rc;
}

int ferry_envdb_rp_restore(struct ferry_envdb *db, const char *name, struct ferry_error *err)
{
	char *rp;
	int rc, missing;

	if ((rc = rp_conn(db, name, &rp, err)))
		return rc;
	if ((rc = x_copy_existing(db, rp, db->conn, &missing, err)) && missing)
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"no restore point '%s' of database %s", name, db->conn);
	else if (rc)
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
	if (!x_exists(db, rp))
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"no restore point '%s' of database %s", name, db->conn);
	else
		rc = x_drop(db, rp, err);
	free(rp);
	return rc;
}

int ferry_envdb_rp_exists(struct ferry_envdb *db, const char *name)
{
	char *rp;
	int yes;

	if (rp_conn(db, name, &rp, NULL))
		return 0;
	yes = x_exists(db, rp);
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
	return db->rm ? db->rm->rp_list(db->rm_arg, db->conn, out, err)
		      : db->ops->rp_list(db->conn, out, err);
}

int ferry_envdb_exec(struct ferry_envdb *db, const char *sql, struct ferry_error *err)
{
	return ferry_envdb_exec_once(db, sql, NULL, NULL, err);
}

int ferry_envdb_exec_once(struct ferry_envdb *db, const char *sql, const char *mark, int *already,
			  struct ferry_error *err)
{
	int dummy;

	if (!x_exists(db, db->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	if (db->rm)
		return db->rm->exec(db->rm_arg, db->conn, sql ? sql : "", mark,
				    already ? already : &dummy, err);
	return db->ops->exec(db->conn, sql ? sql : "", mark, already ? already : &dummy, err);
}

int ferry_envdb_marks_clear(struct ferry_envdb *db, const char *prefix, struct ferry_error *err)
{
	if (!x_exists(db, db->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	if (db->rm)
		return db->rm->marks_clear(db->rm_arg, db->conn, prefix, err);
	return db->ops->marks_clear(db->conn, prefix, err);
}

int ferry_envdb_dump(struct ferry_envdb *db, FILE *out, struct ferry_error *err)
{
	if (!x_exists(db, db->conn))
		return ferry_error_set(err, FERRY_ENOTFOUND, "no database at %s", db->conn);
	if (db->rm)
		return db->rm->dump(db->rm_arg, db->conn, out, err);
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

const char *ferry_envdb_copy_method(const struct ferry_envdb *db)
{
	return db->ops->copy_method ? db->ops->copy_method() : NULL;
}
