/* SPDX-License-Identifier: MIT */
/* driver_local_proc.c: the local driver's supervised service: spawn (double fork,
 * own session, no shell) where the service's own process records itself in
 * state/app.pid before it runs the application, readiness by HTTP health check
 * (state/app.ready), SIGTERM then SIGKILL, and adoption on resume: every process
 * of a runtime carries FERRY_SERVICE=<runtime dir>, so one that no record names
 * (left by a ferry killed at the wrong instant, or by an older ferry) is found in
 * /proc and stopped before it can keep a port. */
#include "runtime/driver_local.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PIDFILE "state/app.pid"
#define READYFILE "state/app.ready"
#define LOGFILE "logs/app.log"
#define STRAY_GRACE_MS 2000
#define KILL_WAIT_MS 10000
#define ENVIRON_MAX (1 << 20)

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- /proc, async-signal-safe: the service's child reads its own ---- */

static char *put_ull(char *p, unsigned long long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Start time (clock ticks after boot, field 22 of /proc/PID/stat) and state of pid
 * (0: this process). */
static int proc_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64] = "/proc/", buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	if (pid > 0)
		memcpy(put_ull(path + 6, (unsigned long long)pid), "/stat", 6);
	else
		memcpy(path + 6, "self/stat", 10);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) || !p[1] || !p[2])
		return -1;
	p += 2;                          /* field 3: state */
	*state = *p;
	for (field = 3; field < 22 && p; field++)
		if ((p = strchr(p, ' ')))
			p++;
	if (!p || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long long)(*p - '0');
	*start = v;
	return 0;
}

/* Alive and the same process (start ticks match)? */
static int proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long s;
	char state;

	if (pid <= 0 || proc_stat(pid, &s, &state) < 0)
		return 0;
	return s == start && state != 'Z' && state != 'X';
}

/* ---- records: state/app.pid and state/app.ready ---- */

struct rec {
	pid_t pid;
	unsigned long long start;
	char release[FERRY_RELEASE_ID_MAX];  /* "" in a record of an older ferry */
};

static int rec_read(struct ferry_runtime *rt, const char *rel, struct rec *r)
{
	char *p = ferry_runtime_path(rt, rel), fmt[32];
	long long a = 0;
	FILE *f = p ? fopen(p, "re") : NULL;
	int ok;

	free(p);
	memset(r, 0, sizeof(*r));
	if (!f)
		return -1;
	snprintf(fmt, sizeof(fmt), "%%lld %%llu %%%ds", FERRY_RELEASE_ID_MAX - 1);
	ok = fscanf(f, fmt, &a, &r->start, r->release) >= 2 && a > 0;
	fclose(f);
	r->pid = (pid_t)a;
	return ok ? 0 : -1;
}

static void rec_remove(struct ferry_runtime *rt, const char *rel)
{
	char *p = ferry_runtime_path(rt, rel);
	if (p)
		unlink(p);
	free(p);
}

static int ready_write(struct ferry_runtime *rt, const struct rec *r, struct ferry_error *err)
{
	char *p = ferry_runtime_path(rt, READYFILE), line[64];
	int rc;

	snprintf(line, sizeof(line), "%ld %llu\n", (long)r->pid, r->start);
	rc = p ? ferry_write_file_atomic(p, line, strlen(line), 0600, err)
	       : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(p);
	return rc;
}

/* Where the service's own process writes its record, prepared before fork. */
struct rec_paths {
	char path[PATH_MAX], tmp[PATH_MAX];
	const char *release;
};

/* In the service's process, after setsid and before exec (async-signal-safe):
 * "<pid> <start-ticks> <release>" into state/app.pid, atomically. */
static int rec_write_self(const struct rec_paths *w)
{
	char line[64 + FERRY_RELEASE_ID_MAX], *p = line, state;
	unsigned long long start;
	size_t len, rl = strlen(w->release);
	ssize_t n;
	int fd;

	if (proc_stat(0, &start, &state) < 0 || rl >= FERRY_RELEASE_ID_MAX)
		return -1;
	p = put_ull(p, (unsigned long long)getpid());
	*p++ = ' ';
	p = put_ull(p, start);
	*p++ = ' ';
	memcpy(p, w->release, rl);
	p += rl;
	*p++ = '\n';
	len = (size_t)(p - line);
	if ((fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	n = write(fd, line, len);
	if (close(fd) < 0 || n != (ssize_t)len)
		return -1;
	return rename(w->tmp, w->path);
}

/* ---- finding every process of a runtime ---- */

struct procs {
	pid_t pid[256];
	unsigned long long start[256];
	size_t n;
};

/* Does process pid carry "FERRY_SERVICE=<dir>" in its environment? */
static int carries(pid_t pid, const char *marker, size_t mlen, struct ferry_buf *b)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	ferry_buf_reset(b);
	ferry_buf_add(b, "", 1);                /* so the first entry starts after a NUL */
	for (;;) {
		char chunk[16384];
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0 || b->len > ENVIRON_MAX || ferry_buf_add(b, chunk, (size_t)n))
			break;
	}
	close(fd);
	ferry_buf_add(b, "", 1);
	return b->data && memmem(b->data, b->len, marker, mlen) != NULL;
}

