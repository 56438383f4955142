/* SPDX-License-Identifier: MIT */
/* envdb_sqlite_copy.c: whole-file copies of a SQLite database (restore points,
 * restores, database copies). A read transaction on the source holds its file still;
 * when its WAL holds no frames the file itself is copied: a clone (FICLONE: O(1) on
 * XFS with reflink and btrfs), else copy_file_range (which reflinks where the
 * filesystem can), else read/write. Otherwise the online backup API copies the
 * snapshot into a fresh file (journal off, one step). Either way the copy is built
 * under "<dst>.tmp-<pid>" beside the destination, synced once, the destination's
 * -wal/-shm/-journal removed, exchanged with it (the old file renamed aside and
 * removed in the background: its extents are not freed inside the command), the
 * directory synced: a crash leaves the old destination or the new one, never a mix,
 * and at most a leftover the next sweep removes. Nothing is ever backed up into an
 * existing file. */
#include "runtime/envdb_sqlite_int.h"
#include "runtime/sqlite_sidecar.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/wait.h>
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#define BUSY_MS 10000          /* wait this long for a writer to let go */
#define CHECKPOINT_BUSY_MS 200 /* an application holding readers: copy with the backup API */
#define HDR_MODE 18            /* file format bytes: 1 rollback journal, 2 WAL */

static _Thread_local char last_method[32];

const char *sqc_last_method(void)
{
	return last_method[0] ? last_method : NULL;
}

/* The source held still: a connection with a read transaction open, and whether
 * its file alone is the snapshot (no WAL frames in it). */
struct snap {
	sqlite3 *h;
	int file_ok;
};

