/* SPDX-License-Identifier: MIT */
/* envdb_hold.c: a local SQLite database held still while its application serves
 * (ferry/runtime/envdb_hold.h): an open-file-description read lock on SQLite's SHARED
 * range, which a writer's EXCLUSIVE lock (taken at COMMIT) conflicts with, and, when
 * detached, a holder process that keeps the lock through the death of the command that
 * took it, copies the database into a restore point under it, and exits. The token: "hold1 <pid> <start> <dev> <ino> <size> <mtime_ns> <counter>". */
#include "runtime/envdb_int.h"
#include "runtime/envdb_sqlite_int.h"
#include "ferry/runtime/envdb_hold.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* SQLite's lock bytes (os_unix.c): PENDING_BYTE 0x40000000, then RESERVED, then the
 * SHARED range of 510 bytes. A reader read-locks the SHARED range; a writer's
 * EXCLUSIVE write-locks all of it. */
#define SQ_SHARED_FIRST (0x40000000L + 2)
#define SQ_SHARED_SIZE 510
#define HDR_MODE 18        /* 1 rollback journal, 2 WAL */
#define HDR_COUNTER 24     /* file change counter: bumped by every commit (rollback journal) */
#define LOCK_WAIT_MS 10000
/* A confirmed holder copies once told to go (ferry_envdb_hold_go(): the application is
 * up), when its taker is gone (its socket closed), or after this long, whichever is first. */
#define GO_WAIT_MS 60000

struct fstate {
	uint64_t dev, ino, mtime_ns;
	int64_t size;
	uint32_t counter;
};

static const char *path_of(struct ferry_envdb *db)
{
	const char *c = ferry_envdb_conn(db);

	return strncmp(c, "sqlite:", 7) ? c : c + 7;
}

static int local_sqlite(struct ferry_envdb *db, struct ferry_error *err)
{
	void *arg;
	int remote = envdb_remote_of(db, &arg) != NULL;

	if (strcmp(ferry_envdb_driver(db), "sqlite") || remote)
		return ferry_error_set(err, FERRY_EREFUSED, "only a SQLite database on this machine "
				       "can be held (this one: %s%s)", ferry_envdb_driver(db),
				       remote ? ", on another machine" : "");
	return 0;
}

static int state_of(int fd, struct fstate *s)
{
	unsigned char c[4];
	struct stat sb;

	if (fstat(fd, &sb) < 0 || pread(fd, c, 4, HDR_COUNTER) != 4)
		return -1;
	s->dev = (uint64_t)sb.st_dev;
	s->ino = (uint64_t)sb.st_ino;
	s->size = (int64_t)sb.st_size;
	s->mtime_ns = (uint64_t)sb.st_mtim.tv_sec * 1000000000u + (uint64_t)sb.st_mtim.tv_nsec;
	s->counter = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
	return 0;
}

/* The start time of process pid (clock ticks since boot, /proc/<pid>/stat field 22): a
 * pid reused by another process has another one. 0 when it is gone. */
static unsigned long long start_of(long pid)
{
	char p[64], buf[1024], *q;
	unsigned long long start = 0;
	ssize_t n;
	int fd, i;

	snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!(q = strrchr(buf, ')')))
		return 0;
	/* after ") ": field 3 (state) onwards; the start time is field 22 */
	for (i = 3, q += 2; i < 22 && q; i++)
		if ((q = strchr(q, ' ')))
			q++;
	if (q)
		start = strtoull(q, NULL, 10);
	/* a zombie (it exited, nobody reaped it yet) holds no lock */
	return strstr(buf, ") Z ") ? 0 : start;
}

static int lock_shared(int fd)
{
	struct flock fl;
	struct timespec ts = { 0, 5 * 1000000L };
	int waited = 0;

	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = SQ_SHARED_FIRST;
		fl.l_len = SQ_SHARED_SIZE;
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if ((errno != EAGAIN && errno != EACCES) || waited >= LOCK_WAIT_MS)
			return -1;
		nanosleep(&ts, NULL);
		waited += 5;
	}
}

