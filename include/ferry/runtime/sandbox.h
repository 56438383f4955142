/* SPDX-License-Identifier: MIT */
/* sandbox.h: the sandbox every process of an environment runs in (its service,
 * package scripts, DVT, data-upgrade steps, scrubs): Landlock or bubblewrap, no new
 * privileges, a uid of its own when ferry is root, a clean environment, the limits of
 * its application's manifest, TCP confined to its own port. docs/SECURITY.md. The
 * runtime applies it by itself; `ferry env show --json` reports it per slot under
 * "sandbox". */
#ifndef FERRY_RUNTIME_SANDBOX_H
#define FERRY_RUNTIME_SANDBOX_H

#include <jansson.h>

struct ferry_settings;

/* The table of per-environment uids (component "sandbox"). */
extern const struct ferry_migrations ferry_schema_sandbox;

/* What this machine offers for sandboxes and what the settings make of it (for
 * `ferry host check`): {landlock_abi, bwrap, root, sandbox, users, network, memory,
 * refused}; caller owns it. `refused` is null, or why environment processes would not
 * run at all. */
json_t *ferry_sandbox_host_json(const struct ferry_settings *s);

#endif
