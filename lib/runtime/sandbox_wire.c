/* SPDX-License-Identifier: MIT */
/* sandbox_wire.c: a sandbox policy on its way to another host (the SSH driver). ferry
 * decides the policy once, as for every driver (sandbox_policy.c: the settings, the
 * environment's uid from its state store, the manifest's limits and environment);
 * the host's agent takes it here, checks it against what its own machine offers
 * (never weaker than decided: the same confinement or a refusal, never root, never a
 * uid the host gives a user or group) and resolves its paths there
 * (rt_sandbox_place). docs/SECURITY.md, "Hosts". */
#include "runtime/sandbox.h"

#include "ferry/base/error.h"
#include "ferry/base/settings.h"

#include <stdlib.h>
#include <string.h>

static const char *mode_name(enum rt_sb_mode m)
{
	return m == RT_SB_LANDLOCK ? "landlock" : m == RT_SB_BWRAP ? "bwrap" : "none";
}

json_t *rt_sandbox_policy_json(const struct rt_sandbox *sb)
{
	json_t *env = json_array(), *conn = json_array();
	size_t i;

	for (i = 0; sb->envp && sb->envp[i]; i++)
		json_array_append_new(env, json_string(sb->envp[i]));
	for (i = 0; i < sb->n_connect; i++)
		json_array_append_new(conn, json_integer(sb->connect[i]));
	return json_pack("{s:s, s:i, s:b, s:I, s:I, s:{s:I, s:I, s:I}, s:b, s:b, s:i, s:o, s:o}",
		"mode", mode_name(sb->mode), "abi", sb->abi, "own_user", sb->own_user,
		"uid", (json_int_t)sb->uid, "gid", (json_int_t)sb->gid,
		"limits", "open_files", (json_int_t)sb->limits.open_files,
		"processes", (json_int_t)sb->limits.processes,
		"memory_mb", (json_int_t)sb->limits.memory_mb,
		"limit_memory", sb->limit_memory, "net_confined", sb->net_confined, "port", sb->port,
		"connect", conn, "envp", env);
}

static int64_t limit_of(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

/* The policy's user on this host. */
static int user(const json_t *o, const struct rt_sb_host *h, struct rt_sandbox *sb,
		struct ferry_error *err)
{
	json_int_t uid = json_integer_value(json_object_get(o, "uid"));

	sb->own_user = json_is_true(json_object_get(o, "own_user"));
	if (sb->own_user != (sb->mode != RT_SB_NONE && h->root))
		return ferry_error_set(err, FERRY_EREFUSED, "sandbox: ferry decided %s, but the agent "
				       "runs %s on this host: run 'ferry host check' and retry",
				       sb->own_user ? "a uid of the environment's own" : "ferry's uid",
				       h->root ? "as root" : "without root");
	if (!sb->own_user) {
		sb->uid = h->uid;
		sb->gid = h->gid;
		return 0;
	}
	if (uid <= 0 || uid >= 0xffffffffLL || json_integer_value(json_object_get(o, "gid")) != uid)
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: uid %lld is not an environment's",
				       (long long)uid);
	if (rt_sb_id_known((long)uid))
		return ferry_error_set(err, FERRY_EREFUSED, "sandbox: uid %lld, the environment's, is a "
				       "user or group of this host: give environments a range no host "
				       "uses (setting sandbox-uids)", (long long)uid);
	sb->uid = (uid_t)uid;
	sb->gid = (gid_t)uid;
	return 0;
}

