/* SPDX-License-Identifier: MIT */
/* runtime_route.c: the environment's address when its serving runtime is on another
 * host than its main runtime (a self-service upgrade prepared elsewhere with
 * `upgrade begin --host`): ferry records which runtime the address routes to and
 * runs the route hook (the setting route-hook, argv [hook, env, url, old url], no
 * shell) so a reverse proxy or DNS follows; the same hook brings it back. On one host
 * the address moves by swapping ports instead (runtime_swap.c). */
#include "runtime/driver.h"
#include "runtime/host_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOOK_TIMEOUT_MS 60000

extern char **environ;

/* Run the hook; its output (the last of it) names the failure. */
static int run_hook(const char *hook, char *const argv[], struct ferry_error *err)
{
	posix_spawn_file_actions_t fa;
	int64_t deadline = ferry_mono_ms() + HOOK_TIMEOUT_MS;
	char out[1024] = "";
	size_t len = 0;
	int io[2], status = 0, rc;
	pid_t pid;

	if (pipe2(io, O_CLOEXEC) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, io[1], 1);
	posix_spawn_file_actions_adddup2(&fa, io[1], 2);
	rc = posix_spawn(&pid, hook, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(io[1]);
	if (rc) {
		close(io[0]);
		return ferry_error_errno(err, FERRY_EFAILED, rc, "cannot run the route hook %s", hook);
	}
	for (;;) {
		struct pollfd p = { io[0], POLLIN, 0 };
		int wait = (int)(deadline - ferry_mono_ms());
		char buf[512];
		ssize_t n;
		if (wait <= 0 || poll(&p, 1, wait) == 0) {
			kill(pid, SIGKILL);
			break;
		}
		if ((n = read(io[0], buf, sizeof(buf))) <= 0)
			break;
		if (len + (size_t)n >= sizeof(out))
			len = 0;    /* keep the end */
		memcpy(out + len, buf, (size_t)n);
		len += (size_t)n;
		out[len] = '\0';
	}
	close(io[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return ferry_error_set(err, FERRY_EFAILED, "the route hook %s failed (%s %d): %s", hook,
			       WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			       out[0] ? out : "no output");
}

int ferry_runtime_route(struct ferry_ctx *ctx, const char *env, const char *slot,
			struct ferry_error *err)
{
	struct ferry_runtime *to = NULL;
	const char *hook = ctx->settings.route_hook;
	char cur_slot[32], old[128] = "", url[FERRY_RUNTIME_URL_MAX], *argv[5];
	int main_slot = !slot || !strcmp(slot, FERRY_SLOT_MAIN), routed, rc;

	if ((rc = ferry_runtime_open(ctx, env, main_slot ? NULL : slot, 0, &to, err)))
		return rc;
	routed = host_rec_route_get(ctx, to->env.id, cur_slot, old);
	ferry_runtime_url(to, url);
	if (main_slot && !routed)
		goto out;        /* the address is the main runtime's already */
	if (!routed) {
		struct ferry_runtime *m = NULL;
		if (!ferry_runtime_open(ctx, env, NULL, 0, &m, NULL))
			ferry_runtime_url(m, old);
		ferry_runtime_free(m);
	}
	if (routed && !strcmp(old, url)) {
		/* the route names this address already (a resume, or a commit that made
		 * the routed runtime the main one): only the record may need to change */
		rc = host_rec_route_set(ctx, to->env.id, main_slot ? NULL : slot, url, err);
		goto out;
	}
	if (hook && *hook) {
		argv[0] = (char *)hook;
		argv[1] = (char *)env;
		argv[2] = url;
		argv[3] = old;
		argv[4] = NULL;
		if ((rc = run_hook(hook, argv, err)))
			goto out;
	}
	if (!(rc = host_rec_route_set(ctx, to->env.id, main_slot ? NULL : slot, url, err)))
		rt_log(to, "the address of environment '%s' routes here: %s%s%s", env, url,
		       hook && *hook ? " (route hook " : " (no route-hook set: point clients at it)",
		       hook && *hook ? "run)" : "");
out:
	ferry_runtime_free(to);
	return rc;
}

int ferry_runtime_address(struct ferry_ctx *ctx, const char *env, char out[128])
{
	struct ferry_runtime *m = NULL;
	char slot[32];
	int rc;

	out[0] = '\0';
	if ((rc = ferry_runtime_open(ctx, env, NULL, 0, &m, NULL)))
		return rc;
	if (!host_rec_route_get(ctx, m->env.id, slot, out)) {
		char url[FERRY_RUNTIME_URL_MAX];
		ferry_runtime_url(m, url);
		snprintf(out, 128, "%s", url);
	}
	ferry_runtime_free(m);
	return 0;
}
