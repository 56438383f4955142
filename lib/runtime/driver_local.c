/* SPDX-License-Identifier: MIT */
/* driver_local.c: the local runtime driver: environments as processes on ferry's
 * own machine, under <home>/environments/<env>/. The table of rt_driver_local, and
 * its small entries: directories, the lock (flock on state/lock), files, the log,
 * ports on 127.0.0.1 and the database endpoint (a file or a server URL ferry opens
 * itself). Release trees and the service are in driver_local_release.c,
 * driver_local_proc.c and driver_local_exec.c. */
#include "runtime/driver_local.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/store/ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_WAIT_MS 60000
#define LOGFILE "logs/app.log"

struct local_rt {
	int lock_fd;
};

/* ---- where it runs ---- */

static int local_attach(struct ferry_runtime *rt, struct ferry_error *err)
{
	struct local_rt *l;

	if (strcmp(rt->host, "local"))
		return ferry_error_set(err, FERRY_ESTATE, "the local driver runs environments on "
				       "ferry's own machine (host 'local'), not on host '%s'", rt->host);
	if (!(l = calloc(1, sizeof(*l))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	l->lock_fd = -1;
	rt->drv_data = l;
	snprintf(rt->addr, sizeof(rt->addr), "127.0.0.1");
	return 0;
}

static void local_detach(struct ferry_runtime *rt)
{
	struct local_rt *l = rt->drv_data;

	if (l && l->lock_fd >= 0)
		close(l->lock_fd);
	free(l);
	rt->drv_data = NULL;
}

static int local_locate(struct ferry_runtime *rt, char **dir, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	if (!strcmp(rt->slot, FERRY_SLOT_MAIN))
		ferry_buf_addf(&b, "%s/environments/%s", rt->ctx->home, rt->env.name);
	else
		ferry_buf_addf(&b, "%s/environments/%s/%s.%lld", rt->ctx->home, rt->env.name,
			       rt->slot, (long long)rt->id);
	if (!(*dir = ferry_buf_detach(&b)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

static int local_prepare(struct ferry_runtime *rt, struct ferry_error *err)
{
	/* data, tmp: the application's own files and scratch; secrets: files only it reads */
	static const char *const sub[] = { "releases", "db", "state", "logs", "data", "tmp", "secrets" };
	size_t i;
	int rc;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		char *p = ferry_runtime_path(rt, sub[i]);
		rc = p ? ferry_mkdir_p(p, 0700, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

static int local_remove(struct ferry_runtime *rt, int whole, struct ferry_error *err)
{
	static const char *const owned[] = { "releases", "current", "state", "config.json" };
	size_t i;
	int rc;

	if (whole)
		return ferry_rm_rf(rt->dir, err);
	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		char *p = ferry_runtime_path(rt, owned[i]);
		rc = p ? ferry_rm_rf(p, err) : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
		if (rc)
			return rc;
	}
	return 0;
}

static int local_port_free(struct ferry_runtime *rt, int port)
{
	(void)rt;
	return ferry_port_bindable(port);
}

/* flock on state/lock; the descriptor is close-on-exec, so a service spawned while
 * it is held keeps it only until its exec (driver_local_proc.c relies on this). */
static int local_lock(struct ferry_runtime *rt, struct ferry_error *err)
{
	int64_t deadline = ferry_mono_ms() + LOCK_WAIT_MS;
	struct local_rt *l = rt->drv_data;
	char *p = ferry_runtime_path(rt, "state/lock");
	int rc = 0, fd;

	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot open lock %s", p);
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, 50 * 1000000L };
		if (errno != EWOULDBLOCK || ferry_mono_ms() > deadline) {
			rc = ferry_error_set(err, FERRY_ESTATE,
				"environment '%s' is busy: another ferry is starting, stopping or "
				"deploying it (lock %s); try again", rt->env.name, p);
			close(fd);
			goto out;
		}
		nanosleep(&ts, NULL);
	}
	l->lock_fd = fd;
out:
	free(p);
	return rc;
}

static void local_unlock(struct ferry_runtime *rt)
{
	struct local_rt *l = rt->drv_data;

	if (l && l->lock_fd >= 0) {
		close(l->lock_fd);
		l->lock_fd = -1;
	}
}

/* ---- files and the log ---- */

static int local_file_read(struct ferry_runtime *rt, const char *rel, struct ferry_buf *out,
			   struct ferry_error *err)
{
	char *p = ferry_runtime_path(rt, rel);
	int rc;

	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!ferry_path_exists(p))
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no file %s", p);
	else if (ferry_buf_read_file(out, p) < 0)
		rc = ferry_error_set(err, FERRY_EIO, "cannot read %s", p);
	else
		rc = 0;
	free(p);
	return rc;
}

static int local_file_write(struct ferry_runtime *rt, const char *rel, const void *data,
			    size_t len, struct ferry_error *err)
{
	char *p = ferry_runtime_path(rt, rel);
	int rc = p ? ferry_write_file_atomic(p, data, len, 0600, err)
		   : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(p);
	return rc;
}

static void local_note(struct ferry_runtime *rt, const char *line)
{
	char *p = ferry_runtime_path(rt, LOGFILE);
	FILE *f = p ? fopen(p, "ae") : NULL;

	free(p);
	if (!f)
		return;
	fprintf(f, "%s\n", line);
	fclose(f);
}

/* Offset of the start of the last `lines` lines of fd (size bytes). */
static off_t tail_offset(int fd, off_t size, long lines)
{
	char buf[65536];
	off_t pos = size;
	long seen = 0;

	while (pos > 0) {
		size_t n = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		ssize_t got;
		pos -= (off_t)n;
		if ((got = pread(fd, buf, n, pos)) != (ssize_t)n)
			return 0;
		while (n > 0) {
			n--;
			/* a newline that ends a line other than the file's last one */
			if (buf[n] == '\n' && pos + (off_t)n + 1 != size && ++seen == lines)
				return pos + (off_t)n + 1;
		}
	}
	return 0;
}

static int local_log_tail(struct ferry_runtime *rt, long lines, struct ferry_buf *out,
			  struct ferry_error *err)
{
	char *p = ferry_runtime_path(rt, LOGFILE), buf[65536];
	struct stat st;
	ssize_t n;
	off_t off;
	int fd, rc = 0;

	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT ? 0 : ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", p);
		free(p);
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", p);
		goto out;
	}
	off = lines > 0 ? tail_offset(fd, st.st_size, lines) : 0;
	while (off < st.st_size && (n = pread(fd, buf, sizeof(buf), off)) > 0) {
		if (ferry_buf_add(out, buf, (size_t)n)) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory reading %s", p);
			break;
		}
		off += n;
	}
out:
	close(fd);
	free(p);
	return rc;
}

static void local_sandbox_host(struct ferry_runtime *rt, struct rt_sb_host *out)
{
	(void)rt;
	rt_sb_local_host(out);
}

static json_t *local_sandbox_observe(struct ferry_runtime *rt, long pid)
{
	(void)rt;
	return rt_sb_local_observe(pid);
}

static int local_probe(struct ferry_runtime *rt, const char *url, long timeout_ms, char why[256])
{
	(void)rt;
	return rt_http_ok(url, timeout_ms, why);
}

/* ---- the database endpoint ---- */

static int local_db_default(struct ferry_runtime *rt, char **conn, struct ferry_error *err)
{
	if (!(*conn = ferry_runtime_path(rt, "db/app.db")))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

static int local_db_open(struct ferry_runtime *rt, const char *conn, struct ferry_envdb **out,
			 struct ferry_error *err)
{
	(void)rt;
	return ferry_envdb_open(conn, out, err);
}

static int local_rp_exists(struct ferry_runtime *rt, const char *name)
{
	struct ferry_envdb *db;
	int yes;

	if (ferry_envdb_open(rt->db_conn, &db, NULL))
		return 0;
	yes = ferry_envdb_rp_exists(db, name);
	ferry_envdb_free(db);
	return yes;
}

static int local_restore_point(struct ferry_runtime *rt, const char *name, struct ferry_error *err)
{
	struct ferry_envdb *db;
	int rc;

	if ((rc = ferry_envdb_open(rt->db_conn, &db, err)))
		return rc;
	if (!(rc = ferry_envdb_rp_create(db, name, err)) && ferry_envdb_copy_method(db))
		rt_log(rt, "restore point %s of the database: %s", name, ferry_envdb_copy_method(db));
	ferry_envdb_free(db);
	return rc;
}

static int local_restore(struct ferry_runtime *rt, const char *name, struct ferry_error *err)
{
	struct ferry_envdb *db;
	int rc;

	if ((rc = ferry_envdb_open(rt->db_conn, &db, err)))
		return rc;
	if (!(rc = ferry_envdb_rp_restore(db, name, err)) && ferry_envdb_copy_method(db))
		rt_log(rt, "database restored from restore point %s: %s", name, ferry_envdb_copy_method(db));
	ferry_envdb_free(db);
	return rc;
}

const struct ferry_runtime_driver rt_driver_local = {
	.name = "local",
	.attach = local_attach,
	.detach = local_detach,
	.locate = local_locate,
	.prepare = local_prepare,
	.remove = local_remove,
	.port_free = local_port_free,
	.lock = local_lock,
	.unlock = local_unlock,
	.release_install = rt_local_release_install,
	.release_overlay = rt_local_release_overlay,
	.release_switch = rt_local_release_switch,
	.release_current = rt_local_release_current,
	.release_list = rt_local_release_list,
	.release_prune = rt_local_release_prune,
	.release_manifest = rt_local_release_manifest,
	.file_read = local_file_read,
	.file_write = local_file_write,
	.note = local_note,
	.log_tail = local_log_tail,
	.reconcile = rt_local_reconcile,
	.start = rt_local_start,
	.await = rt_local_await,
	.stop = rt_local_stop,
	.status = rt_local_status,
	.probe = local_probe,
	.exec = rt_local_exec,
	.sandbox_host = local_sandbox_host,
	.sandbox_observe = local_sandbox_observe,
	.db_default = local_db_default,
	.db_open = local_db_open,
	.rp_exists = local_rp_exists,
	.restore_point = local_restore_point,
	.restore = local_restore,
};