static int envp(const json_t *arr, struct rt_sandbox *sb, struct ferry_error *err)
{
	size_t i, n = json_array_size(arr);

	if (!json_is_array(arr) || !(sb->envp = calloc(n + 1, sizeof(*sb->envp))))
		return ferry_error_set(err, json_is_array(arr) ? FERRY_ENOMEM : FERRY_EINVAL,
				       "sandbox: an environment, please");
	for (i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (!s || !strchr(s, '=') || s[0] == '=')
			return ferry_error_set(err, FERRY_EINVAL, "sandbox: environment entry %zu is not "
					       "NAME=value", i);
		if (!(sb->envp[i] = strdup(s)))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	return 0;
}

static int policy(const json_t *o, const struct rt_sb_host *h, struct rt_sandbox *sb,
		  struct ferry_error *err)
{
	const char *mode = json_string_value(json_object_get(o, "mode"));
	const json_t *lim = json_object_get(o, "limits"), *conn = json_object_get(o, "connect");
	size_t i;
	int rc;

	if (!mode)
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: a policy, please");
	sb->why = "";
	sb->abi = (int)json_integer_value(json_object_get(o, "abi"));
	if (!strcmp(mode, "none")) {
		sb->mode = RT_SB_NONE;
	} else if (!strcmp(mode, "landlock")) {
		sb->mode = RT_SB_LANDLOCK;
		if (sb->abi < 1 || h->landlock_abi < sb->abi)
			return ferry_error_set(err, FERRY_EREFUSED, "sandbox: Landlock ABI %d was decided "
					       "but this host's kernel offers %d", sb->abi, h->landlock_abi);
	} else if (!strcmp(mode, "bwrap")) {
		sb->mode = RT_SB_BWRAP;
		sb->abi = 0;
		if (!h->bwrap)
			return ferry_error_set(err, FERRY_EREFUSED, "sandbox: bubblewrap was decided but "
					       "bwrap is not installed on this host");
	} else {
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: no mode '%s'", mode);
	}
	if ((rc = user(o, h, sb, err)))
		return rc;
	/* root's processes could regain everything: vendor code never runs as root */
	if (sb->mode != RT_SB_NONE && sb->uid == 0)
		return ferry_error_set(err, FERRY_EREFUSED, "sandbox: refusing to run an environment's "
				       "process as root on this host");
	sb->limits.open_files = limit_of(lim, "open_files");
	sb->limits.processes = limit_of(lim, "processes");
	sb->limits.memory_mb = limit_of(lim, "memory_mb");
	if (sb->limits.open_files < 1 || sb->limits.processes < 1 || sb->limits.memory_mb < 1)
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: limits, please");
	sb->limit_memory = sb->mode != RT_SB_NONE && json_is_true(json_object_get(o, "limit_memory"));
	sb->port = (int)json_integer_value(json_object_get(o, "port"));
	sb->net_confined = sb->mode == RT_SB_LANDLOCK && sb->abi >= 4 &&
			   json_is_true(json_object_get(o, "net_confined"));
	if (sb->net_confined && json_array_size(conn) > sizeof(sb->connect) / sizeof(sb->connect[0]))
		return ferry_error_set(err, FERRY_EINVAL, "sandbox: too many ports to connect to");
	for (i = 0; sb->net_confined && i < json_array_size(conn); i++) {
		json_int_t p = json_integer_value(json_array_get(conn, i));
		if (p < 1 || p > 65535)
			return ferry_error_set(err, FERRY_EINVAL, "sandbox: port %lld", (long long)p);
		sb->connect[sb->n_connect++] = (int)p;
	}
	sb->unplaced = 1;
	return envp(json_object_get(o, "envp"), sb, err);
}

int rt_sandbox_policy_from_json(const json_t *o, const struct rt_sb_host *h,
				struct rt_sandbox *sb, struct ferry_error *err)
{
	memset(sb, 0, sizeof(*sb));
	return policy(o, h, sb, err);
}

json_t *rt_sb_host_json(const struct rt_sb_host *h)
{
	return json_pack("{s:i, s:b, s:b, s:I, s:I}", "landlock_abi", h->landlock_abi,
			 "bwrap", h->bwrap, "root", h->root, "uid", (json_int_t)h->uid,
			 "gid", (json_int_t)h->gid);
}

void rt_sb_host_from_json(const json_t *o, struct rt_sb_host *h)
{
	memset(h, 0, sizeof(*h));
	h->landlock_abi = (int)json_integer_value(json_object_get(o, "landlock_abi"));
	h->bwrap = json_is_true(json_object_get(o, "bwrap"));
	h->root = json_is_true(json_object_get(o, "root"));
	h->uid = (uid_t)json_integer_value(json_object_get(o, "uid"));
	h->gid = (gid_t)json_integer_value(json_object_get(o, "gid"));
}

/* What h offers and what the settings make of it (ferry_sandbox_host_json()'s form). */
json_t *rt_sb_host_verdict(const struct ferry_settings *s, const struct rt_sb_host *hp)
{
	const char *mode = ferry_settings_choice(s, "sandbox");
	const char *users = ferry_settings_choice(s, "sandbox-users");
	const char *net = ferry_settings_choice(s, "sandbox-network");
	const struct rt_sb_host h = *hp;
	const char *use, *refused = NULL;

	if (!strcmp(mode, "none"))
		use = "none";
	else if (h.landlock_abi > 0 && strcmp(mode, "bwrap"))
		use = "landlock";
	else if (h.bwrap && strcmp(mode, "landlock"))
		use = "bwrap";
	else
		use = NULL, refused = "neither Landlock nor bubblewrap as the setting sandbox asks: "
				      "environment processes are refused";
	if (!strcmp(users, "yes") && !h.root)
		refused = "sandbox-users=yes but ferry does not run as root";
	if (!strcmp(users, "no") && h.root && use && strcmp(use, "none"))
		refused = "sandbox-users=no while ferry runs as root: environments would run as root";
	return json_pack("{s:o, s:b, s:b, s:o, s:s, s:s, s:s, s:o}",
		"landlock_abi", h.landlock_abi ? json_integer(h.landlock_abi) : json_null(),
		"bwrap", h.bwrap, "root", h.root,
		"sandbox", use ? json_string(use) : json_null(),
		"users", use && strcmp(use, "none") && h.root ? "environment" : "ferry",
		"network", use && !strcmp(use, "landlock") && h.landlock_abi >= 4 && !strcmp(net, "confined")
			   ? "confined" : "host",
		"memory", ferry_settings_choice(s, "sandbox-memory"),
		"refused", refused ? json_string(refused) : json_null());
}