/* Where a detached holder copies the held database: prepared before the fork. */
struct copy_job {
	char src[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
};

/* The holder: fd 0 the confirmation socket, fd 3 the locked file. Once confirmed it waits
 * for the go (or its end, or GO_WAIT_MS): a copy beside the starting application
 * slowed its start 3x on XFS, where each remap locks the filesystem's log for a moment
 * and the start's own file writes and fsyncs queue behind it. Then it copies
 * the file into job->dst under its lock (sqc_copy_held: system calls and snprintf only,
 * no SQLite, no stdio: the caller may be a threaded ferryd, and glibc keeps malloc usable
 * in a forked child), then exits, which ends the hold: writers wait for the copy alone,
 * whether or not the command that took the hold is still alive. A copy that failed
 * leaves no restore point; the baseline step then sees the hold gone without it. */
static void holder_main(int sock, int fd, const struct copy_job *job)
{
	struct ferry_error e;
	char c = 0;

	setsid();
	if (sock != 0 && dup2(sock, 0) < 0)
		_exit(1);
	if (fd != 3 && dup2(fd, 3) < 0)
		_exit(1);
	close(1);
	close(2);
	close_range(4, ~0U, 0);
	while (read(0, &c, 1) < 0 && errno == EINTR)
		;
	if (c != 'k')
		_exit(0);   /* not confirmed: its taker died before recording it */
	{
		struct pollfd pf = { 0, POLLIN, 0 };
		while (poll(&pf, 1, GO_WAIT_MS) < 0 && errno == EINTR)
			;
	}
	close(0);
	_exit(sqc_copy_held(job->src, job->dst, job->dir, &e) ? 1 : 0);
}

/* A holder process (double fork: not a child of the caller); its pid, or -1. */
static long spawn_holder(int fd, const struct copy_job *job, int *confirm)
{
	int p[2], r[2];
	long pid = -1;
	pid_t c;

	/* a socket, not a pipe: a send to a holder gone (MSG_NOSIGNAL) is an error, not a
	 * SIGPIPE that kills the sender */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -1;
	if (pipe2(r, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			close(r[0]);
			close(r[1]);
			close(p[1]);
			holder_main(p[0], fd, job);
		}
		pid = g;
		if (write(r[1], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	close(r[1]);
	if (c > 0) {
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
		if (read(r[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid) || pid <= 0)
			pid = -1;
	}
	close(r[0]);
	if (pid <= 0)
		close(p[1]);
	else
		*confirm = p[1];
	return pid;
}

/* The paths of restore point `name` of db: the file, and its directory (made). */
static int rp_paths(struct ferry_envdb *db, const char *name, char *dst, char *dir,
		    struct ferry_error *err)
{
	char *rp = NULL, *slash;
	int rc;

	if ((rc = ferry_envdb_rp_conn(db, name, &rp, err)))
		return rc;
	snprintf(dst, PATH_MAX, "%s", strncmp(rp, "sqlite:", 7) ? rp : rp + 7);
	free(rp);
	snprintf(dir, PATH_MAX, "%s", dst);
	if (!(slash = strrchr(dir, '/')) || slash == dir)
		return ferry_error_set(err, FERRY_EINVAL, "not a path in a directory: %s", dst);
	*slash = '\0';
	if ((rc = ferry_mkdir_p(dir, 0700, err)))
		return rc;
	sqc_sweep(dir);
	return 0;
}

int ferry_envdb_hold(struct ferry_envdb *db, const char *copy_to, struct ferry_envdb_hold *h,
		     struct ferry_error *err)
{
	const char *path = path_of(db);
	struct copy_job *job = NULL;
	int detach = copy_to != NULL;
	char jr[PATH_MAX];
	unsigned char m[2];
	struct fstate s;
	struct stat sb;
	int rc;

	*h = (struct ferry_envdb_hold)FERRY_ENVDB_HOLD_INIT;
	if ((rc = local_sqlite(db, err)))
		return rc;
	if (detach) {
		if (!(job = calloc(1, sizeof(*job))))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		snprintf(job->src, sizeof(job->src), "%s", path);
		if ((rc = rp_paths(db, copy_to, job->dst, job->dir, err))) {
			free(job);
			return rc;
		}
	}
	if ((h->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", path);
	if (pread(h->fd, m, 2, HDR_MODE) != 2 || m[0] != 1 || m[1] != 1) {
		rc = ferry_error_set(err, FERRY_EREFUSED, "%s is not in rollback-journal mode (its "
				     "writers would not wait for a hold)", path);
		goto fail;
	}
	if (lock_shared(h->fd) < 0) {
		rc = ferry_error_errno(err, FERRY_EREFUSED, errno, "cannot hold %s (a writer kept it "
				       "for %d s)", path, LOCK_WAIT_MS / 1000);
		goto fail;
	}
	/* with the lock held no COMMIT can run; a journal now, before the application
	 * runs, is a writer's that died (later it may be a writer's waiting for the hold,
	 * which has not touched the file) */
	snprintf(jr, sizeof(jr), "%s-journal", path);
	if (detach && stat(jr, &sb) == 0 && sb.st_size > 0) {
		rc = ferry_error_set(err, FERRY_EREFUSED, "%s has a journal beside it (%s): a "
				     "transaction cut short that SQLite rolls back first", path, jr);
		goto fail;
	}
	if (state_of(h->fd, &s) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", path);
		goto fail;
	}
	if (detach && (h->pid = spawn_holder(h->fd, job, &h->confirm)) <= 0) {
		h->pid = 0;
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot start the process that holds %s",
				       path);
		goto fail;
	}
	snprintf(h->token, sizeof(h->token), "hold1 %ld %llu %" PRIu64 " %" PRIu64 " %" PRId64
		 " %" PRIu64 " %" PRIu32, h->pid, h->pid ? start_of(h->pid) : 0ULL, s.dev, s.ino,
		 s.size, s.mtime_ns, s.counter);
	free(job);
	return 0;
fail:
	free(job);
	ferry_envdb_hold_close(h);
	return rc;
}

/* The sockets of confirmed holders waiting for their go, by token: this process's (a
 * daemon runs several operations at once). An entry older than GO_WAIT_MS is one whose
 * holder went on by itself: closed when the next is added. */
#define GO_SLOTS 16
static struct { char token[FERRY_ENVDB_HOLD_MAX]; int fd; int64_t at; } waiting[GO_SLOTS];
static pthread_mutex_t waiting_lock = PTHREAD_MUTEX_INITIALIZER;

static int waiting_take(const char *token)
{
	int i, fd = -1;

	pthread_mutex_lock(&waiting_lock);
	for (i = 0; i < GO_SLOTS; i++)
		if (waiting[i].token[0] && !strcmp(waiting[i].token, token)) {
			fd = waiting[i].fd;
			waiting[i].token[0] = '\0';
			break;
		}
	pthread_mutex_unlock(&waiting_lock);
	return fd;
}

/* 0 when kept (fd is the table's now), -1 when the table is full. */
static int waiting_put(const char *token, int fd)
{
	int64_t now = ferry_mono_ms();
	int i, put = -1;

	pthread_mutex_lock(&waiting_lock);
	for (i = 0; i < GO_SLOTS; i++) {
		if (waiting[i].token[0] && now - waiting[i].at > GO_WAIT_MS) {
			close(waiting[i].fd);
			waiting[i].token[0] = '\0';
		}
		if (!waiting[i].token[0] && put < 0) {
			snprintf(waiting[i].token, sizeof(waiting[i].token), "%s", token);
			waiting[i].fd = fd;
			waiting[i].at = now;
			put = i;
		}
	}
	pthread_mutex_unlock(&waiting_lock);
	return put < 0 ? -1 : 0;
}

void ferry_envdb_hold_confirm(struct ferry_envdb_hold *h)
{
	if (h->confirm < 0)
		return;
	if (send(h->confirm, "k", 1, MSG_NOSIGNAL) != 1) {
		ferry_envdb_hold_end(h->token);
		close(h->confirm);
	} else if (waiting_put(h->token, h->confirm) < 0) {
		close(h->confirm);   /* no room to wait: the holder copies now */
	}
	h->confirm = -1;
}

void ferry_envdb_hold_go(const char *token)
{
	int fd = token && *token ? waiting_take(token) : -1;

	if (fd >= 0) {
		if (send(fd, "g", 1, MSG_NOSIGNAL) != 1) {
			/* the holder is gone: closing below is all there is to do */
		}
		close(fd);
	}
}

void ferry_envdb_hold_close(struct ferry_envdb_hold *h)
{
	if (h->confirm >= 0)
		close(h->confirm);
	if (h->fd >= 0)
		close(h->fd);
	h->confirm = h->fd = -1;
}

struct token {
	long pid;
	unsigned long long start;
	struct fstate s;
};

static int parse(const char *t, struct token *k)
{
	memset(k, 0, sizeof(*k));
	return t && sscanf(t, "hold1 %ld %llu %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNu64
			   " %" SCNu32, &k->pid, &k->start, &k->s.dev, &k->s.ino, &k->s.size,
			   &k->s.mtime_ns, &k->s.counter) == 7 ? 0 : -1;
}

int ferry_envdb_hold_check(struct ferry_envdb *db, const char *token, struct ferry_error *err)
{
	const char *path = path_of(db);
	struct token k;
	struct fstate s;
	int fd, rc;

	if (parse(token, &k) < 0)
		return ferry_error_set(err, FERRY_EINVAL, "not a hold: '%s'", token ? token : "");
	if ((rc = local_sqlite(db, err)))
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ferry_error_errno(err, FERRY_ESTATE, errno, "cannot open %s", path);
	rc = state_of(fd, &s);
	close(fd);
	if (rc < 0)
		return ferry_error_errno(err, FERRY_ESTATE, errno, "cannot read %s", path);
	if (s.dev != k.s.dev || s.ino != k.s.ino)
		return ferry_error_set(err, FERRY_ESTATE, "%s was replaced by another file since it "
				       "was held", path);
	if (s.counter != k.s.counter || s.size != k.s.size || s.mtime_ns != k.s.mtime_ns)
		return ferry_error_set(err, FERRY_ESTATE, "%s was written since it was held (change "
				       "counter %" PRIu32 " -> %" PRIu32 ", %" PRId64 " -> %" PRId64
				       " bytes)", path, k.s.counter, s.counter, k.s.size, s.size);
	return 0;
}

int ferry_envdb_hold_alive(const char *token)
{
	struct token k;

	return parse(token, &k) == 0 && k.pid > 0 && k.start && start_of(k.pid) == k.start;
}

int ferry_envdb_hold_wait(const char *token)
{
	struct timespec ts = { 0, 2000000L };
	struct pollfd pf;
	struct token k;
	int fd;

	ferry_envdb_hold_go(token);   /* a holder this process confirmed waits for it */
	if (parse(token, &k) || k.pid <= 0 || !k.start)
		return 0;
	fd = (int)syscall(SYS_pidfd_open, (pid_t)k.pid, 0);
	/* the pid may have been reused between the parse and the open: the start time says */
	while (start_of(k.pid) == k.start) {
		pf.fd = fd;
		pf.events = POLLIN;
		if (fd < 0 || poll(&pf, 1, 1000) < 0)
			nanosleep(&ts, NULL);
	}
	if (fd >= 0)
		close(fd);
	return 1;
}

void ferry_envdb_hold_end(const char *token)
{
	struct timespec ts = { 0, 1000000L };
	struct token k;
	int i;

	ferry_envdb_hold_go(token);
	if (!ferry_envdb_hold_alive(token) || parse(token, &k))
		return;
	kill((pid_t)k.pid, SIGKILL);
	/* its lock goes with it: wait (2 s at most) so that it is gone on return */
	for (i = 0; i < 2000 && start_of(k.pid) == k.start; i++)
		nanosleep(&ts, NULL);
}

int ferry_envdb_hold_rp_create(struct ferry_envdb *db, const struct ferry_envdb_hold *h,
			       const char *name, struct ferry_error *err)
{
	char dst[PATH_MAX], dir[PATH_MAX];
	int rc;

	if (h->fd < 0)
		return ferry_error_set(err, FERRY_EINTERNAL, "bug: a held copy without a hold");
	if ((rc = local_sqlite(db, err)) || (rc = rp_paths(db, name, dst, dir, err)))
		return rc;
	return sqc_copy_held(path_of(db), dst, dir, err);
}
