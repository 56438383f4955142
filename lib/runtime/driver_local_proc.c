/* runtime_proc.c: the supervised application process: argv expansion, spawn
 * (double fork, own session, no shell), pid file with start time, readiness by
 * HTTP health check, SIGTERM then SIGKILL, and one-shot commands for steps. */
#include "runtime/runtime_int.h"

#include "ferry/base/buf.h"
#include "ferry/runtime/envdb.h"
#include "ferry/store/store.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define PIDFILE "state/app.pid"
#define LOGFILE "logs/app.log"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- /proc ---- */

/* Start time (clock ticks after boot, field 22 of /proc/PID/stat) and state. */
static int proc_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return -1;
	p += 2;                          /* field 3: state */
	*state = *p;
	for (field = 3; field < 22 && p; field++)
		if ((p = strchr(p, ' ')))
			p++;
	if (!p || sscanf(p, "%llu", &v) != 1)
		return -1;
	*start = v;
	return 0;
}

int rt_proc_start_ticks(pid_t pid, unsigned long long *out)
{
	char state;
	return proc_stat(pid, out, &state);
}

int rt_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long s;
	char state;

	if (pid <= 0 || proc_stat(pid, &s, &state) < 0)
		return 0;
	return s == start && state != 'Z' && state != 'X';
}

static int pidfile_read(struct ferry_runtime *rt, pid_t *pid, unsigned long long *start)
{
	char *p = ferry_runtime_path(rt, PIDFILE);
	long long a = 0;
	unsigned long long b = 0;
	FILE *f = p ? fopen(p, "re") : NULL;
	int ok;

	free(p);
	if (!f)
		return -1;
	ok = fscanf(f, "%lld %llu", &a, &b) == 2 && a > 0;
	fclose(f);
	*pid = (pid_t)a;
	*start = b;
	return ok ? 0 : -1;
}

static void pidfile_remove(struct ferry_runtime *rt)
{
	char *p = ferry_runtime_path(rt, PIDFILE);
	if (p)
		unlink(p);
	free(p);
}