/* The live processes of rt but those of the group `keep` leads (0: none kept). */
static int find_procs(struct ferry_runtime *rt, pid_t keep, struct procs *out,
		      struct ferry_error *err)
{
	struct ferry_buf marker = FERRY_BUF_INIT, env = FERRY_BUF_INIT;
	struct dirent *de;
	pid_t self = getpid();
	DIR *d;

	out->n = 0;
	ferry_buf_add(&marker, "", 1);
	ferry_buf_addf(&marker, "FERRY_SERVICE=%s", rt->dir);
	ferry_buf_add(&marker, "", 1);
	if (!marker.data || !(d = opendir("/proc"))) {
		ferry_buf_release(&marker);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot list /proc");
	}
	while ((de = readdir(d)) && out->n < sizeof(out->pid) / sizeof(out->pid[0])) {
		long long v;
		unsigned long long start;
		char state;
		pid_t pid;
		if (ferry_parse_int(de->d_name, 1, INT32_MAX, &v))
			continue;
		pid = (pid_t)v;
		if (pid == self || !carries(pid, marker.data, marker.len, &env))
			continue;
		if (keep > 0 && (pid == keep || getpgid(pid) == keep))
			continue;
		if (proc_stat(pid, &start, &state) < 0 || state == 'Z' || state == 'X')
			continue;
		out->pid[out->n] = pid;
		out->start[out->n++] = start;
	}
	closedir(d);
	ferry_buf_release(&marker);
	ferry_buf_release(&env);
	return 0;
}

/* Send sig to each process still alive; how many were. */
static size_t signal_procs(const struct procs *p, int sig)
{
	size_t i, left = 0;

	for (i = 0; i < p->n; i++)
		if (proc_alive(p->pid[i], p->start[i])) {
			left++;
			if (sig)
				kill(p->pid[i], sig);
		}
	return left;
}

/* Wait up to ms for every process to be gone; 1 when they are. Event-driven: a
 * pidfd per process (opened, then checked to be the same process by its start time)
 * becomes readable when it exits; without pidfds (old kernels) polled every 20 ms. */