static int snap_open(const char *src, struct snap *s, struct ferry_error *err)
{
	sqlite3_stmt *st = NULL;
	char wal[PATH_MAX];
	struct stat sb;
	int rc, wal_mode = 0;

	s->file_ok = 0;
	if (sqlite3_open_v2(src, &s->h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(s->h);
		if (sqlite3_open_v2(src, &s->h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			rc = ferry_error_set(err, FERRY_EIO, "cannot open database %s: %s", src,
					     s->h ? sqlite3_errmsg(s->h) : "out of memory");
			sqlite3_close(s->h);
			s->h = NULL;
			return rc;
		}
	}
	sqlite3_busy_timeout(s->h, BUSY_MS);
	rt_sqlite_first_read(s->h, src);   /* a root ferry beside a serving application */
	/* Empty the WAL when nobody reads from it (a stopped application: always);
	 * a short wait only, the backup API copes with the rest. */
	sqlite3_busy_timeout(s->h, CHECKPOINT_BUSY_MS);
	sqlite3_exec(s->h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_busy_timeout(s->h, BUSY_MS);
	if (sqlite3_exec(s->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->h, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot read database %s: %s", src,
				     sqlite3_errmsg(s->h));
		sqlite3_finalize(st);
		return rc;
	}
	wal_mode = !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	/* the first read starts the snapshot (and takes the lock that keeps the file) */
	if (sqlite3_exec(s->h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
		return ferry_error_set(err, FERRY_EIO, "cannot read database %s: %s", src,
				       sqlite3_errmsg(s->h));
	/* WAL: with no frames in the log when the snapshot began, no checkpoint can write
	 * into the file while it lasts. Rollback journal: the shared lock keeps writers out. */
	snprintf(wal, sizeof(wal), "%s-wal", src);
	s->file_ok = !wal_mode || stat(wal, &sb) < 0 || sb.st_size == 0;
	return 0;
}

static void snap_close(struct snap *s)
{
	if (s->h)
		sqlite3_exec(s->h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(s->h);
	s->h = NULL;
}

/* A clone in pieces (FICLONERANGE), each sized to take about 2-8 ms: XFS locks the
 * source against reads for the whole of a remap, and a file the data upgrade left in
 * thousands of extents takes seconds to remap at 1 GiB (~30 us an extent), so one FICLONE
 * would stall a serving application's reads that long. The caller holds the file still
 * (no write can land between the pieces). 0 when all is cloned; -1 with nothing cloned
 * (no reflink here: the caller copies); -2 cut short. */
static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int clone_pieces(int sfd, int dfd, off_t size)
{
	struct file_clone_range r;
	uint64_t piece = 1 << 20, off = 0;
	int64_t t0, ms;

	while (off < (uint64_t)size) {
		memset(&r, 0, sizeof(r));
		r.src_fd = sfd;
		r.src_offset = r.dest_offset = off;
		/* the last piece runs to the end of the file (length 0): EOF need not align */
		r.src_length = off + piece >= (uint64_t)size ? 0 : piece;
		t0 = mono_us();
		if (ioctl(dfd, FICLONERANGE, &r) < 0)
			return off ? -2 : -1;
		ms = (mono_us() - t0) / 1000;
		off = r.src_length ? off + piece : (uint64_t)size;
		if (ms < 2 && piece < (1ULL << 30))
			piece <<= 1;
		else if (ms > 8 && piece > (64 << 10))
			piece >>= 1;
	}
	return 0;
}

/* Copy the whole of sfd into dfd; the method that worked into last_method. With
 * pieces (a held file whose application serves), a clone is made in pieces. */
static int copy_fd(int sfd, int dfd, off_t size, int pieces, const char *src,
		   struct ferry_error *err)
{
	off_t done = 0;
	char buf[1 << 16];
	ssize_t n = 0;
	int c;

	if (pieces && (c = clone_pieces(sfd, dfd, size)) != -1) {
		if (c < 0)
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot clone %s", src);
		snprintf(last_method, sizeof(last_method), "clone");
		return 0;
	}
	if (!pieces && ioctl(dfd, FICLONE, sfd) == 0) {
		snprintf(last_method, sizeof(last_method), "clone");
		return 0;
	}
	snprintf(last_method, sizeof(last_method), "copy_file_range");
	while (done < size) {
		n = copy_file_range(sfd, NULL, dfd, NULL, (size_t)(size - done), 0);
		if (n <= 0)
			break;
		done += n;
	}
	if (done == size)
		return 0;
	if (done > 0 || (n < 0 && errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP &&
			 errno != EINVAL))
		return ferry_error_errno(err, FERRY_EIO, n < 0 ? errno : EIO, "cannot copy %s", src);
	snprintf(last_method, sizeof(last_method), "read/write");
	while ((n = read(sfd, buf, sizeof(buf))) > 0)
		if (write(dfd, buf, (size_t)n) != n)
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot write a copy of %s", src);
	return n < 0 ? ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", src) : 0;
}

/* The file itself, while the snapshot holds it still. */
static int copy_file(const char *src, const char *tmp, int pieces, struct ferry_error *err)
{
	struct stat sb;
	int sfd, dfd, rc;

	if ((sfd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", src);
	/* closing sfd would drop SQLite's POSIX locks on the file: it stays open until
	 * the caller's connection is closed, so the copy is made within the snapshot */
	if (fstat(sfd, &sb) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot stat %s", src);
		goto out;
	}
	if ((dfd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", tmp);
		goto out;
	}
	rc = copy_fd(sfd, dfd, sb.st_size, pieces, src, err);
	close(dfd);
out:
	return rc ? (close(sfd), rc) : sfd;
}

/* The snapshot through the backup API into a fresh file: no journal, one step. */
static int copy_backup(sqlite3 *s, const char *tmp, struct ferry_error *err)
{
	sqlite3_backup *b = NULL;
	sqlite3 *h = NULL;
	int rc = 0, r;

	snprintf(last_method, sizeof(last_method), "backup");
	if (sqlite3_open_v2(tmp, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_EXCLUSIVE, NULL) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL) != SQLITE_OK ||
	    !(b = sqlite3_backup_init(h, "main", s, "main"))) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot start a backup into %s: %s", tmp,
				     h ? sqlite3_errmsg(h) : "out of memory");
		goto out;
	}
	/* the source's read transaction is open: one step copies that snapshot */
	if ((r = sqlite3_backup_step(b, -1)) != SQLITE_DONE)
		rc = ferry_error_set(err, FERRY_EIO, "online backup into %s failed: %s", tmp,
				     sqlite3_errstr(r));
	if (sqlite3_backup_finish(b) != SQLITE_OK && !rc)
		rc = ferry_error_set(err, FERRY_EIO, "cannot finish the backup into %s: %s", tmp,
				     sqlite3_errmsg(h));
out:
	sqlite3_close(h);
	return rc;
}

/* The journal mode byte pair of a database file (1 rollback, 2 WAL); 0 unknown. */
static int file_mode(const char *path)
{
	unsigned char m[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = pread(fd, m, 2, HDR_MODE) == 2 && m[0] == m[1] && (m[0] == 1 || m[0] == 2);
	close(fd);
	return ok ? m[0] : 0;
}

/* A clone on XFS needs no sync of its own: its blocks are the source's, and the
 * remapping is logged in XFS's single ordered log, which the fsync of the directory
 * after the rename forces up to the rename, so the clone is durable before its new
 * name is (a data write of ours into it would not be: then it is synced). */
static int clone_on_xfs(int fd)
{
	struct statfs sf;

	return !strcmp(last_method, "clone") && fstatfs(fd, &sf) == 0 &&
	       sf.f_type == XFS_SUPER_MAGIC;
}

/* Give tmp the journal mode `mode` and the permissions and owner of the file it
 * replaces (old: NULL for a new one), then sync its data once. */
static int finish_tmp(const char *tmp, int mode, const struct stat *old, struct ferry_error *err)
{
	unsigned char m[2] = { (unsigned char)mode, (unsigned char)mode }, cur[2];
	int fd = open(tmp, O_RDWR | O_CLOEXEC), rc = 0, wrote = 0;

	if (fd < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", tmp);
	if (old && (fchmod(fd, old->st_mode & 07777) < 0 ||
		    ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
		     fchown(fd, old->st_uid, old->st_gid) < 0)))
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot give %s the owner and mode of "
				       "the database it replaces", tmp);
	if (!rc && pread(fd, cur, 2, HDR_MODE) == 2 && (cur[0] == 1 || cur[0] == 2) &&
	    memcmp(cur, m, 2) && (wrote = 1) && pwrite(fd, m, 2, HDR_MODE) != 2)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write %s", tmp);
	if (!rc && (wrote || !clone_on_xfs(fd)) && fdatasync(fd) < 0)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot sync %s", tmp);
	close(fd);
	return rc;
}

/* Remove path in the background: a grandchild unlinks it while this process goes
 * on (freeing a large file's extents takes tens of ms on ext4, and XFS unrefs every
 * shared extent of a clone). Only async-signal-safe calls after fork(): this may be
 * a threaded ferryd. When fork fails, or the remover dies first, the file is left
 * under its ".old-<pid>" name for the next sweep (sqc_sweep). */
static void discard_later(const char *path)
{
	pid_t c = fork();

	if (c == 0) {
		if (fork() == 0) {
			close_range(0, ~0U, 0);  /* hold no pipe of the caller open */
			unlink(path);
		}
		_exit(0);
	}
	if (c < 0)
		unlink(path);
	else
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
}

/* tmp replaces dst: dst's journals go first (a stale -wal would be replayed into
 * the new file), then the two are exchanged atomically (renameat2 RENAME_EXCHANGE;
 * plain rename where the filesystem cannot), the old file renamed aside to
 * ".<dst>.old-<pid>", the directory synced, and the old file removed in the
 * background: a crash leaves dst old or new, and at most a leftover the next sweep
 * removes. */
static int install(const char *tmp, const char *dst, const char *dir, int had,
		   struct ferry_error *err)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char p[PATH_MAX], old[PATH_MAX];
	const char *base = strrchr(dst, '/');
	int rc, aside = 0;
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", dst, sfx[i]);
		if (unlink(p) < 0 && errno != ENOENT)
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot remove %s", p);
	}
	base = base ? base + 1 : dst;
	if (had && snprintf(old, sizeof(old), "%s/." SQC_OLD_FMT, dir, base, (long)getpid()) <
	    (int)sizeof(old) && renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_EXCHANGE) == 0) {
		/* tmp now names the old file */
		aside = rename(tmp, old) == 0;
		if (!aside)
			unlink(tmp);
	} else if (rename(tmp, dst) < 0) {
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot rename %s to %s", tmp, dst);
	}
	rc = ferry_fsync_dir(dir, err);
	if (aside)
		discard_later(old);
	return rc;
}

/* The process id in name after mark ("<...>.tmp-<pid>[-journal|-wal|-shm]", or
 * ".<db>.old-<pid>" when old), or 0 when name is not such a file. */
static long marked_pid(const char *name, int old)
{
	const char *t = old ? (name[0] == '.' ? strstr(name, ".old-") : NULL) : strstr(name, ".tmp-");
	const char *q;
	long pid = 0;

	if (!t)
		return 0;
	for (q = t + 5; *q >= '0' && *q <= '9' && pid < 100000000; q++)
		pid = pid * 10 + (*q - '0');
	if (q == t + 5)
		return 0;
	if (old ? *q != '\0' : (*q && strcmp(q, "-journal") && strcmp(q, "-wal") && strcmp(q, "-shm")))
		return 0;
	return pid;
}

void sqc_sweep(const char *dir)
{
	struct dirent *de;
	char p[PATH_MAX * 2];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid = marked_pid(de->d_name, 1);
		if (!pid)
			pid = marked_pid(de->d_name, 0);
		/* its process may still use it (an old file's remover runs after it) */
		if (!pid || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

/* sqc_copy(), or with held (the caller holds src still: see sqc_copy_held()) the file
 * copied without a connection of SQLite's own. */
static int copy_db(const char *src, const char *dst, const char *dir, int held,
		   struct ferry_error *err)
{
	char tmp[PATH_MAX], jr[PATH_MAX + 16];
	struct snap s = { NULL, 0 };
	int rc, sfd = -1, mode, had;
	struct stat old;

	last_method[0] = '\0';
	/* a new file is a snapshot (rollback journal); a replaced one keeps its mode */
	mode = file_mode(dst);
	if (!mode)
		mode = 1;
	had = stat(dst, &old) == 0 && S_ISREG(old.st_mode);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dst, (long)getpid()) >= (int)sizeof(tmp))
		return ferry_error_set(err, FERRY_EINVAL, "path too long: %s", dst);
	snprintf(jr, sizeof(jr), "%s-journal", tmp);
	unlink(tmp);
	unlink(jr);
	if (held)
		s.file_ok = 1;
	else if ((rc = snap_open(src, &s, err)))
		goto out;
	if (s.file_ok) {
		if ((sfd = copy_file(src, tmp, held, err)) < 0)
			rc = sfd;
		else
			rc = 0;
	} else {
		rc = copy_backup(s.h, tmp, err);
	}
out:
	snap_close(&s);
	if (sfd >= 0)
		close(sfd);
	if (!rc)
		rc = finish_tmp(tmp, mode, had ? &old : NULL, err);
	if (!rc)
		rc = install(tmp, dst, dir, had, err);
	if (rc) {
		unlink(tmp);
		unlink(jr);
	}
	return rc;
}

int sqc_copy(const char *src, const char *dst, const char *dir, struct ferry_error *err)
{
	return copy_db(src, dst, dir, 0, err);
}

int sqc_copy_held(const char *src, const char *dst, const char *dir, struct ferry_error *err)
{
	return copy_db(src, dst, dir, 1, err);
}
