/* SPDX-License-Identifier: MIT */
/* driver_local_exec.c: the local driver's one-shot commands (package scripts, DVT,
 * data upgrade steps): run to completion in their own process group, output
 * captured, killed at the deadline. */
#include "runtime/driver_local.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read the child's output into out until EOF or the deadline (-1: none). */
static int drain(int fd, struct ferry_buf *out, int64_t deadline)
{
	char buf[4096];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int wait = deadline < 0 ? -1 : (int)(deadline - ferry_mono_ms());
		ssize_t n;
		if (deadline >= 0 && wait <= 0)
			return -1;
		if (poll(&p, 1, wait) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p.revents == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (out)
			ferry_buf_add(out, buf, (size_t)n);
	}
}

static int exit_status(const char *what, int status, int timed_out, int timeout_s,
		       struct ferry_error *err)
{
	if (timed_out)
		return ferry_error_set(err, FERRY_EFAILED, "%s did not finish within %d s (killed)",
				       what, timeout_s);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return ferry_error_set(err, FERRY_EFAILED, "cannot run %s (exit 127)", what);
	if (WIFEXITED(status) && WEXITSTATUS(status))
		return ferry_error_set(err, FERRY_EFAILED, "%s exited with status %d", what,
				       WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return ferry_error_set(err, FERRY_EFAILED, "%s was killed by signal %d", what,
				       WTERMSIG(status));
	return 0;
}

int rt_local_exec(struct ferry_runtime *rt, char *const *argv, const struct rt_sandbox *sb,
		  int timeout_s, struct ferry_buf *out, struct ferry_error *err)
{
	int rc = 0, io[2] = { -1, -1 }, ep[2] = { -1, -1 }, status = 0, timed_out = 0;
	struct rt_sb_local sl;
	pid_t pid;

	if ((rc = rt_sb_local_prepare(rt, sb, argv, &sl, err)))
		return rc;
	if (pipe2(io, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create a pipe");
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot fork");
		goto out;
	}
	if (pid == 0) {
		setpgid(0, 0);
		rt_local_child_exec(&sl, io[1], ep[1]);
	}
	close(io[1]);
	close(ep[1]);
	io[1] = ep[1] = -1;
	if (drain(io[0], out, timeout_s > 0 ? ferry_mono_ms() + (int64_t)timeout_s * 1000 : -1) < 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		timed_out = 1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!(rc = rt_local_child_error(ep[0], argv[0], err)))
		rc = exit_status(argv[0], status, timed_out, timeout_s, err);
out:
	if (io[0] >= 0)
		close(io[0]);
	if (io[1] >= 0)
		close(io[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	rt_sb_local_release(&sl);
	return rc;
}