static int wait_gone(const struct procs *p, long ms)
{
	int64_t deadline = ferry_mono_ms() + ms, left;
	struct pollfd fds[256];
	size_t i, n = 0;
	int ok = 1;

	for (i = 0; i < p->n; i++) {
		int fd = (int)syscall(SYS_pidfd_open, p->pid[i], 0);
		if (fd < 0 && errno == ESRCH)
			continue;
		if (fd < 0) {
			ok = 0;
			break;
		}
		if (!proc_alive(p->pid[i], p->start[i])) {
			close(fd);
			continue;
		}
		fds[n].fd = fd;
		fds[n++].events = POLLIN;
	}
	while (ok && signal_procs(p, 0) && (left = deadline - ferry_mono_ms()) > 0) {
		/* each fd readable once its process has exited; sweep the ones that did */
		if (poll(fds, n, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			ok = 0;
		for (i = 0; i < n; i++)
			if (fds[i].revents)
				fds[i].events = 0, fds[i].fd = -fds[i].fd - 1;
	}
	for (i = 0; i < n; i++)
		close(fds[i].fd < 0 ? -fds[i].fd - 1 : fds[i].fd);
	while (signal_procs(p, 0)) {
		if (ferry_mono_ms() >= deadline)
			return 0;
		sleep_ms(20);
	}
	return 1;
}

/* SIGTERM each, SIGKILL what is left after grace_ms; 0 when all are gone. */
static int kill_procs(const struct procs *p, long grace_ms)
{
	signal_procs(p, SIGTERM);
	if (wait_gone(p, grace_ms))
		return 0;
	signal_procs(p, SIGKILL);
	return wait_gone(p, KILL_WAIT_MS) ? 0 : -1;
}

/* Stop the processes of rt that are not of the group `keep` leads. */
static int stop_strays(struct ferry_runtime *rt, pid_t keep, struct ferry_error *err)
{
	struct procs p;
	size_t i;
	int rc;

	if ((rc = find_procs(rt, keep, &p, err)) || !p.n)
		return rc;
	for (i = 0; i < p.n; i++)
		rt_log(rt, "stopping process %ld of this environment: no record names it (left "
		       "by an interrupted start, or by its service's group)", (long)p.pid[i]);
	if (kill_procs(&p, STRAY_GRACE_MS))
		return ferry_error_set(err, FERRY_EIO, "a process of environment '%s' survived SIGKILL",
				       rt->env.name);
	return 0;
}

/* ---- spawn ---- */

void rt_local_child_exec(const struct rt_sb_local *l, int outfd, int errpipe)
{
	int msg[2] = { RT_SB_ST_EXEC, 0 }, nul = open("/dev/null", O_RDONLY);
	sigset_t none;

	/* A clean slate: default signals, nothing blocked, no inherited descriptors. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);

	if (nul < 0 || dup2(nul, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		goto fail;
	/* The sandbox, and where it starts (its directory as the sandbox sees it). */
	if ((msg[0] = rt_sb_local_apply(l)))
		goto fail;
	msg[0] = RT_SB_ST_EXEC;
	execve(l->file, l->argv, l->sb->envp);
fail:
	msg[1] = errno;
	if (errpipe >= 0 && write(errpipe, msg, sizeof(msg)) < 0)
		_exit(126);
	_exit(127);
}

int rt_local_child_error(int fd, const char *what, struct ferry_error *err)
{
	int msg[2];
	ssize_t n;

	while ((n = read(fd, msg, sizeof(msg))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(msg))
		return 0;
	if (msg[0] == RT_SB_ST_EXEC)
		return ferry_error_errno(err, FERRY_EFAILED, msg[1], "cannot run %s", what);
	if (msg[0] == RT_SB_ST_CWD)
		return ferry_error_errno(err, FERRY_EFAILED, msg[1], "cannot run %s: its working "
					 "directory", what);
	return ferry_error_errno(err, FERRY_EFAILED, msg[1], "cannot run %s: its sandbox (%s)", what,
				 rt_sb_stage_name(msg[0]));
}

/* Double fork: the service is reparented (no zombie in a long-lived ferryd) and
 * leads its own session (SIGTERM reaches its whole process group). It records
 * itself before exec; until then it holds ferry's runtime lock (the descriptor is
 * inherited and closed by exec), so whoever takes the lock next finds the record
 * even when ferry was killed right after fork. The service waits until the middle
 * process is gone (the gate: a pipe whose last writer is the middle process) so that
 * its parent is final before it runs anything: bubblewrap's --die-with-parent binds it
 * to the parent it has when it starts, and a middle process still exiting then killed
 * it at once (a start that failed under load). */
static void await_reparent(int gate[2])
{
	char c;

	close(gate[1]);
	while (read(gate[0], &c, 1) < 0 && errno == EINTR)
		;
	close(gate[0]);
}

static int spawn(const struct rt_sb_local *sl, int logfd, const struct rec_paths *w, pid_t *out,
		 struct ferry_error *err)
{
	int pidp[2], errp[2], gate[2], e = 0, status, rc;
	pid_t mid, pid = 0;
	ssize_t n;

	if (pipe2(pidp, O_CLOEXEC) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(pidp[0]);
		close(pidp[1]);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a pipe");
	}
	if (pipe2(gate, O_CLOEXEC) < 0) {
		e = errno;
		close(pidp[0]);
		close(pidp[1]);
		close(errp[0]);
		close(errp[1]);
		return ferry_error_errno(err, FERRY_EIO, e, "cannot create a pipe");
	}
	mid = fork();
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			await_reparent(gate);
			setsid();
			if (rec_write_self(w) < 0) {
				int msg[2] = { RT_SB_ST_EXEC, errno };
				if (write(errp[1], msg, sizeof(msg)) < 0)
					_exit(126);
				_exit(127);
			}
			rt_local_child_exec(sl, logfd, errp[1]);
		}
		if (write(pidp[1], &g, sizeof(g)) < 0)
			_exit(1);
		_exit(g < 0 ? 1 : 0);
	}
	close(gate[0]);
	close(gate[1]);
	close(pidp[1]);
	close(errp[1]);
	if (mid < 0) {
		e = errno;
		close(pidp[0]);
		close(errp[0]);
		return ferry_error_errno(err, FERRY_EIO, e, "cannot fork");
	}
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	n = read(pidp[0], &pid, sizeof(pid));
	close(pidp[0]);
	if (n != (ssize_t)sizeof(pid) || pid <= 0) {
		close(errp[0]);
		return ferry_error_set(err, FERRY_EIO, "cannot fork the service process");
	}
	rc = rt_local_child_error(errp[0], sl->argv[0], err);
	close(errp[0]);
	if (rc)
		return rc;
	*out = pid;
	return 0;
}

/* ---- readiness ---- */

/* Wait for 200 from the health URL, the process dying, or the deadline: asked every
 * millisecond in the first 100 ms (a refused connection costs ~0.1 ms; a swap's
 * downtime ends here), every 5 ms to the first second (most services are up within
 * it), then every 50 ms. */
static int wait_ready(struct ferry_runtime *rt, const struct rec *r, const char *url,
		      int timeout_s, long health_ms, struct ferry_error *err)
{
	int64_t t0 = ferry_mono_ms();
	int64_t deadline = t0 + (int64_t)timeout_s * 1000, waited;
	char why[256] = "no answer", log[4096];

	snprintf(log, sizeof(log), "%s/" LOGFILE, rt->dir);
	for (;;) {
		if (!proc_alive(r->pid, r->start))
			return ferry_error_set(err, FERRY_EFAILED,
				"the service of environment '%s' exited while starting (before GET %s "
				"answered): see %s", rt->env.name, url, log);
		if (rt_http_ok(url, health_ms > 0 ? health_ms : 1000, why) == 0)
			return 0;
		if (ferry_mono_ms() >= deadline)
			return ferry_error_set(err, FERRY_EFAILED,
				"environment '%s' did not become ready within %d s: GET %s: %s; "
				"see %s", rt->env.name, timeout_s, url, why, log);
		waited = ferry_mono_ms() - t0;
		sleep_ms(waited < 100 ? 1 : waited < 1000 ? 5 : 50);
	}
}

/* Wait for the recorded service; ready: record it, else stop it keeping the error. */
static int confirm(struct ferry_runtime *rt, const struct rec *r, const struct rt_launch *l,
		   struct ferry_error *err)
{
	int rc = wait_ready(rt, r, l->health_url, l->timeout_s, l->health_timeout_ms, err);

	if (!rc && !(rc = ready_write(rt, r, err))) {
		rt_log(rt, "ready: pid %ld, %s", (long)r->pid, l->health_url);
		return 0;
	}
	{
		int save = err ? err->code : rc;
		char msg[FERRY_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		rt_local_stop(rt, 2, NULL, NULL);
		ferry_error_set(err, save, "%s", msg);
	}
	return rc;
}

int rt_local_start(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err)
{
	struct rt_sb_local sl;
	struct rec_paths w;
	struct rec r;
	char *log = NULL;
	int rc, logfd = -1;
	pid_t pid = 0;

	if (!ferry_port_bindable(rt->port))
		return ferry_error_set(err, FERRY_ESTATE,
			"port %d of environment '%s' is in use by another process: free it, or run "
			"'ferry env start %s --new-port' to move the environment to a free port",
			rt->port, rt->env.name, rt->env.name);
	rec_remove(rt, READYFILE);
	w.release = l->release;
	if (snprintf(w.path, sizeof(w.path), "%s/" PIDFILE, rt->dir) >= (int)sizeof(w.path) ||
	    snprintf(w.tmp, sizeof(w.tmp), "%s/" PIDFILE ".new", rt->dir) >= (int)sizeof(w.tmp))
		return ferry_error_set(err, FERRY_EINVAL, "runtime directory too long: %s", rt->dir);
	if ((rc = rt_sb_local_prepare(rt, l->sb, l->argv, &sl, err)))
		return rc;
	if (!(log = ferry_runtime_path(rt, LOGFILE))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot open log %s", log);
		goto out;
	}
	rt_log(rt, "starting release %s on port %d", l->release, rt->port);
	if ((rc = spawn(&sl, logfd, &w, &pid, err))) {
		rec_remove(rt, PIDFILE);
		goto out;
	}
	if (rec_read(rt, PIDFILE, &r) < 0 || r.pid != pid) {
		rc = ferry_error_set(err, FERRY_EIO, "the service of environment '%s' (pid %ld) did "
				     "not record itself in %s", rt->env.name, (long)pid, w.path);
		kill(-pid, SIGKILL);
		goto out;
	}
	ferry_runtime_probe_warm();   /* while the service starts */
	rc = confirm(rt, &r, l, err);
out:
	if (logfd >= 0)
		close(logfd);
	free(log);
	rt_sb_local_release(&sl);
	return rc;
}

int rt_local_await(struct ferry_runtime *rt, const struct rt_launch *l, struct ferry_error *err)
{
	struct rec r;

	if (rec_read(rt, PIDFILE, &r) < 0 || !proc_alive(r.pid, r.start))
		return ferry_error_set(err, FERRY_ESTATE, "the service of environment '%s' is gone",
				       rt->env.name);
	rt_log(rt, "adopting pid %ld (release %s), whose start was interrupted: waiting until "
	       "it answers", (long)r.pid, r.release[0] ? r.release : "?");
	return confirm(rt, &r, l, err);
}

/* ---- status, adoption, stop ---- */

void rt_local_status(struct ferry_runtime *rt, struct ferry_runtime_status *st)
{
	struct rec r, ready;

	if (rec_read(rt, PIDFILE, &r) < 0)
		return;
	st->pid = (long)r.pid;
	if (!proc_alive(r.pid, r.start)) {
		st->stale = 1;
		return;
	}
	st->running = 1;
	/* A record without a release was written by an older ferry after its start:
	 * taken as ready, as that ferry did. */
	st->ready = !r.release[0] || (rec_read(rt, READYFILE, &ready) == 0 &&
				      ready.pid == r.pid && ready.start == r.start);
}

int rt_local_reconcile(struct ferry_runtime *rt, struct ferry_runtime_status *st,
		       struct ferry_error *err)
{
	char cur[FERRY_RELEASE_ID_MAX];
	struct rec r;

	memset(st, 0, sizeof(*st));
	st->healthy = -1;
	rt_local_status(rt, st);
	rt_local_release_current(rt, cur);
	if (st->running && rec_read(rt, PIDFILE, &r) == 0 && r.release[0] && strcmp(r.release, cur)) {
		int rc;
		rt_log(rt, "pid %ld runs release %s, not the current %s: stopping it", (long)r.pid,
		       r.release, cur[0] ? cur : "(none)");
		if ((rc = rt_local_stop(rt, 0, NULL, err)))
			return rc;
		memset(st, 0, sizeof(*st));
		st->healthy = -1;
		return 0;
	}
	if (!st->running) {
		rec_remove(rt, PIDFILE);
		rec_remove(rt, READYFILE);
		st->stale = 0;
	}
	return stop_strays(rt, st->running ? (pid_t)st->pid : 0, err);
}

int rt_local_stop(struct ferry_runtime *rt, int grace_s, int *killed, struct ferry_error *err)
{
	struct procs p = { .n = 0 };
	struct rec r;
	int rc;

	if (killed)
		*killed = 0;
	if (grace_s <= 0)
		grace_s = FERRY_STOP_GRACE_S;
	if (rec_read(rt, PIDFILE, &r) == 0 && proc_alive(r.pid, r.start)) {
		p.pid[0] = r.pid;
		p.start[0] = r.start;
		p.n = 1;
		/* The whole process group (the service leads its session); the process alone
		 * if it left its group. */
		if (kill(-r.pid, SIGTERM) < 0)
			kill(r.pid, SIGTERM);
		if (!wait_gone(&p, (long)grace_s * 1000)) {
			if (kill(-r.pid, SIGKILL) < 0)
				kill(r.pid, SIGKILL);
			if (killed)
				*killed = 1;
			if (!wait_gone(&p, KILL_WAIT_MS))
				return ferry_error_set(err, FERRY_EIO, "process %ld of environment '%s' "
						       "survived SIGKILL", (long)r.pid, rt->env.name);
			rt_log(rt, "stopped: pid %ld ignored SIGTERM for %d s, killed", (long)r.pid, grace_s);
		} else {
			rt_log(rt, "stopped: pid %ld", (long)r.pid);
		}
	}
	/* What the group left behind, and processes no record named. */
	rc = stop_strays(rt, 0, err);
	rec_remove(rt, READYFILE);
	if (!rc)
		rec_remove(rt, PIDFILE);
	return rc;
}
