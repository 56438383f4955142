/* SPDX-License-Identifier: MIT */
/* sandbox.h: the sandbox of every process an environment runs (its service, package
 * scripts of every phase, DVT, data-upgrade steps, scrubs), docs/SECURITY.md.
 *
 * The policy is data, decided once by the dispatch for every driver
 * (sandbox_policy.c, from the settings, the release's manifest, the runtime record,
 * the uid recorded for the environment, sandbox_uid.c, and what the host offers);
 * its paths are resolved where the process runs (rt_sandbox_place: by the dispatch for
 * the local driver, by the host's agent for a remote one, which gets the decided
 * policy through sandbox_wire.c and checks it against its machine); each driver
 * applies it on its host before exec. The local driver's means are
 * sandbox_local.c (limits, the per-environment user, a mount namespace hiding
 * ferry's home, bubblewrap) and sandbox_landlock.c (the kernel's Landlock LSM).
 * Records layer: these files call nothing of the dispatch. */
#ifndef FERRY_LIB_RUNTIME_SANDBOX_H
#define FERRY_LIB_RUNTIME_SANDBOX_H

#include "runtime/runtime_int.h"

#include "ferry/package/manifest.h"

#include <sys/resource.h>
#include <sys/types.h>

struct ferry_runtime_driver;
struct ferry_settings;

enum rt_sb_mode {
	RT_SB_NONE,          /* unconfined: only when the setting `sandbox` says none */
	RT_SB_LANDLOCK,
	RT_SB_BWRAP
};

/* Access to one path (flags): */
#define RT_SB_READ 1u        /* read files, list directories */
#define RT_SB_WRITE 2u       /* write, create, rename and remove beneath (never execute) */
#define RT_SB_EXEC 4u        /* execute files beneath */
#define RT_SB_FILE 8u        /* a single file, not a directory */
#define RT_SB_DEV 16u        /* a device file: read, write, ioctl */
#define RT_SB_OPTIONAL 32u   /* skipped when the host has no such path (system paths) */

struct rt_sb_path {
	char *path;              /* absolute, symlinks resolved, on the runtime's host */
	unsigned flags;
};

/* A symbolic link the filesystem view recreates (the runtime's `current`). */
struct rt_sb_link {
	char *path, *target;
};

/* What a host offers (the driver's sandbox_host entry). */
struct rt_sb_host {
	int landlock_abi;        /* 0: the kernel has no Landlock (or it is disabled) */
	int bwrap;               /* bubblewrap is installed */
	int root;                /* ferry is root there: uids of their own, mount namespaces */
	uid_t uid;               /* ferry's own ids there */
	gid_t gid;
	int unknown;             /* the host could not be asked (unreachable) */
};

struct rt_sandbox {
	enum rt_sb_mode mode;
	int abi;                 /* Landlock ABI in use (0 unless mode is landlock) */
	int own_user;            /* runs as uid/gid, the environment's own (ferry is root) */
	uid_t uid;
	gid_t gid;
	struct ferry_limits limits;
	int limit_memory;        /* memory_mb enforced (RLIMIT_AS) */
	int net_confined;        /* TCP: bind only `port`, connect only `connect[]` */
	int port;
	int connect[4];
	size_t n_connect;
	char *view;              /* a private filesystem view hides this directory (ferry's
				  * home or the highest private directory above it) but what
				  * `paths` under it name; NULL: no view (Landlock alone) */
	struct rt_sb_path *paths;
	size_t n_paths;
	struct rt_sb_link *links;
	size_t n_links;
	char *cwd;               /* where the process starts (resolved) */
	char **envp;             /* its whole environment */
	const char *why;         /* what was wanted and is not available ("" when nothing) */
	int unplaced;            /* paths, view and cwd not resolved yet: the runtime is on
				  * another host (its agent places it, rt_sandbox_place);
				  * cwd is then the one asked for, as given (NULL: the release) */
};

/* ---- sandbox_policy.c ---- */

/* The sandbox of a process of rt started in cwd (NULL: the release) with v's
 * variables. FERRY_EREFUSED when the settings ask for what the host cannot give (no
 * Landlock nor bubblewrap, a uid of its own without root), naming the setting to
 * change. With RT_SB_PEEK (a read: env show) an environment's uid is not allocated
 * when it has none yet (uid (uid_t)-1). Release with rt_sandbox_release(). */
#define RT_SB_PEEK 1
int rt_sandbox_build(struct ferry_runtime *rt, const struct rt_vars *v, const char *cwd,
		     int flags, struct rt_sandbox *sb, struct ferry_error *err);
void rt_sandbox_release(struct rt_sandbox *sb);
/* Resolve on this machine what a decided policy sb (its mode, user, limits,
 * environment) may touch: its working directory (cwd, NULL: the release), the
 * runtime's paths of v, the system's, the view hiding rt->ctx->home. What
 * rt_sandbox_build does for a driver that is not remote; the host agent does it for
 * the SSH driver. */
int rt_sandbox_place(struct ferry_runtime *rt, const struct rt_vars *v, const char *cwd,
		     struct rt_sandbox *sb, struct ferry_error *err);
