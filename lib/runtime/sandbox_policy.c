/* SPDX-License-Identifier: MIT */
/* sandbox_policy.c: the sandbox policy of a process of an environment, the same for
 * every driver: which confinement (Landlock, bubblewrap, none) the settings and the
 * host allow, the user it runs as, the limits of its application's manifest, its
 * network, the paths it may read, write and execute, the private view of the
 * filesystem that hides ferry's home, its environment. docs/SECURITY.md. */
#include "runtime/sandbox.h"

#include "runtime/driver.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define R RT_SB_READ
#define W RT_SB_WRITE
#define X RT_SB_EXEC
#define F RT_SB_FILE
#define D RT_SB_DEV
#define O RT_SB_OPTIONAL

/* What every process may use of the system: programs and libraries, configuration,
 * a few devices, /proc (other processes' sensitive files stay closed: Landlock denies
 * ptrace-like access across domains, the view shows only the environment's own). */
static const struct { const char *path; unsigned flags; } system_paths[] = {
	{ "/usr", R | X | O }, { "/bin", R | X | O }, { "/sbin", R | X | O },
	{ "/lib", R | X | O }, { "/lib32", R | X | O }, { "/lib64", R | X | O },
	{ "/libx32", R | X | O }, { "/opt", R | X | O }, { "/etc", R | O },
	{ "/run/systemd/resolve", R | O }, { "/proc", R },
	{ "/dev/null", R | W | F | D }, { "/dev/zero", R | W | F | D }, { "/dev/full", R | W | F | D },
	{ "/dev/random", R | F | D }, { "/dev/urandom", R | F | D },
};

/* Percent-decode s[0..n) into out[cap]. */
static void decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < cap; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char h[3] = { s[i + 1], s[i + 2], '\0' };
			out[o++] = (char)strtol(h, NULL, 16);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* Where a PostgreSQL server conn names is: host[256] (a socket directory starts with
 * '/', "" the default one) and its TCP port. 0 when conn is not PostgreSQL. */
static int db_endpoint(const char *conn, char host[256], int *port)
{
	const char *auth, *hp, *q;
	long long p = 5432;
	char num[16];
	size_t n;

	host[0] = '\0';
	if (strncmp(conn, "postgresql://", 13) && strncmp(conn, "postgres://", 11))
		return 0;
	auth = strstr(conn, "://") + 3;
	n = strcspn(auth, "/?");
	hp = memchr(auth, '@', n) ? (const char *)memchr(auth, '@', n) + 1 : auth;
	n -= (size_t)(hp - auth);
	if (n && hp[0] != '[') {
		const char *c = memchr(hp, ':', n);
		size_t hl = c ? (size_t)(c - hp) : n;
		decode(hp, hl, host, 256);
		if (c && snprintf(num, sizeof(num), "%.*s", (int)(n - hl - 1), c + 1) < (int)sizeof(num))
			ferry_parse_int(num, 1, 65535, &p);
	}
	for (q = strchr(conn, '?'); q; q = strchr(q, '&')) {
		q++;
		if (!strncmp(q, "host=", 5)) {
			decode(q + 5, strcspn(q + 5, "&"), host, 256);
		} else if (!strncmp(q, "port=", 5)) {
			snprintf(num, sizeof(num), "%.*s", (int)strcspn(q + 5, "&"), q + 5);
			ferry_parse_int(num, 1, 65535, &p);
		}
	}
	*port = (int)p;
	return 1;
}

/* The TCP port of its PostgreSQL server (0: a Unix socket, or not PostgreSQL). */
static int db_tcp_port(const char *conn)
{
	char host[256];
	int port;

	if (!db_endpoint(conn, host, &port) || !host[0] || host[0] == '/')
		return 0;
	return port;
}

/* ---- building a policy ---- */

static int add_path(struct rt_sandbox *sb, const char *path, unsigned flags)
{
	struct rt_sb_path *n;
	size_t i;

	for (i = 0; i < sb->n_paths; i++)
		if (!strcmp(sb->paths[i].path, path)) {
			sb->paths[i].flags |= flags & ~(unsigned)O;
			return 0;
		}
	if (!(n = realloc(sb->paths, (sb->n_paths + 1) * sizeof(*n))))
		return FERRY_ENOMEM;
	sb->paths = n;
	if (!(n[sb->n_paths].path = strdup(path)))
		return FERRY_ENOMEM;
	n[sb->n_paths++].flags = flags;
	return 0;
}

