/* SPDX-License-Identifier: MIT */
/* op_fence.c: the processes of a step belong to the attempt that started them.
 *
 * A step's child processes (package scripts, DVT, data upgrade steps, database tools)
 * must not outlive the runner that started them (a resumed attempt would run beside
 * them), must not keep running once another runner holds the operation's lease (a
 * newer fencing token: docs/SCALE.md), and a runner that lost its lease must start no
 * new ones. The runner thread points a thread-local at its fence; a fork handler
 * (pthread_atfork, registered once per process) sees every fork of that thread:
 *  - in the parent, before the fork: when the lease may have lapsed (the process was
 *    paused, or cut off from the store, past the lease's time to live) the heartbeat
 *    is asked to confirm it first (a bounded wait);
 *  - in the child: a child of a fenced runner, or of one whose lease is unconfirmed,
 *    exits at once (status 126) without running anything; else it records itself
 *    (pid and start time, in memory shared with the runner) and asks the kernel to
 *    kill it when the runner dies (PR_SET_PDEATHSIG: a killed ferry leaves no step
 *    process running).
 * When the heartbeat (or a refused write) finds the runner fenced, op_fence_trip()
 * kills each recorded child that is still the runner's own (its process group when
 * it leads one). What the runner detaches on purpose (a service: double fork) is not
 * its child and is left alone. Only async-signal-safe calls run in the child. */
#include "ops/op_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define FENCE_KIDS 64

/* One page shared (MAP_SHARED) by the runner and the children it forks. */
struct op_fence {
	atomic_int fenced;
	atomic_llong valid_until;   /* CLOCK_MONOTONIC ms the lease is confirmed until */
	atomic_uint next;
	pid_t runner;
	struct {
		atomic_int pid;
		atomic_ullong start;    /* field 22 of /proc/PID/stat */
	} kids[FENCE_KIDS];
	/* the runner's side only */
	void (*confirm)(void *arg, int64_t deadline);
	void *confirm_arg;
};

static _Thread_local struct op_fence *tl_fence;
static _Thread_local int tl_forked;       /* this is a child of a runner: deeper forks are its own */
static pthread_once_t fence_once = PTHREAD_ONCE_INIT;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* /proc/PID/stat: parent (field 4), process group (5), start time (22). Only
 * async-signal-safe calls: it runs in the child between fork and exec too. */
static int proc_stat(pid_t pid, pid_t *ppid, pid_t *pgrp, unsigned long long *start)
{
	char path[40] = "/proc/", buf[1024], digits[16], *p;
	unsigned long long v[23] = { 0 };
	int fd, i = 0, field;
	ssize_t n;

	if (pid == 0) {
		memcpy(path + 6, "self/stat", 10);
	} else {
		for (; pid > 0 && i < 15; pid /= 10)
			digits[i++] = (char)('0' + pid % 10);
		for (field = 6; i > 0;)
			path[field++] = digits[--i];
		memcpy(path + field, "/stat", 6);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return -1;
	for (field = 3, p += 2; *p && field <= 22; p++) {
		if (*p == ' ')
			field++;
		else if (*p >= '0' && *p <= '9')
			v[field] = v[field] * 10 + (unsigned long long)(*p - '0');
	}
	if (field <= 22)
		return -1;
	*ppid = (pid_t)v[4];
	*pgrp = (pid_t)v[5];
	*start = v[22];
	return 0;
}

static void fence_prepare(void)
{
	struct op_fence *f = tl_fence;

	if (!f || tl_forked || atomic_load(&f->fenced) || !f->confirm)
		return;
	if (mono_ms() > atomic_load(&f->valid_until))
		f->confirm(f->confirm_arg, mono_ms() + 10000);
}

static void fence_child(void)
{
	static const char refused[] =
		"ferry: not starting a step process: this runner's lease of the operation lapsed or was taken over\n";
	struct op_fence *f = tl_fence;
	unsigned long long start = 0;
	pid_t pp, pg;
	unsigned i;

	if (!f || tl_forked)
		return;
	tl_forked = 1;
	if (atomic_load(&f->fenced) || mono_ms() > atomic_load(&f->valid_until)) {
		if (write(2, refused, sizeof(refused) - 1) < 0)
			_exit(126);
		_exit(126);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != f->runner)
		_exit(126);  /* the runner died before the line above */
	proc_stat(0, &pp, &pg, &start);
	i = atomic_fetch_add(&f->next, 1) % FENCE_KIDS;
	atomic_store(&f->kids[i].start, start);
	atomic_store(&f->kids[i].pid, (int)getpid());
}

static void fence_register(void)
{
	pthread_atfork(fence_prepare, NULL, fence_child);
}

struct op_fence *op_fence_new(void)
{
	struct op_fence *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (f == MAP_FAILED)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->runner = getpid();
	atomic_store(&f->valid_until, LLONG_MAX);
	pthread_once(&fence_once, fence_register);
	return f;
}

void op_fence_free(struct op_fence *f)
{
	if (f)
		munmap(f, sizeof(*f));
}

void op_fence_enter(struct op_fence *f)
{
	tl_fence = f;
}

void op_fence_leave(void)
{
	tl_fence = NULL;
}

void op_fence_confirm_with(struct op_fence *f, void (*fn)(void *arg, int64_t deadline), void *arg)
{
	if (!f)
		return;
	f->confirm = fn;
	f->confirm_arg = arg;
}

void op_fence_lease(struct op_fence *f, int64_t until)
{
	if (f)
		atomic_store(&f->valid_until, until);
}

int64_t op_fence_until(const struct op_fence *f)
{
	return f ? atomic_load(&((struct op_fence *)f)->valid_until) : LLONG_MAX;
}

int op_fence_tripped(const struct op_fence *f)
{
	return f && atomic_load(&((struct op_fence *)f)->fenced);
}

int64_t op_fence_now(void)
{
	return mono_ms();
}

void op_fence_trip(struct op_fence *f)
{
	unsigned long long start;
	pid_t ppid, pgrp;
	int i, pid;

	if (!f)
		return;
	atomic_store(&f->fenced, 1);
	for (i = 0; i < FENCE_KIDS; i++) {
		if ((pid = atomic_load(&f->kids[i].pid)) <= 0)
			continue;
		/* still the runner's own child, not a reused pid */
		if (proc_stat(pid, &ppid, &pgrp, &start) < 0 || ppid != f->runner ||
		    start != atomic_load(&f->kids[i].start))
			continue;
		if (pgrp == pid)
			kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
}
