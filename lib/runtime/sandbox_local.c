/* SPDX-License-Identifier: MIT */
/* sandbox_local.c: how the local driver applies a sandbox policy (sandbox.h) to a
 * process it starts. Before fork, in ferry: the environment's files given to its own
 * user (never following a link it could have planted), its secrets file, the
 * Landlock ruleset, the limits, bubblewrap's arguments. In the child, with
 * async-signal-safe calls only: the limits; when the environment has a user of its
 * own, a private mount namespace in which a tmpfs hides ferry's home (or the highest
 * private directory above it) but for the environment's own paths bound back at the
 * same places, a /proc showing only its own processes and a /tmp of its own; the
 * user; no new privileges; Landlock. What a running process has in force is read back
 * from /proc for `env show`. */
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/base/settings.h"
#include "ferry/runtime/sandbox.h"
#include "ferry/store/ctx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_BINDS 32
#define CHOWN_DEPTH 16

const char *rt_sb_stage_name(int stage)
{
	static const char *const names[] = { "", "limits", "mount namespace", "filesystem view",
					     "/proc", "user", "Landlock", "working directory", "exec" };
	return stage > 0 && stage <= RT_SB_ST_EXEC ? names[stage] : "exec";
}

static const char *bwrap_path(void)
{
	static const char *const where[] = { "/usr/bin/bwrap", "/usr/local/bin/bwrap", NULL };
	size_t i;

	for (i = 0; where[i]; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* What a root ferry needs to give environments users of their own: their files
 * (chown, and reaching files they own), the mount namespace of the view, the uid, and
 * signals to stop them. A service manager's bounding set (ferryd.service's
 * CapabilityBoundingSet) may have taken some: the names of those missing, space
 * separated, in out ("" when none). */
static void missing_caps(char *out, size_t n)
{
	static const struct { int cap; const char *name; } need[] = {
		{ CAP_CHOWN, "CAP_CHOWN" }, { CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
		{ CAP_FOWNER, "CAP_FOWNER" }, { CAP_KILL, "CAP_KILL" }, { CAP_SETGID, "CAP_SETGID" },
		{ CAP_SETUID, "CAP_SETUID" }, { CAP_SYS_ADMIN, "CAP_SYS_ADMIN" } };
	struct __user_cap_header_struct hd = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	size_t i, len = 0;

	out[0] = '\0';
	if (syscall(SYS_capget, &hd, d) < 0)
		return;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(d[need[i].cap / 32].effective & (1u << (need[i].cap % 32))) && len + 1 < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "", need[i].name);
}

void rt_sb_local_host(struct rt_sb_host *h)
{
	memset(h, 0, sizeof(*h));
	h->landlock_abi = rt_landlock_abi();
	h->bwrap = bwrap_path() != NULL;
	h->root = geteuid() == 0;
	h->uid = geteuid();
	h->gid = getegid();
}

/* ---- before fork: files of the environment's own user ---- */

/* Give at/name to uid: never through a link, never a file with other names (a hard
 * link to a file elsewhere would be given away too), and the inode checked is the one
 * changed (an O_PATH descriptor: the environment may be running and renaming meanwhile).
 * Directories down to depth, mode dmode. */
static int own_at(int at, const char *name, uid_t uid, gid_t gid, mode_t dmode, int depth)
{
	char self[64];
	struct stat st;
	struct dirent *de;
	int fd, dfd, rc = 0;
	DIR *d;

	if ((fd = openat(at, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode) || (!S_ISDIR(st.st_mode) && st.st_nlink > 1))
		goto out;
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode))
		goto out;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if ((st.st_mode & 07777) != dmode && chmod(self, dmode) < 0)
		goto fail;
	if (depth <= 0)
		goto out;
	if ((dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		goto fail;
	}
	while (!rc && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = own_at(dirfd(d), de->d_name, uid, gid, dmode, depth - 1);
	closedir(d);
out:
	close(fd);
	return rc;
fail:
	rc = errno;
	close(fd);
	errno = rc;
	return -1;
}

static int own(const char *path, uid_t uid, gid_t gid, int depth, struct ferry_error *err)
{
	if (own_at(AT_FDCWD, path, uid, gid, 0700, depth) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "sandbox: cannot give %s to uid %ld",
					 path, (long)uid);
	return 0;
}

/* The environment's own files: data/ and tmp/ (what it made is its already),
 * config.json, its secrets, and its SQLite database's directory whole (journal, WAL,
 * restore points) when that is in ferry's home. */
static int own_files(struct ferry_runtime *rt, const struct rt_sandbox *sb, struct ferry_error *err)
{
	static const struct { const char *rel; int depth; } top[] = {
		{ "data", 0 }, { "tmp", 0 }, { "config.json", 0 }, { "secrets", 1 } };
	size_t i, hl = strlen(rt->ctx->home);
	int rc = 0;

	for (i = 0; !rc && i < sizeof(top) / sizeof(top[0]); i++) {
		char *p = ferry_runtime_path(rt, top[i].rel);
		rc = p ? own(p, sb->uid, sb->gid, top[i].depth, err)
		       : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		free(p);
	}
	if (!rc && rt->db_conn[0] == '/' && !strncmp(rt->db_conn, rt->ctx->home, hl) &&
	    rt->db_conn[hl] == '/') {
		char *dir = strdup(rt->db_conn), *slash;
		if (!dir)
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		if ((slash = strrchr(dir, '/')) && slash > dir + hl) {
			*slash = '\0';
			rc = own(dir, sb->uid, sb->gid, CHOWN_DEPTH, err);
		}
		free(dir);
	}
	return rc;
}

/* <secrets>/pgpass when the database has a password, else none. */
static int write_secrets(struct ferry_runtime *rt, struct ferry_error *err)
{
	char *dir = ferry_runtime_path(rt, "secrets"), *file = ferry_runtime_path(rt, "secrets/pgpass");
	char *pub = NULL, *line = NULL;
	int rc = 0;

	if (!dir || !file || rt_sb_db_conn(rt->db_conn, dir, &pub, &line))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	else if (line[0])
		rc = ferry_write_file_atomic(file, line, strlen(line), 0600, err);
	else if (unlink(file) < 0 && errno != ENOENT)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot remove %s", file);
	free(dir);
	free(file);
	free(pub);
	if (line)
		explicit_bzero(line, strlen(line));
	free(line);
	return rc;
}

/* ---- before fork: limits ---- */

/* Tasks (processes and threads) of uid now: sharing ferry's uid, the limit on
 * processes is that many more. */
static long tasks_of(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[sizeof(de->d_name) + 16], buf[2048], *u, *t;
		ssize_t len;
		int fd;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		if ((u = strstr(buf, "\nUid:\t")) && strtol(u + 6, NULL, 10) == (long)uid &&
		    (t = strstr(buf, "\nThreads:\t")))
			n += strtol(t + 10, NULL, 10);
	}
	closedir(d);
	return n;
}

static void limits(const struct rt_sandbox *sb, struct rt_sb_local *l)
{
	rlim_t np = (rlim_t)sb->limits.processes;

	l->nofile.rlim_cur = l->nofile.rlim_max = (rlim_t)sb->limits.open_files;
	if (!sb->own_user)
		np += (rlim_t)tasks_of(sb->uid);
	l->nproc.rlim_cur = l->nproc.rlim_max = np;
	l->as.rlim_cur = l->as.rlim_max = sb->limit_memory ? (rlim_t)sb->limits.memory_mb << 20
							   : RLIM_INFINITY;
}

/* ---- before fork: bubblewrap's arguments ---- */

static int push(struct ferry_buf *argv, size_t *n, const char *s)
{
	char *c = strdup(s);

	if (!c || ferry_buf_add(argv, &c, sizeof(c))) {
		free(c);
		return -1;
	}
	(*n)++;
	return 0;
}

static int bwrap_argv(const struct rt_sandbox *sb, char *const *cmd, char ***out)
{
	struct ferry_buf a = FERRY_BUF_INIT;
	size_t n = 0, i;
	int bad = push(&a, &n, bwrap_path() ? bwrap_path() : "bwrap");
	char **v;

	/* its own pid namespace (whose first process dies with bwrap, which ferry stops), a
	 * /tmp of its own first (the paths bound below may lie under /tmp) */
	bad = bad || push(&a, &n, "--tmpfs") || push(&a, &n, "/tmp") ||
	      push(&a, &n, "--unshare-pid") || push(&a, &n, "--die-with-parent") ||
	      push(&a, &n, "--unshare-ipc") ||
	      push(&a, &n, "--proc") || push(&a, &n, "/proc") || push(&a, &n, "--dev") ||
	      push(&a, &n, "/dev");
	for (i = 0; !bad && i < sb->n_paths; i++) {
		const struct rt_sb_path *p = &sb->paths[i];
		if (!strcmp(p->path, "/proc") || !strncmp(p->path, "/dev/", 5))
			continue;     /* bwrap's own /proc (its pid namespace) and /dev */
		bad = push(&a, &n, p->flags & RT_SB_WRITE ? "--bind"
				 : p->flags & RT_SB_OPTIONAL ? "--ro-bind-try" : "--ro-bind") ||
		      push(&a, &n, p->path) || push(&a, &n, p->path);
	}
	for (i = 0; !bad && i < sb->n_links; i++)
		bad = push(&a, &n, "--symlink") || push(&a, &n, sb->links[i].target) ||
		      push(&a, &n, sb->links[i].path);
	/* its root (a tmpfs holding the mount points) read-only too */
	bad = bad || push(&a, &n, "--remount-ro") || push(&a, &n, "/") ||
	      push(&a, &n, "--chdir") || push(&a, &n, sb->cwd) || push(&a, &n, "--");
	for (i = 0; !bad && cmd[i]; i++)
		bad = push(&a, &n, cmd[i]);
	if (!bad)
		bad = ferry_buf_add(&a, &(char *){ NULL }, sizeof(char *));
	v = (char **)(void *)a.data;
	if (bad) {
		for (i = 0; v && i < n; i++)
			free(v[i]);
		ferry_buf_release(&a);
		return FERRY_ENOMEM;
	}
	*out = v;
	a.data = NULL;
	return 0;
}

/* ---- before fork ---- */

static int by_length(const void *a, const void *b)
{
	size_t x = strlen((*(const struct rt_sb_path *const *)a)->path);
	size_t y = strlen((*(const struct rt_sb_path *const *)b)->path);

	return x < y ? -1 : x > y;
}

static int plan_view(const struct rt_sandbox *sb, struct rt_sb_local *l, struct ferry_error *err)
{
	size_t i, vlen = strlen(sb->view);

	if (!(l->binds = calloc(sb->n_paths + 1, sizeof(*l->binds))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	/* beneath the view's top, or in /tmp (the view's is its own): a database's socket */
	for (i = 0; i < sb->n_paths; i++)
		if ((!strncmp(sb->paths[i].path, sb->view, vlen) &&
		     (sb->paths[i].path[vlen] == '/' || sb->paths[i].path[vlen] == '\0')) ||
		    !strncmp(sb->paths[i].path, "/tmp/", 5))
			l->binds[l->n_binds++] = &sb->paths[i];
	if (l->n_binds > MAX_BINDS)
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: %zu paths to bind (at most %d)",
				       l->n_binds, MAX_BINDS);
	/* parents before what lies beneath them */
	qsort(l->binds, l->n_binds, sizeof(*l->binds), by_length);
	return 0;
}

/* argv0 as execvp would find it, but in the PATH the sandbox gives the process. */
static void lookup(const struct rt_sandbox *sb, const char *argv0, char out[4096])
{
	const char *path = "/usr/local/bin:/usr/bin:/bin", *p;
	size_t i;

	snprintf(out, 4096, "%s", argv0);
	if (strchr(argv0, '/') || !*argv0)
		return;
	for (i = 0; sb->envp && sb->envp[i]; i++)
		if (!strncmp(sb->envp[i], "PATH=", 5))
			path = sb->envp[i] + 5;
	for (p = path; *p; p += *p == ':') {
		size_t n = strcspn(p, ":");
		char cand[4096];
		if (n && snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, p, argv0) < (int)sizeof(cand) &&
		    access(cand, X_OK) == 0) {
			snprintf(out, 4096, "%s", cand);
			return;
		}
		p += n;
	}
}

int rt_sb_local_prepare(struct ferry_runtime *rt, const struct rt_sandbox *sb,
			char *const *argv, struct rt_sb_local *out, struct ferry_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->sb = sb;
	out->ruleset_fd = -1;
	out->argv = (char **)argv;
	lookup(sb, argv[0], out->file);
	if ((rc = write_secrets(rt, err)))
		return rc;
	if (sb->mode == RT_SB_NONE)
		return 0;
	if (sb->own_user) {
		char miss[160];
		missing_caps(miss, sizeof(miss));
		if (miss[0])
			return ferry_error_set(err, FERRY_EREFUSED, "environment '%s' cannot run as a "
				"user of its own: ferry runs as root without %s (a capability bounding "
				"set took them): keep them in ferryd.service's CapabilityBoundingSet "
				"(docs/SECURITY.md)", rt->env.name, miss);
		if ((rc = own_files(rt, sb, err)))
			return rc;
	}
	limits(sb, out);
	/* the view first: as the environment's user, bubblewrap reaches its paths there */
	if (sb->view && (rc = plan_view(sb, out, err)))
		goto fail;
	if (sb->mode == RT_SB_BWRAP) {
		if ((rc = bwrap_argv(sb, argv, &out->argv))) {
			rc = ferry_error_set(err, rc, "out of memory");
			goto fail;
		}
		snprintf(out->file, sizeof(out->file), "%s", out->argv[0]);
		return 0;
	}
	if ((rc = rt_landlock_ruleset(sb, &out->ruleset_fd, err)))
		goto fail;
	return 0;
fail:
	rt_sb_local_release(out);
	return rc;
}

void rt_sb_local_release(struct rt_sb_local *l)
{
	size_t i;

	if (!l)
		return;
	if (l->ruleset_fd >= 0)
		close(l->ruleset_fd);
	if (l->sb && l->sb->mode == RT_SB_BWRAP && l->argv) {
		for (i = 0; l->argv[i]; i++)
			free(l->argv[i]);
		free(l->argv);
	}
	free(l->binds);
	memset(l, 0, sizeof(*l));
	l->ruleset_fd = -1;
}

/* ---- in the child (async-signal-safe from here on) ---- */

/* mkdir every directory of path below the view's top (base: its length): searchable,
 * not listable (the way to its own paths shows nothing else). */
static int mkdirs(char *path, size_t base)
{
	char *p;

	for (p = path + base + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0711) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static int bind_one(const struct rt_sb_path *p, int fd, size_t base)
{
	char target[PATH_MAX], src[32] = "/proc/self/fd/";
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV;
	size_t n = strlen(p->path);
	int i = 14, v = fd, len = 0, f;
	char digits[12];

	if (n >= sizeof(target))
		return -1;
	memcpy(target, p->path, n + 1);
	do {
		digits[len++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (len)
		src[i++] = digits[--len];
	src[i] = '\0';
	if (mkdirs(target, base) < 0)
		return -1;
	if (p->flags & RT_SB_FILE) {
		if ((f = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return -1;
		close(f);
	} else if (mkdir(target, 0711) < 0 && errno != EEXIST) {
		return -1;
	}
	if (mount(src, target, NULL, MS_BIND, NULL) < 0)
		return -1;
	if (!(p->flags & RT_SB_WRITE))
		fl |= MS_RDONLY;
	if (!(p->flags & RT_SB_EXEC))
		fl |= MS_NOEXEC;
	return mount(NULL, target, NULL, fl, NULL);
}

static int link_one(const struct rt_sb_link *k, size_t base)
{
	char path[PATH_MAX];
	size_t n = strlen(k->path);

	if (n >= sizeof(path))
		return -1;
	memcpy(path, k->path, n + 1);
	if (mkdirs(path, base) < 0)
		return -1;
	return symlink(k->target, path) < 0 && errno != EEXIST ? -1 : 0;
}

/* mkdir -p path (in a fresh tmpfs: the view's top when it lay under /tmp). */
static int mkdir_all(const char *path)
{
	char p[PATH_MAX];
	size_t n = strlen(path);

	if (n + 2 >= sizeof(p))
		return -1;
	memcpy(p, path, n);
	p[n] = '/';
	p[n + 1] = '\0';
	return mkdirs(p, 0);
}

/* A private mount namespace: a /tmp of its own (a small tmpfs, for software that
 * ignores TMPDIR), and the view's top an empty tmpfs but for the paths bound back
 * (their descriptors opened inside the namespace first, before anything covers them). */
static int view(const struct rt_sb_local *l)
{
	const struct rt_sandbox *sb = l->sb;
	size_t base = strlen(sb->view), i, vlen = base;
	int fds[MAX_BINDS];

	for (i = 0; i < l->n_binds; i++)
		if ((fds[i] = open(l->binds[i]->path, O_PATH | O_CLOEXEC)) < 0)
			return -1;
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=16m") < 0 ||
	    mkdir_all(sb->view) < 0)
		return -1;
	if (mount("tmpfs", sb->view, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0711,size=64k") < 0)
		return -1;
	for (i = 0; i < l->n_binds; i++) {
		/* made beneath the view's top, or beneath /tmp */
		size_t b = strncmp(l->binds[i]->path, sb->view, vlen) ? 4 : base;
		if (bind_one(l->binds[i], fds[i], b) < 0)
			return -1;
		close(fds[i]);
	}
	for (i = 0; i < sb->n_links; i++)
		if (!strncmp(sb->links[i].path, sb->view, vlen) && sb->links[i].path[vlen] == '/' &&
		    link_one(&sb->links[i], base) < 0)
			return -1;
	return 0;
}

/* A /proc of this mount namespace that shows only the processes of the user's own;
 * the ruleset names the host's /proc and /tmp: let it use these. */
static int own_proc(const struct rt_sb_local *l)
{
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible") < 0 &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") < 0)
		return -1;
	if (l->ruleset_fd < 0)
		return 0;
	if (rt_landlock_allow(l->ruleset_fd, "/proc", RT_SB_READ, l->sb->abi) < 0)
		return -1;
	return rt_landlock_allow(l->ruleset_fd, "/tmp", RT_SB_READ | RT_SB_WRITE, l->sb->abi);
}

int rt_sb_local_apply(const struct rt_sb_local *l)
{
	const struct rt_sandbox *sb = l->sb;
	struct rlimit core = { 0, 0 };

	if (sb->mode == RT_SB_NONE)
		return chdir(sb->cwd) < 0 ? RT_SB_ST_CWD : 0;
	if (setrlimit(RLIMIT_NOFILE, &l->nofile) < 0 || setrlimit(RLIMIT_NPROC, &l->nproc) < 0 ||
	    setrlimit(RLIMIT_AS, &l->as) < 0 || setrlimit(RLIMIT_CORE, &core) < 0)
		return RT_SB_ST_LIMITS;
	if (sb->view) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return RT_SB_ST_NS;
		if (view(l) < 0)
			return RT_SB_ST_VIEW;
		/* bubblewrap mounts its own, for its pid namespace */
		if (sb->mode == RT_SB_LANDLOCK && own_proc(l) < 0)
			return RT_SB_ST_PROC;
	}
	if (sb->own_user && (setgroups(0, NULL) < 0 || setresgid(sb->gid, sb->gid, sb->gid) < 0 ||
			     setresuid(sb->uid, sb->uid, sb->uid) < 0))
		return RT_SB_ST_USER;
	if (rt_landlock_enforce(l->ruleset_fd, sb->abi) < 0)
		return RT_SB_ST_LANDLOCK;
	/* bubblewrap starts where --chdir says, inside its own view */
	if (chdir(sb->mode == RT_SB_BWRAP ? "/" : sb->cwd) < 0)
		return RT_SB_ST_CWD;
	return 0;
}

/* ---- what a running process has ---- */

static long status_field(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* "Max open files  1024  1024  files": the soft limit (-1: unlimited). */
static long long limit_of(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	if (!p)
		return -2;
	p += strlen(name);
	while (*p == ' ')
		p++;
	return !strncmp(p, "unlimited", 9) ? -1 : strtoll(p, NULL, 10);
}

json_t *rt_sb_local_observe(long pid)
{
	char path[64], status[4096] = "", lim[4096] = "", ns[64] = "", self[64] = "", *cap;
	struct ferry_buf b = FERRY_BUF_INIT;
	long long as;
	json_t *o;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (ferry_buf_read_file(&b, path) < 0 || !b.data) {
		ferry_buf_release(&b);
		return NULL;
	}
	snprintf(status, sizeof(status), "%s", b.data);
	ferry_buf_reset(&b);
	snprintf(path, sizeof(path), "/proc/%ld/limits", pid);
	if (ferry_buf_read_file(&b, path) == 0 && b.data)
		snprintf(lim, sizeof(lim), "%s", b.data);
	ferry_buf_release(&b);
	snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
	if (readlink(path, ns, sizeof(ns) - 1) < 0 || readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0)
		ns[0] = self[0] = '\0';
	cap = strstr(status, "\nCapEff:\t");
	as = limit_of(lim, "Max address space");
	o = json_pack("{s:I, s:I, s:b, s:s, s:I, s:I, s:o, s:b}",
		"uid", (json_int_t)status_field(status, "\nUid:\t"),
		"gid", (json_int_t)status_field(status, "\nGid:\t"),
		"no_new_privs", status_field(status, "\nNoNewPrivs:\t") == 1,
		"capabilities", cap && !strncmp(cap + 9, "0000000000000000", 16) ? "none" : "some",
		"open_files", (json_int_t)limit_of(lim, "Max open files"),
		"processes", (json_int_t)limit_of(lim, "Max processes"),
		"memory_mb", as >= 0 ? json_integer(as >> 20) : json_null(),
		"private_view", ns[0] && strcmp(ns, self) != 0);
	return o;
}

json_t *ferry_sandbox_host_json(const struct ferry_settings *s)
{
	struct rt_sb_host h;
	const char *use;
	char miss[160], why[256];
	json_t *v;

	rt_sb_local_host(&h);
	if (!(v = rt_sb_host_verdict(s, &h)))
		return NULL;
	/* root whose capability bounding set took what a user of its own needs */
	use = json_string_value(json_object_get(v, "sandbox"));
	if (h.root && use && strcmp(use, "none") && strcmp(ferry_settings_choice(s, "sandbox-users"), "no")) {
		missing_caps(miss, sizeof(miss));
		if (miss[0] && snprintf(why, sizeof(why), "ferry runs as root without %s: environments "
					"cannot get users of their own", miss) > 0)
			json_object_set_new(v, "refused", json_string(why));
	}
	return v;
}