/* {mode, landlock_abi, user, uid, gid, no_new_privs, capabilities, limits, network,
 * filesystem} of a policy; caller owns it. */
json_t *rt_sandbox_to_json(const struct rt_sandbox *sb);
/* The connection string an environment's processes get for conn: a PostgreSQL
 * password is replaced by passfile=<secrets>/pgpass and written to *pgpass (the line
 * for that file, "" when conn has no password). Both malloc'd, caller frees. */
int rt_sb_db_conn(const char *conn, const char *secrets_dir, char **pub, char **pgpass);

/* ---- sandbox_wire.c: a policy sent to a host's agent ---- */

/* The decided part of sb (mode, ABI, user, limits, network, environment) as JSON. */
json_t *rt_sandbox_policy_json(const struct rt_sandbox *sb);
/* The policy o into sb (unplaced), checked against what this host offers (h): the
 * confinement it names must be available, a uid of its own needs root and must be no
 * user or group of this host, and vendor code never runs as root. FERRY_EREFUSED
 * naming what is missing; release sb with rt_sandbox_release() either way. */
int rt_sandbox_policy_from_json(const json_t *o, const struct rt_sb_host *h,
				struct rt_sandbox *sb, struct ferry_error *err);
/* What h offers as JSON ({landlock_abi, bwrap, root, uid, gid}), and back. */
json_t *rt_sb_host_json(const struct rt_sb_host *h);
void rt_sb_host_from_json(const json_t *o, struct rt_sb_host *h);
/* {landlock_abi, bwrap, root, sandbox, users, network, memory, refused}: what h offers
 * and what settings s make of it; refused (a string) when s cannot be given there. */
json_t *rt_sb_host_verdict(const struct ferry_settings *s, const struct rt_sb_host *h);

/* ---- sandbox_uid.c ---- */

/* Does this machine know id as a user or a group (passwd, group)? */
int rt_sb_id_known(long id);

/* The uid of environment env_id (its gid is the same number), allocated in
 * [settings.sandbox_uid_lo, hi] on first use: a free one (no user of the host's
 * passwd has it) or one of a removed environment. In its own transaction. */
int rt_sb_uid(struct ferry_runtime *rt, uid_t *out, struct ferry_error *err);
/* The uid recorded for rt's environment: 1 and *out, 0 when it has none yet. */
int rt_sb_uid_peek(struct ferry_runtime *rt, uid_t *out);

/* ---- sandbox_landlock.c ---- */

/* The Landlock ABI the running kernel offers (0: none). */
int rt_landlock_abi(void);
/* A ruleset for sb (paths, TCP ports, scopes); *fd = -1 when sb is not landlock. */
int rt_landlock_ruleset(const struct rt_sandbox *sb, int *fd, struct ferry_error *err);
/* In the child, async-signal-safe: allow path (RT_SB_* flags) in the ruleset fd too
 * (a mount made after the ruleset: the view's own /proc and /tmp). */
int rt_landlock_allow(int fd, const char *path, unsigned flags, int abi);
/* In the child, async-signal-safe: no new privileges, then enforce fd (-1: none). */
int rt_landlock_enforce(int fd, int abi);

/* ---- sandbox_local.c: the local driver's means ---- */

/* Stages of a child's start, for its error report (rt_sb_stage_name). */
enum { RT_SB_ST_LIMITS = 1, RT_SB_ST_NS, RT_SB_ST_VIEW, RT_SB_ST_PROC, RT_SB_ST_USER,
       RT_SB_ST_LANDLOCK, RT_SB_ST_CWD, RT_SB_ST_EXEC };

/* Prepared in ferry before fork, applied in the child. */
struct rt_sb_local {
	const struct rt_sandbox *sb;
	char file[4096];         /* the program execve runs (argv[0] looked up in PATH) */
	int ruleset_fd;          /* Landlock, -1 */
	struct rlimit nofile, nproc, as;
	char **argv;             /* what to exec: the command, or bwrap and its arguments */
	size_t n_binds;
	const struct rt_sb_path **binds;  /* paths under sb->view, bound into the view */
};

/* What this machine offers (rt_driver_local.sandbox_host). */
void rt_sb_local_host(struct rt_sb_host *h);
/* Before fork: own the environment's files (its own user), write its secrets, open
 * the Landlock ruleset, compute the limits, build bwrap's argv. */
int rt_sb_local_prepare(struct ferry_runtime *rt, const struct rt_sandbox *sb,
			char *const *argv, struct rt_sb_local *out, struct ferry_error *err);
void rt_sb_local_release(struct rt_sb_local *l);
/* In the child (async-signal-safe): limits, the view, the user, no new privileges,
 * Landlock, the working directory. 0, or the stage that failed (rt_sb_stage_name)
 * with errno set. */
int rt_sb_local_apply(const struct rt_sb_local *l);
const char *rt_sb_stage_name(int stage);
/* What the running process pid has in force (uid, no_new_privs, limits, Landlock
 * domain), read from /proc; NULL when it is gone. */
json_t *rt_sb_local_observe(long pid);

#endif