/* path resolved (it must exist unless optional); a symbolic link as the last part is
 * recreated in the view. */
static int add_real(struct rt_sandbox *sb, const char *path, unsigned flags, struct ferry_error *err)
{
	char real[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!realpath(path, real)) {
		if (flags & O)
			return 0;
		return ferry_error_errno(err, FERRY_EIO, errno, "sandbox: cannot resolve %s", path);
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (n = readlink(path, target, sizeof(target) - 1)) > 0) {
		struct rt_sb_link *l = realloc(sb->links, (sb->n_links + 1) * sizeof(*l));
		if (!l)
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		sb->links = l;
		target[n] = '\0';
		l[sb->n_links].path = strdup(path);
		l[sb->n_links].target = strdup(target);
		if (!l[sb->n_links].path || !l[sb->n_links].target) {
			free(l[sb->n_links].path);
			free(l[sb->n_links].target);
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		}
		sb->n_links++;
	}
	if (add_path(sb, real, flags))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

/* The directory the view hides: the highest one on the way to home that others may
 * not search (a private parent would keep the environment's user out of its own
 * files), else home itself. */
static int view_dir(const char *home, char **out, struct ferry_error *err)
{
	char real[PATH_MAX], *p;
	struct stat st;

	if (!realpath(home, real))
		return ferry_error_errno(err, FERRY_EIO, errno, "sandbox: cannot resolve ferry's home %s",
					 home);
	for (p = real + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (stat(real, &st) < 0 || !(st.st_mode & S_IXOTH) || c == '\0')
			break;
		*p = c;
	}
	if (!strcmp(real, "/"))
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: ferry's home %s cannot be hidden", home);
	if (!(*out = strdup(real)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	return 0;
}

/* Confinement, user and network from the settings and what the host offers. */
static int decide(struct ferry_runtime *rt, const struct rt_sb_host *h, int flags,
		  struct rt_sandbox *sb, struct ferry_error *err)
{
	const struct ferry_settings *s = &rt->ctx->settings;
	const char *mode = ferry_settings_choice(s, "sandbox");
	const char *users = ferry_settings_choice(s, "sandbox-users");
	const char *net = ferry_settings_choice(s, "sandbox-network");
	const char *mem = ferry_settings_choice(s, "sandbox-memory");
	int rc;

	if (h->unknown)
		return ferry_error_set(err, FERRY_EIO, "cannot ask host '%s' what confinement it offers "
				       "for environment '%s': it is unreachable ('ferry host check %s')",
				       rt->host, rt->env.name, rt->host);
	if (!strcmp(mode, "none"))
		sb->mode = RT_SB_NONE;
	else if (h->landlock_abi > 0 && strcmp(mode, "bwrap"))
		sb->mode = RT_SB_LANDLOCK;
	else if (h->bwrap && strcmp(mode, "landlock"))
		sb->mode = RT_SB_BWRAP;
	else
		return ferry_error_set(err, FERRY_EREFUSED,
			"refusing to run a process of environment '%s' unconfined: %s (setting "
			"sandbox=%s); use a kernel with Landlock (5.13 or later, lsm=landlock), install "
			"bubblewrap, or set sandbox=none to run its packages unconfined (docs/SECURITY.md)",
			rt->env.name, !strcmp(mode, "bwrap") ? "bubblewrap (bwrap) is not installed"
			: !strcmp(mode, "landlock") ? "the kernel offers no Landlock"
			: "the kernel offers no Landlock and bubblewrap (bwrap) is not installed", mode);
	sb->abi = sb->mode == RT_SB_LANDLOCK ? h->landlock_abi : 0;
	if (!strcmp(users, "yes") && !h->root)
		return ferry_error_set(err, FERRY_EREFUSED, "sandbox-users=yes needs ferry to run as "
				       "root (it gives each environment a uid of its own): run ferryd as "
				       "root or set sandbox-users=auto");
	/* root's processes are not bounded by RLIMIT_NPROC, own every root file and could
	 * regain capabilities: vendor code never runs as root */
	if (!strcmp(users, "no") && h->root && sb->mode != RT_SB_NONE)
		return ferry_error_set(err, FERRY_EREFUSED, "sandbox-users=no while ferry runs as root "
				       "would run environment '%s' as root: set sandbox-users=auto (a uid "
				       "per environment) or run ferry as an unprivileged user",
				       rt->env.name);
	sb->own_user = sb->mode != RT_SB_NONE && h->root;
	sb->uid = h->uid;
	sb->gid = h->gid;
	if (sb->own_user) {
		if (flags & RT_SB_PEEK) {
			if (!rt_sb_uid_peek(rt, &sb->uid))
				sb->uid = (uid_t)-1;
		} else if ((rc = rt_sb_uid(rt, &sb->uid, err))) {
			return rc;
		}
		sb->gid = (gid_t)sb->uid;
	}
	sb->limit_memory = sb->mode != RT_SB_NONE && strcmp(mem, "off");
	sb->port = rt->port;
	sb->net_confined = !strcmp(net, "confined") && sb->mode == RT_SB_LANDLOCK && sb->abi >= 4;
	if (sb->net_confined) {
		int dbp = db_tcp_port(rt->db_conn);
		sb->connect[sb->n_connect++] = rt->port;
		if (dbp && dbp != rt->port)
			sb->connect[sb->n_connect++] = dbp;
	}
	if (sb->mode == RT_SB_NONE)
		sb->why = "setting sandbox=none: nothing confines this environment";
	else if (!strcmp(net, "confined") && !sb->net_confined)
		sb->why = sb->mode == RT_SB_BWRAP ? "network not confined: bubblewrap cannot confine TCP ports"
			: "network not confined: Landlock ABI below 4 has no TCP rules";
	else if (!sb->limit_memory)
		sb->why = "memory not limited (setting sandbox-memory=off)";
	else
		sb->why = "";
	return 0;
}

/* What the process may touch: its runtime's data, scratch and database read-write,
 * its config, secrets, release and working directory read-only, the system. */
static int paths(struct ferry_runtime *rt, const struct rt_vars *v, const char *cwd,
		 struct rt_sandbox *sb, struct ferry_error *err)
{
	char *dbdir = NULL, *cur = ferry_runtime_path(rt, "current");
	size_t i;
	int rc = 0;

	if (!cur)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!(rc = add_real(sb, v->data, R | W, err)) && !(rc = add_real(sb, v->tmp, R | W, err)) &&
	    !(rc = add_real(sb, v->secrets, R, err)) && !(rc = add_real(sb, v->config, R | F | O, err)) &&
	    !(rc = add_real(sb, v->release_dir, R | X | O, err)) && !(rc = add_real(sb, cur, R | X | O, err)))
		rc = cwd ? add_real(sb, cwd, R | X, err) : 0;
	/* PostgreSQL through a Unix socket: its directory (the view's /tmp is its own) */
	if (!rc) {
		char host[256];
		int port;
		if (db_endpoint(rt->db_conn, host, &port) && host[0] == '/')
			rc = add_real(sb, host, R | O, err);
	}
	/* a SQLite database: its directory (journal, WAL) */
	if (!rc && rt->db_conn[0] == '/') {
		char *slash;
		if (!(dbdir = strdup(rt->db_conn)))
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		else if ((slash = strrchr(dbdir, '/')) && slash != dbdir) {
			*slash = '\0';
			rc = add_real(sb, dbdir, R | W, err);
		}
	}
	for (i = 0; !rc && i < sizeof(system_paths) / sizeof(system_paths[0]); i++)
		rc = add_real(sb, system_paths[i].path, system_paths[i].flags | O, err);
	free(cur);
	free(dbdir);
	return rc;
}

int rt_sandbox_place(struct ferry_runtime *rt, const struct rt_vars *v, const char *cwd,
		     struct rt_sandbox *sb, struct ferry_error *err)
{
	char real[PATH_MAX];
	int rc;

	/* the release, else (nothing deployed yet) its own files */
	if (!cwd)
		cwd = ferry_path_exists(v->release_dir) ? v->release_dir : v->data;
	if (!realpath(cwd, real))
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot run a command in %s", cwd);
	free(sb->cwd);
	if (!(sb->cwd = strdup(real)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	sb->unplaced = 0;
	if (sb->mode == RT_SB_NONE)
		return 0;
	if ((rc = paths(rt, v, cwd, sb, err)))
		return rc;
	if ((sb->own_user || sb->mode == RT_SB_BWRAP) && (rc = view_dir(rt->ctx->home, &sb->view, err)))
		return rc;
	return 0;
}

int rt_sandbox_build(struct ferry_runtime *rt, const struct rt_vars *v, const char *cwd,
		     int flags, struct rt_sandbox *sb, struct ferry_error *err)
{
	struct rt_sb_host h;
	json_t *man = NULL, *menv = NULL;
	int rc;

	memset(sb, 0, sizeof(*sb));
	memset(&h, 0, sizeof(h));
	rt->drv->sandbox_host(rt, &h);
	if ((rc = decide(rt, &h, flags, sb, err)))
		goto out;
	/* the application's limits and environment (defaults before any release) */
	rt->drv->release_manifest(rt, NULL, &man, NULL);
	if ((rc = ferry_manifest_sandbox(man, &sb->limits, &menv, err))) {
		ferry_error_prefix(err, "environment '%s': its release's manifest", rt->env.name);
		goto out;
	}
	if (!(sb->envp = rt_envp(v, menv))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	/* its paths are the host's: resolved there (the driver sends the policy) */
	if (rt->drv->remote) {
		sb->unplaced = 1;
		if (cwd && !(sb->cwd = strdup(cwd)))
			rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	} else {
		rc = rt_sandbox_place(rt, v, cwd, sb, err);
	}
out:
	json_decref(man);
	if (rc)
		rt_sandbox_release(sb);
	return rc;
}

void rt_sandbox_release(struct rt_sandbox *sb)
{
	size_t i;

	if (!sb)
		return;
	for (i = 0; i < sb->n_paths; i++)
		free(sb->paths[i].path);
	for (i = 0; i < sb->n_links; i++) {
		free(sb->links[i].path);
		free(sb->links[i].target);
	}
	free(sb->paths);
	free(sb->links);
	free(sb->view);
	free(sb->cwd);
	ferry_runtime_argv_free(sb->envp);
	memset(sb, 0, sizeof(*sb));
}

/* ---- the view in env show ---- */

static const char *mode_name(enum rt_sb_mode m)
{
	return m == RT_SB_LANDLOCK ? "landlock" : m == RT_SB_BWRAP ? "bwrap" : "none";
}

static json_t *fs_json(const struct rt_sandbox *sb)
{
	json_t *w, *r;
	size_t i;

	if (sb->unplaced)
		return json_pack("{s:s}", "resolved", "on the environment's host, by its agent");
	w = json_array();
	r = json_array();

	for (i = 0; i < sb->n_paths; i++)
		json_array_append_new(sb->paths[i].flags & W ? w : r, json_string(sb->paths[i].path));
	return json_pack("{s:o, s:b, s:o, s:o}", "view", sb->view ? json_string(sb->view) : json_null(),
			 "private_tmp", sb->view || sb->mode == RT_SB_BWRAP, "write", w, "read", r);
}

json_t *rt_sandbox_to_json(const struct rt_sandbox *sb)
{
	json_t *net = json_array(), *o;
	size_t i;

	for (i = 0; i < sb->n_connect; i++)
		json_array_append_new(net, json_integer(sb->connect[i]));
	o = json_pack("{s:s, s:o, s:s, s:o, s:o, s:b, s:s, s:{s:I, s:I, s:o}, s:o, s:o, s:s}",
		"mode", mode_name(sb->mode),
		"landlock_abi", sb->abi ? json_integer(sb->abi) : json_null(),
		"user", sb->mode == RT_SB_NONE ? "ferry" : sb->own_user ? "environment" : "ferry",
		"uid", sb->uid == (uid_t)-1 ? json_null() : json_integer((json_int_t)sb->uid),
		"gid", sb->uid == (uid_t)-1 ? json_null() : json_integer((json_int_t)sb->gid),
		"no_new_privs", sb->mode != RT_SB_NONE,
		"capabilities", sb->mode == RT_SB_NONE && sb->uid == 0 ? "all" : "none",
		"limits", "open_files", (json_int_t)sb->limits.open_files,
		"processes", (json_int_t)sb->limits.processes,
		"memory_mb", sb->limit_memory ? json_integer(sb->limits.memory_mb) : json_null(),
		"network", sb->net_confined
			? json_pack("{s:s, s:[i], s:o}", "mode", "confined", "bind", sb->port, "connect", net)
			: (json_decref(net), json_pack("{s:s}", "mode", "host")),
		"filesystem", sb->mode == RT_SB_NONE ? json_null() : fs_json(sb),
		"note", sb->why ? sb->why : "");
	return o;
}
