/* SPDX-License-Identifier: MIT */
/* host.h: the hosts environments run on. "local" (ferry's own machine) is always
 * there and never recorded; every other host is a record (name, SSH login, pinned
 * host key, directory) reached with the OpenSSH client, where the same ferry binary
 * runs as an agent (`ferry host-agent`, like git-upload-pack) and drives the local
 * runtime driver's code on that machine (docs/RUNTIME.md, "The SSH driver").
 *
 * Host keys are pinned in the state store (so every ferry and ferryd on a shared
 * store trusts the same keys) and written to <home>/hosts/<name>.known_hosts for
 * ssh's StrictHostKeyChecking; a host's first key is taken only with
 * accept_host_key, a changed key is refused. Authentication is by key only. */
#ifndef FERRY_RUNTIME_HOST_H
#define FERRY_RUNTIME_HOST_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_env_spec;
struct ferry_error;
struct ferry_migrations;

#define FERRY_HOST_LOCAL "local"
#define FERRY_HOST_DIR_DEFAULT "/srv/ferry"

/* What `ferry host add` is given. */
struct ferry_host_spec {
	const char *name;        /* 1-31 of [a-z0-9-], starting with a letter; not "local" */
	const char *ssh;         /* USER@ADDRESS[:PORT] (an IPv6 address in brackets) */
	const char *identity;    /* private key file on ferry's machine; NULL: ssh's default */
	const char *dir;         /* absolute directory on the host; NULL: /srv/ferry */
	int accept_host_key;     /* pin the key the host shows now (first contact) */
	int no_install;          /* use the ferry already at DIR/bin/ferry */
};

/* Record a host after checking it can be used: the key pinned (first contact needs
 * accept_host_key; a known key that changed is refused, FERRY_EVERIFY), this ferry
 * installed as DIR/bin/ferry (streamed over the connection), and every prerequisite
 * of ferry_host_check() met. Nothing is recorded when any step fails. *out (may be
 * NULL): the host as ferry_host_show() gives it. */
int ferry_host_add(struct ferry_ctx *ctx, const struct ferry_host_spec *spec, json_t **out,
		   struct ferry_error *err);
/* [{name, ssh, address, port, user, dir, identity, key_fingerprint, created}], local
 * first. */
int ferry_host_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err);
/* One host, with the runtimes on it ({env, slot, port} each). */
int ferry_host_show(struct ferry_ctx *ctx, const char *name, json_t **out,
		    struct ferry_error *err);
/* Every prerequisite at once: reachable, key pinned and unchanged, the agent runs
 * (and is this ferry), the tools it needs, the directory usable, free disk, free
 * ports in the port range, the sandbox features there (Landlock ABI, user
 * namespaces, seccomp, cgroup v2) and the supervisor (systemd or ferry's own).
 * *report: {host, ok, checks: [{check, ok, message, ...}], features: {...}};
 * FERRY_EREFUSED when a check failed (the report says which, all of them). */
int ferry_host_check(struct ferry_ctx *ctx, const char *name, json_t **report,
		     struct ferry_error *err);
/* Install this ferry as the host's agent again (after an upgrade of ferry). */
int ferry_host_install(struct ferry_ctx *ctx, const char *name, struct ferry_error *err);
/* Forget a host; refused while a runtime or an environment is placed on it. */
int ferry_host_rm(struct ferry_ctx *ctx, const char *name, struct ferry_error *err);

/* `ferry env create --host NAME`: the environment record and where its runtimes go,
 * in one transaction (host NULL or "local": ferry's machine). */
int ferry_host_env_create(struct ferry_ctx *ctx, const struct ferry_env_spec *spec,
			  const char *host, struct ferry_error *err);
/* The host new runtimes of env go to ("local" when none was chosen) into out[32]. */
int ferry_host_of_env(struct ferry_ctx *ctx, const char *env, char out[32],
		      struct ferry_error *err);

/* The agent: serve requests of one ferry on stdin/stdout until EOF (the hidden
 * command `ferry host-agent`). Returns a process exit status. */
int ferry_host_agent_main(int in_fd, int out_fd);

/* This component's tables (hosts, placements, routes), migrated on open. */
extern const struct ferry_migrations ferry_schema_host;

#endif