/* ---- health ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

/* GET url; 0 when it answered 200, else a description in why[256]. */
static int http_ok(const char *url, long timeout_ms, char why[256])
{
	long code = 0;
	CURLcode c;
	CURL *h;

	pthread_once(&curl_once, curl_init);
	if (!(h = curl_easy_init())) {
		snprintf(why, 256, "cannot initialise libcurl");
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	c = curl_easy_perform(h);
	if (c == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (c != CURLE_OK)
		snprintf(why, 256, "%s", curl_easy_strerror(c));
	else if (code != 200)
		snprintf(why, 256, "HTTP status %ld", code);
	return c == CURLE_OK && code == 200 ? 0 : -1;
}

static void health_url(struct ferry_runtime *rt, const json_t *man, char out[512])
{
	const char *h = json_string_value(json_object_get(json_object_get(man, "service"), "health"));
	char url[64];

	ferry_runtime_url(rt, url);
	snprintf(out, 512, "%s%s%s", url, h && *h == '/' ? "" : "/", h && *h ? h : "health");
}

/* ---- argv and environment ---- */

struct vars {
	char config[4096], db[4096], port[16], env[64], release_dir[4096];
};

static void vars_fill(struct ferry_runtime *rt, struct vars *v)
{
	char rel[FERRY_RELEASE_ID_MAX];

	snprintf(v->config, sizeof(v->config), "%s/config.json", rt->dir);
	snprintf(v->db, sizeof(v->db), "%s", rt->db_conn);
	snprintf(v->port, sizeof(v->port), "%d", rt->port);
	snprintf(v->env, sizeof(v->env), "%s", rt->env.name);
	if (ferry_runtime_release_current(rt, rel) == 0)
		snprintf(v->release_dir, sizeof(v->release_dir), "%s/releases/%s", rt->dir, rel);
	else
		snprintf(v->release_dir, sizeof(v->release_dir), "%s/current", rt->dir);
}

static char *expand(const char *s, const struct vars *v)
{
	static const char *const names[] = { "${CONFIG}", "${DB}", "${PORT}", "${ENV}", "${RELEASE_DIR}" };
	const char *vals[] = { v->config, v->db, v->port, v->env, v->release_dir };
	struct ferry_buf b = FERRY_BUF_INIT;
	size_t i;

	while (*s) {
		for (i = 0; i < 5; i++)
			if (!strncmp(s, names[i], strlen(names[i])))
				break;
		if (i < 5) {
			ferry_buf_adds(&b, vals[i]);
			s += strlen(names[i]);
		} else {
			ferry_buf_add(&b, s++, 1);
		}
	}
	if (!b.data)
		ferry_buf_adds(&b, "");
	return ferry_buf_detach(&b);
}

void ferry_runtime_argv_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

int ferry_runtime_argv(struct ferry_runtime *rt, const json_t *argv, char ***out,
		       struct ferry_error *err)
{
	struct vars v;
	size_t i, n = json_array_size(argv);
	char **a;

	*out = NULL;
	if (!json_is_array(argv) || n == 0)
		return ferry_error_set(err, FERRY_EINVAL, "a command must be a non-empty JSON array of strings");
	if (!(a = calloc(n + 1, sizeof(*a))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	vars_fill(rt, &v);
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(argv, i));
		if (!s) {
			ferry_runtime_argv_free(a);
			return ferry_error_set(err, FERRY_EINVAL, "command argument %zu is not a string", i);
		}
		if (!(a[i] = expand(s, &v))) {
			ferry_runtime_argv_free(a);
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		}
	}
	/* "bin/x" is relative to the release; a bare name is looked up in PATH. */
	if (a[0][0] != '/' && strchr(a[0], '/')) {
		char *abs = ferry_path_join(v.release_dir, a[0]);
		free(a[0]);
		a[0] = abs;
	}
	*out = a;
	return a[0] ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
}

/* environ plus the FERRY_* variables; built before fork (no malloc after it). */
static char **make_envp(const struct vars *v)
{
	static const char *const keys[] = { "FERRY_CONFIG=", "FERRY_DB=", "FERRY_PORT=",
					    "FERRY_ENV=", "FERRY_RELEASE_DIR=" };
	const char *vals[] = { v->config, v->db, v->port, v->env, v->release_dir };
	size_t n = 0, i, o = 0;
	char **e;

	while (environ[n])
		n++;
	if (!(e = calloc(n + 6, sizeof(*e))))
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "FERRY_", 6))
			e[o++] = strdup(environ[i]);
	for (i = 0; i < 5; i++) {
		struct ferry_buf b = FERRY_BUF_INIT;
		ferry_buf_addf(&b, "%s%s", keys[i], vals[i]);
		e[o++] = ferry_buf_detach(&b);
	}
	for (i = 0; i < o; i++)
		if (!e[i]) {
			ferry_runtime_argv_free(e);
			return NULL;
		}
	return e;
}

/* In a child: stdin from /dev/null, stdout and stderr to fd, cwd, exec. */
static void child_exec(char **argv, char **envp, const char *cwd, int outfd, int errpipe)
{
	int e, nul = open("/dev/null", O_RDONLY);
	sigset_t none;

	/* A clean slate: default signals, nothing blocked, no inherited descriptors. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);

	if (nul < 0 || dup2(nul, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0 ||
	    chdir(cwd) < 0)
		goto fail;
	execvpe(argv[0], argv, envp);
fail:
	e = errno;
	if (errpipe >= 0 && write(errpipe, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* ---- start ---- */

/* Double fork: the service is reparented (no zombie in a long-lived ferryd) and
 * leads its own session (SIGTERM reaches its whole process group). */
static int spawn(char **argv, char **envp, const char *cwd, int logfd, pid_t *out,
		 struct ferry_error *err)
{
	int pidp[2], errp[2], e = 0, status;
	pid_t mid, pid = 0;
	ssize_t n;

	if (pipe2(pidp, O_CLOEXEC) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(pidp[0]);
		close(pidp[1]);
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create a pipe");
	}
	mid = fork();
	if (mid == 0) {
		pid_t g = fork();
		if (g == 0) {
			setsid();
			child_exec(argv, envp, cwd, logfd, errp[1]);
		}
		if (write(pidp[1], &g, sizeof(g)) < 0)
			_exit(1);
		_exit(g < 0 ? 1 : 0);
	}
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
	while ((n = read(errp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errp[0]);
	if (n == (ssize_t)sizeof(e))
		return ferry_error_errno(err, FERRY_EFAILED, e, "cannot run %s", argv[0]);
	*out = pid;
	return 0;
}

static int pidfile_write(struct ferry_runtime *rt, pid_t pid, struct ferry_error *err)
{
	unsigned long long start = 0;
	char *p = ferry_runtime_path(rt, PIDFILE), line[64];
	int rc;

	rt_proc_start_ticks(pid, &start);
	snprintf(line, sizeof(line), "%ld %llu\n", (long)pid, start);
	rc = p ? ferry_write_file_atomic(p, line, strlen(line), 0600, err)
	       : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(p);
	return rc;
}

/* Wait for 200 from the health URL, the process dying, or the deadline. */
static int wait_ready(struct ferry_runtime *rt, pid_t pid, const char *url, int timeout_s,
		      struct ferry_error *err)
{
	int64_t deadline = ferry_mono_ms() + (int64_t)timeout_s * 1000;
	unsigned long long start = 0;
	char why[256] = "no answer", log[4096];

	rt_proc_start_ticks(pid, &start);
	snprintf(log, sizeof(log), "%s/" LOGFILE, rt->dir);
	for (;;) {
		if (!rt_proc_alive(pid, start))
			return ferry_error_set(err, FERRY_EFAILED,
				"the service of environment '%s' exited while starting (before GET %s "
				"answered): see %s", rt->env.name, url, log);
		if (http_ok(url, 1000, why) == 0)
			return 0;
		if (ferry_mono_ms() >= deadline)
			return ferry_error_set(err, FERRY_EFAILED,
				"environment '%s' did not become ready within %d s: GET %s: %s; "
				"see %s", rt->env.name, timeout_s, url, why, log);
		sleep_ms(100);
	}
}

int rt_start_locked(struct ferry_runtime *rt, int timeout_s, int *already,
			struct ferry_error *err)
{
	struct ferry_runtime_status st;
	char **argv = NULL, **envp = NULL, url[512], rel[FERRY_RELEASE_ID_MAX];
	struct vars v;
	json_t *man = NULL;
	pid_t pid = 0;
	int rc, logfd = -1;
	char *log = NULL;

	ferry_runtime_status(rt, 0, &st);
	if (st.running) {
		if (already)
			*already = 1;
		return 0;
	}
	if (st.stale)
		pidfile_remove(rt);
	if ((rc = ferry_runtime_release_current(rt, rel)))
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"nothing deployed on environment '%s' (%s): run 'ferry env deploy %s' first",
			rt->env.name, rt->slot, rt->env.name);
	if ((rc = ferry_runtime_release_manifest(rt, rel, &man, err)))
		return rc;
	if (!rt_port_bindable(rt->port)) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"port %d of environment '%s' is in use by another process: free it, or run "
			"'ferry env start %s --new-port' to move the environment to a free port",
			rt->port, rt->env.name, rt->env.name);
		goto out;
	}
	if ((rc = ferry_runtime_config_write(rt, err)) ||
	    (rc = ferry_runtime_argv(rt, json_object_get(json_object_get(man, "service"), "exec"),
				     &argv, err))) {
		ferry_error_prefix(err, "release '%s': service.exec", rel);
		goto out;
	}
	if (timeout_s <= 0)
		timeout_s = (int)json_integer_value(json_object_get(json_object_get(man, "service"),
								    "ready_timeout_s"));
	if (timeout_s <= 0)
		timeout_s = FERRY_READY_TIMEOUT_S;
	vars_fill(rt, &v);
	log = ferry_runtime_path(rt, LOGFILE);
	if (!(envp = make_envp(&v)) || !log) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	if ((logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot open log %s", log);
		goto out;
	}
	rt_log(rt, "starting release %s on port %d", rel, rt->port);
	if ((rc = spawn(argv, envp, v.release_dir, logfd, &pid, err)) ||
	    (rc = pidfile_write(rt, pid, err)))
		goto out;
	health_url(rt, man, url);
	if ((rc = wait_ready(rt, pid, url, timeout_s, err))) {
		int save = err ? err->code : rc;
		char msg[FERRY_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		rt_stop_locked(rt, 2, NULL, NULL);
		ferry_error_set(err, save, "%s", msg);
		goto out;
	}
	rt_log(rt, "ready: pid %ld, %s", (long)pid, url);
out:
	if (logfd >= 0)
		close(logfd);
	free(log);
	json_decref(man);
	ferry_runtime_argv_free(argv);
	ferry_runtime_argv_free(envp);
	return rc;
}

int ferry_runtime_start(struct ferry_runtime *rt, int timeout_s, int *already,
			struct ferry_error *err)
{
	int rc, lock;

	if (already)
		*already = 0;
	if ((rc = rt_lock(rt, &lock, err)))
		return rc;
	rc = rt_start_locked(rt, timeout_s, already, err);
	rt_unlock(lock);
	return rc;
}

/* ---- status and stop ---- */

int ferry_runtime_status(struct ferry_runtime *rt, int probe, struct ferry_runtime_status *st)
{
	unsigned long long start;
	pid_t pid;

	memset(st, 0, sizeof(*st));
	st->healthy = -1;
	ferry_runtime_release_current(rt, st->release);
	if (pidfile_read(rt, &pid, &start) < 0)
		return 0;
	st->pid = (long)pid;
	if (!rt_proc_alive(pid, start)) {
		st->stale = 1;
		return 0;
	}
	st->running = 1;
	if (probe) {
		json_t *man = NULL;
		char url[512], why[256];
		ferry_runtime_release_manifest(rt, NULL, &man, NULL);
		health_url(rt, man, url);
		st->healthy = http_ok(url, 1000, why) == 0;
		json_decref(man);
	}
	return 0;
}

/* Wait up to ms for the process to be gone; 1 when it is. */
static int wait_gone(pid_t pid, unsigned long long start, long ms)
{
	int64_t deadline = ferry_mono_ms() + ms;

	while (rt_proc_alive(pid, start)) {
		if (ferry_mono_ms() >= deadline)
			return 0;
		sleep_ms(20);
	}
	return 1;
}

int rt_stop_locked(struct ferry_runtime *rt, int grace_s, int *killed,
		       struct ferry_error *err)
{
	unsigned long long start;
	pid_t pid;

	if (killed)
		*killed = 0;
	if (grace_s <= 0)
		grace_s = FERRY_STOP_GRACE_S;
	if (pidfile_read(rt, &pid, &start) < 0 || !rt_proc_alive(pid, start)) {
		pidfile_remove(rt);
		return 0;
	}
	/* The whole process group (the service leads its session); fall back to the
	 * process alone if it left its group. */
	if (kill(-pid, SIGTERM) < 0)
		kill(pid, SIGTERM);
	if (!wait_gone(pid, start, (long)grace_s * 1000)) {
		if (kill(-pid, SIGKILL) < 0)
			kill(pid, SIGKILL);
		if (killed)
			*killed = 1;
		if (!wait_gone(pid, start, 10000))
			return ferry_error_set(err, FERRY_EIO,
				"process %ld of environment '%s' survived SIGKILL", (long)pid, rt->env.name);
		rt_log(rt, "stopped: pid %ld ignored SIGTERM for %d s, killed", (long)pid, grace_s);
	} else {
		rt_log(rt, "stopped: pid %ld", (long)pid);
	}
	pidfile_remove(rt);
	return 0;
}

json_t *ferry_runtime_to_json(struct ferry_runtime *rt, const struct ferry_runtime_status *st)
{
	struct ferry_envdb *db = NULL;
	char *shown = ferry_store_redact(rt->db_conn);  /* never a password */
	char url[64];
	json_t *o;

	ferry_runtime_url(rt, url);
	ferry_envdb_open(rt->db_conn, &db, NULL);
	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "slot", rt->slot, "dir", rt->dir,
		"port", rt->port, "url", url, "database", shown ? shown : "",
		"db_driver", db ? ferry_envdb_driver(db) : "unknown",
		"state", st->running ? "running" : "stopped");
	free(shown);
	ferry_envdb_free(db);
	json_object_set_new(o, "release", st->release[0] ? json_string(st->release) : json_null());
	json_object_set_new(o, "pid", st->running ? json_integer(st->pid) : json_null());
	json_object_set_new(o, "healthy", st->healthy < 0 ? json_null() : json_boolean(st->healthy));
	if (st->stale)
		json_object_set_new(o, "stale_pid", json_integer(st->pid));
	return o;
}

/* ---- one-shot commands ---- */

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

int ferry_runtime_exec(struct ferry_runtime *rt, const json_t *argv, int timeout_s,
		       struct ferry_buf *out, struct ferry_error *err)
{
	return ferry_runtime_exec_in(rt, argv, NULL, timeout_s, out, err);
}

/* (upgrade addition) ferry_runtime_exec with another working directory. */
int ferry_runtime_exec_in(struct ferry_runtime *rt, const json_t *argv, const char *cwd,
			  int timeout_s, struct ferry_buf *out, struct ferry_error *err)
{
	char **a = NULL, **envp = NULL;
	int rc, io[2] = { -1, -1 }, ep[2] = { -1, -1 }, status = 0, timed_out = 0, e = 0;
	struct vars v;
	pid_t pid;

	if ((rc = ferry_runtime_argv(rt, argv, &a, err)))
		return rc;
	vars_fill(rt, &v);
	if (cwd && json_string_value(json_array_get(argv, 0))[0] != '/' &&
	    strchr(json_string_value(json_array_get(argv, 0)), '/')) {
		char *abs = ferry_path_join(cwd, json_string_value(json_array_get(argv, 0)));
		if (!abs) {
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
			goto out;
		}
		free(a[0]);
		a[0] = abs;
	}
	if (!(envp = make_envp(&v))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
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
		child_exec(a, envp, cwd ? cwd : ferry_path_exists(v.release_dir) ? v.release_dir : rt->dir,
			   io[1], ep[1]);
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
	if (read(ep[0], &e, sizeof(e)) == (ssize_t)sizeof(e))
		rc = ferry_error_errno(err, FERRY_EFAILED, e, "cannot run %s", a[0]);
	else if (timed_out)
		rc = ferry_error_set(err, FERRY_EFAILED, "%s did not finish within %d s (killed)",
				     a[0], timeout_s);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		rc = ferry_error_set(err, FERRY_EFAILED, "cannot run %s (exit 127)", a[0]);
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		rc = ferry_error_set(err, FERRY_EFAILED, "%s exited with status %d", a[0],
				     WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		rc = ferry_error_set(err, FERRY_EFAILED, "%s was killed by signal %d", a[0],
				     WTERMSIG(status));
out:
	if (io[0] >= 0)
		close(io[0]);
	if (io[1] >= 0)
		close(io[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	ferry_runtime_argv_free(a);
	ferry_runtime_argv_free(envp);
	return rc;
}

int ferry_runtime_stop(struct ferry_runtime *rt, int grace_s, int *killed,
		       struct ferry_error *err)
{
	int rc, lock;

	if (killed)
		*killed = 0;
	if ((rc = rt_lock(rt, &lock, err)))
		return rc;
	rc = rt_stop_locked(rt, grace_s, killed, err);
	rt_unlock(lock);
	return rc;
}
