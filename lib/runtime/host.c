/* SPDX-License-Identifier: MIT */
/* host.c: `ferry host add|list|show|check|install|rm` and the placement of new
 * environments on a host: checking a host (everything missing reported at once),
 * pinning its key, installing this ferry as its agent, and the records. */
#include "runtime/host_int.h"
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/package/package.h"
#include "ferry/project/env.h"
#include "ferry/runtime/host.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIN_DISK ((int64_t)256 << 20)
#define MIN_PORTS 2

/* The bootstrap's scripts: fixed text; the directory arrives on stdin. */
#define TOOLS "sh mkdir cat chmod mv rm uname"
static const char script_tools[] =
	"read -r d; m=''; for t in " TOOLS "; do command -v \"$t\" >/dev/null 2>&1 || "
	"m=\"$m $t\"; done; echo \"missing:$m\"";
static const char script_install[] =
	"umask 077; read -r d && mkdir -p -- \"$d/bin\" && cat > \"$d/bin/.ferry.new\" && "
	"chmod 0755 -- \"$d/bin/.ferry.new\" && mv -f -- \"$d/bin/.ferry.new\" \"$d/bin/ferry\"";

/* ---- checks, collected ---- */

static int add_check(json_t *checks, const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_check(json_t *checks, const char *name, int ok, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "check", name, "ok", ok,
						"message", msg));
	return !ok;
}

/* The tools the bootstrap needs; connecting also checks reachability and the key. */
static int check_tools(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
		       json_t *checks, struct ferry_error *err)
{
	struct ferry_buf out = FERRY_BUF_INIT;
	char line[HOST_DIR_MAX_LEN + 2], *m;
	int rc;

	snprintf(line, sizeof(line), "%s\n", h->dir);
	rc = hsess_script(ctx, h, accept_new, script_tools, line, NULL, &out, err);
	if (rc) {
		add_check(checks, rc == FERRY_EVERIFY ? "host-key" : "reachable", 0, "%s", err->msg);
		ferry_buf_release(&out);
		return rc;
	}
	add_check(checks, "reachable", 1, "ssh %s@%s:%d answers (key-only login)", h->user,
		  h->address, h->port);
	add_check(checks, "host-key", 1, "the host's key is %s", accept_new ? "pinned now" : "the pinned one");
	m = out.data ? strstr(out.data, "missing:") : NULL;
	if (m) {
		m[strcspn(m, "\n")] = '\0';
		m += 8;
		while (*m == ' ')
			m++;
	}
	if (!m || *m)
		rc = ferry_error_set(err, FERRY_EREFUSED, "host '%s' lacks tools ferry needs: %s",
				     h->name, m ? m : "(no answer)");
	add_check(checks, "tools", !rc, rc ? "missing on the host: %s (install them; ferry needs "
		  TOOLS ")" : "%s", rc ? (m ? m : "?") : TOOLS " found");
	ferry_buf_release(&out);
	return rc;
}

static int install(struct ferry_ctx *ctx, const struct host_rec *h, struct ferry_error *err)
{
	char exe[PATH_MAX], line[HOST_DIR_MAX_LEN + 2];

	if (host_self_exe(exe, sizeof(exe)))
		return ferry_error_set(err, FERRY_EIO, "cannot find this ferry's binary to install");
	snprintf(line, sizeof(line), "%s\n", h->dir);
	return hsess_script(ctx, h, 0, script_install, line, exe, NULL, err);
}

/* Can vendor code run there as ferry's settings say (docs/SECURITY.md, "Hosts")? The
 * verdict goes into features ("sandbox"). Nonzero when it cannot. */
static int check_sandbox(struct ferry_ctx *ctx, json_t *checks, json_t *features)
{
	const char *refused, *use;
	struct rt_sb_host sh;
	json_t *v;
	int bad;

	rt_sb_host_from_json(features, &sh);
	if (!(v = rt_sb_host_verdict(&ctx->settings, &sh)))
		return add_check(checks, "sandbox", 0, "out of memory");
	refused = json_string_value(json_object_get(v, "refused"));
	use = json_string_value(json_object_get(v, "sandbox"));
	bad = add_check(checks, "sandbox", !refused, "%s%s: Landlock ABI %d, bubblewrap %s, agent %s; "
		"user namespaces %s, seccomp %s, cgroup v2 %s", refused ? "refused: " : "confines with ",
		refused ? refused : use ? use : "?", sh.landlock_abi, sh.bwrap ? "yes" : "no",
		sh.root ? "root (a uid per environment)" : "not root (environments share its uid)",
		json_is_true(json_object_get(features, "user_namespaces")) ? "yes" : "no",
		json_is_true(json_object_get(features, "seccomp")) ? "yes" : "no",
		json_is_true(json_object_get(features, "cgroup2")) ? "yes" : "no");
	json_object_set_new(features, "sandbox", v);
	return bad;
}

/* What the agent reports, as checks. */
static int check_agent(struct ferry_ctx *ctx, const struct host_rec *h, json_t *checks,
		       json_t **features, struct ferry_error *err)
{
	char exe[PATH_MAX], sha[65] = "";
	struct hsess *s = NULL;
	json_t *ans = NULL;
	uint64_t size;
	int64_t disk;
	int rc, bad = 0, ports;

	if ((rc = hsess_open(ctx, h, 0, &s, err))) {
		add_check(checks, "agent", 0, "%s", err->msg);
		return rc;
	}
	if ((rc = hsess_call(s, json_pack("{s:s, s:i, s:i}", "op", "check", "port_lo",
					  ctx->settings.port_lo, "port_hi", ctx->settings.port_hi),
			     NULL, NULL, &ans, err))) {
		add_check(checks, "agent", 0, "%s", err->msg);
		goto out;
	}
	if (!host_self_exe(exe, sizeof(exe)))
		ferry_file_sha256(exe, sha, &size, NULL);
	add_check(checks, "agent", 1, "ferry %s runs as the agent at %s/bin/ferry%s",
		  json_string_value(json_object_get(hsess_hello(s), "version")) ?: "?", h->dir,
		  strcmp(sha, json_string_value(json_object_get(ans, "agent_sha256")) ?: "")
		  ? " (another build than this ferry: 'ferry host install' updates it)" : "");
	bad |= add_check(checks, "directory", json_is_true(json_object_get(ans, "dir_writable")),
			 "%s %s", h->dir, json_is_true(json_object_get(ans, "dir_writable"))
			 ? "is writable" : "is not writable by the login user");
	disk = json_integer_value(json_object_get(ans, "disk_free"));
	bad |= add_check(checks, "disk-space", disk >= MIN_DISK, "%lld bytes free in %s (at least "
			 "%lld needed)", (long long)disk, h->dir, (long long)MIN_DISK);
	ports = (int)json_integer_value(json_object_get(ans, "ports_free"));
	bad |= add_check(checks, "free-ports", ports >= MIN_PORTS, "%d of %lld ports free in %d-%d",
			 ports, (long long)json_integer_value(json_object_get(ans, "ports_scanned")),
			 ctx->settings.port_lo, ctx->settings.port_hi);
	*features = json_incref(json_object_get(ans, "features"));
	bad |= check_sandbox(ctx, checks, *features);
	add_check(checks, "supervisor", 1, "%s", json_string_value(json_object_get(*features,
		  "supervisor")) ?: "?");
	json_object_set(*features, "disk_free", json_object_get(ans, "disk_free"));
	json_object_set(*features, "ports_free", json_object_get(ans, "ports_free"));
	if (bad)
		rc = ferry_error_set(err, FERRY_EREFUSED, "host '%s' does not meet every prerequisite",
				     h->name);
out:
	json_decref(ans);
	hsess_close(s);
	return rc;
}

/* Run every check: 0 when all passed; the report in *out either way. */
static int check_all(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
		     int do_install, json_t **out, struct ferry_error *err)
{
	json_t *checks = json_array(), *features = NULL;
	int rc;

	if (!(rc = check_tools(ctx, h, accept_new, checks, err))) {
		if (do_install && (rc = install(ctx, h, err)))
			add_check(checks, "agent", 0, "installing ferry at %s/bin/ferry: %s", h->dir, err->msg);
		else
			rc = check_agent(ctx, h, checks, &features, err);
	}
	*out = json_pack("{s:s, s:b, s:o, s:o}", "host", h->name, "ok", rc == 0, "checks", checks,
			 "features", features ? features : json_object());
	if (rc) {
		/* the first failed check names it; the report lists them all */
		size_t i, n = 0;
		json_t *c;
		json_array_foreach(checks, i, c)
			n += !json_is_true(json_object_get(c, "ok"));
		ferry_error_prefix(err, "host '%s': %zu check%s failed (see the report)", h->name, n,
				   n == 1 ? "" : "s");
	}
	return rc;
}

/* ---- the key's fingerprint, as ssh-keygen -l shows it ---- */

static void fingerprint(const char *known, char out[64])
{
	char line[4096], *p, *blob64;
	unsigned char bin[2048], h[crypto_hash_sha256_BYTES];
	size_t len = 0;

	snprintf(out, 64, "-");
	if (!known || snprintf(line, sizeof(line), "%s", known) >= (int)sizeof(line))
		return;
	line[strcspn(line, "\n")] = '\0';
	if (!(p = strchr(line, ' ')) || !(blob64 = strchr(p + 1, ' ')))
		return;
	blob64++;
	blob64[strcspn(blob64, " ")] = '\0';
	if (sodium_base642bin(bin, sizeof(bin), blob64, strlen(blob64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL))
		return;
	crypto_hash_sha256(h, bin, len);
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, 57, h, sizeof(h), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

static json_t *host_json(const struct host_rec *h)
{
	char fp[64], ssh[256], when[32];

	fingerprint(h->host_key, fp);
	snprintf(ssh, sizeof(ssh), strchr(h->address, ':') ? "%s@[%s]:%d" : "%s@%s:%d", h->user,
		 h->address, h->port);
	ferry_time_iso(h->created_ms, when);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s?, s:s, s:s}", "name", h->name, "ssh", ssh,
			 "user", h->user, "address", h->address, "port", h->port, "dir", h->dir,
			 "identity", h->identity[0] ? h->identity : NULL, "key_fingerprint", fp,
			 "created", when);
}

/* ---- the commands ---- */

static int spec_to_rec(const struct ferry_host_spec *spec, struct host_rec *h,
		       struct ferry_error *err)
{
	char real[PATH_MAX];
	struct stat st;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = host_name_check(spec->name, err)))
		return rc;
	if (!strcmp(spec->name, FERRY_HOST_LOCAL))
		return ferry_error_set(err, FERRY_EINVAL, "'local' is ferry's own machine, always there");
	if ((rc = host_ssh_parse(spec->ssh, h, err)) ||
	    (rc = host_dir_check(spec->dir ? spec->dir : FERRY_HOST_DIR_DEFAULT, err)))
		return rc;
	snprintf(h->name, sizeof(h->name), "%s", spec->name);
	snprintf(h->dir, sizeof(h->dir), "%s", spec->dir ? spec->dir : FERRY_HOST_DIR_DEFAULT);
	if (spec->identity) {
		if (!realpath(spec->identity, real) || stat(real, &st) < 0 || !S_ISREG(st.st_mode) ||
		    access(real, R_OK))
			return ferry_error_set(err, FERRY_EINVAL, "--identity %s: not a readable file",
					       spec->identity);
		return ferry_fmt(h->identity, sizeof(h->identity), err, "--identity", "%s", real);
	}
	return 0;
}

static void forget_key(struct ferry_ctx *ctx, const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/hosts/%s.known_hosts", ctx->home, name);
	unlink(p);
}

int ferry_host_add(struct ferry_ctx *ctx, const struct ferry_host_spec *spec, json_t **out,
		   struct ferry_error *err)
{
	struct host_rec h, old;
	json_t *report = NULL, *checks;
	int64_t now = ferry_now_ms();
	int rc;

	if (out)
		*out = NULL;
	if ((rc = spec_to_rec(spec, &h, err)))
		return rc;
	if (!(rc = host_rec_get(ctx, spec->name, &old, NULL))) {
		host_rec_release(&old);
		return ferry_error_set(err, FERRY_EEXIST, "host '%s' exists already (see 'ferry host "
				       "show %s'); remove it first to add it again", spec->name, spec->name);
	}
	forget_key(ctx, spec->name);
	checks = json_array();
	if ((rc = check_tools(ctx, &h, spec->accept_host_key, checks, err))) {
		report = json_pack("{s:s, s:b, s:o, s:{}}", "host", h.name, "ok", 0, "checks", checks,
				   "features");
		goto fail;
	}
	json_decref(checks);
	if ((rc = hsess_pinned(ctx, h.name, &h.host_key, err)) ||
	    (!spec->no_install && (rc = install(ctx, &h, err))) ||
	    (rc = check_all(ctx, &h, 0, 0, &report, err)))
		goto fail;
	if ((rc = ferry_store_run(ctx->store, err,
			"INSERT INTO hosts(name, ssh_user, address, port, identity, dir, host_key, "
			"created_ms, updated_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", "tttdtttii", h.name,
			h.user, h.address, h.port, h.identity, h.dir, h.host_key, now, now)))
		goto fail;
	h.created_ms = now;
	if (out) {
		*out = host_json(&h);
		json_object_set(*out, "checks", json_object_get(report, "checks"));
		json_object_set(*out, "features", json_object_get(report, "features"));
	}
	json_decref(report);
	host_rec_release(&h);
	return 0;
fail:
	if (out)
		*out = report;
	else
		json_decref(report);
	forget_key(ctx, h.name);
	host_rec_release(&h);
	return ferry_error_prefix(err, "adding host '%s'", spec->name);
}

int ferry_host_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();
	char *envs = ferry_ctx_path(ctx, "environments");
	int rc;

	json_array_append_new(arr, json_pack("{s:s, s:n, s:s, s:s}", "name", FERRY_HOST_LOCAL, "ssh",
					     "dir", envs ? envs : "", "key_fingerprint", "-"));
	free(envs);
	if ((rc = ferry_store_query(ctx->store, &st, err, "SELECT name FROM hosts ORDER BY name", "")))
		goto fail;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		struct host_rec h;
		if (!host_rec_get(ctx, ferry_stmt_text(st, 0), &h, NULL))
			json_array_append_new(arr, host_json(&h));
		host_rec_release(&h);
	}
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return rc;
}

static json_t *runtimes_on(struct ferry_ctx *ctx, const char *host)
{
	struct ferry_stmt *st;
	json_t *arr = json_array();

	if (ferry_store_query(ctx->store, &st, NULL,
			"SELECT e.name, r.slot, r.port, r.dir FROM runtimes r JOIN environments e ON "
			"e.id = r.env_id WHERE r.host = ? ORDER BY e.name, r.slot", "t", host))
		return arr;
	while (ferry_stmt_step(st, NULL) == 1)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:s}", "env",
			ferry_stmt_text(st, 0), "slot", ferry_stmt_text(st, 1), "port",
			(json_int_t)ferry_stmt_int(st, 2), "dir", ferry_stmt_text(st, 3)));
	ferry_stmt_free(st);
	return arr;
}

int ferry_host_show(struct ferry_ctx *ctx, const char *name, json_t **out, struct ferry_error *err)
{
	struct host_rec h;
	int rc;

	if (name && !strcmp(name, FERRY_HOST_LOCAL)) {
		char *envs = ferry_ctx_path(ctx, "environments");
		*out = json_pack("{s:s, s:n, s:s, s:o}", "name", FERRY_HOST_LOCAL, "ssh", "dir",
				 envs ? envs : "", "runtimes", runtimes_on(ctx, FERRY_HOST_LOCAL));
		free(envs);
		return 0;
	}
	if ((rc = host_rec_get(ctx, name, &h, err)))
		return rc;
	*out = host_json(&h);
	json_object_set_new(*out, "runtimes", runtimes_on(ctx, name));
	host_rec_release(&h);
	return 0;
}

int ferry_host_check(struct ferry_ctx *ctx, const char *name, json_t **report,
		     struct ferry_error *err)
{
	struct host_rec h;
	int rc;

	*report = NULL;
	if (name && !strcmp(name, FERRY_HOST_LOCAL))
		return ferry_error_set(err, FERRY_EINVAL, "'local' is ferry's own machine: "
				       "'ferry upgrade preflight' checks it");
	if ((rc = host_rec_get(ctx, name, &h, err)))
		return rc;
	rc = check_all(ctx, &h, 0, 0, report, err);
	host_rec_release(&h);
	return rc;
}

int ferry_host_install(struct ferry_ctx *ctx, const char *name, struct ferry_error *err)
{
	struct host_rec h;
	int rc;

	if ((rc = host_rec_get(ctx, name, &h, err)))
		return rc;
	if (!(rc = install(ctx, &h, err)))
		rc = ferry_store_run(ctx->store, err, "UPDATE hosts SET updated_ms = ? WHERE id = ?",
				     "ii", ferry_now_ms(), h.id);
	host_rec_release(&h);
	return rc;
}

int ferry_host_rm(struct ferry_ctx *ctx, const char *name, struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct host_rec h;
	char env[64] = "";
	int rc;

	if ((rc = host_rec_get(ctx, name, &h, err)))
		return rc;
	host_rec_release(&h);
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT e.name FROM environments e WHERE e.state <> 'deleted' AND (e.id IN "
			"(SELECT env_id FROM runtimes WHERE host = ?) OR e.id IN (SELECT env_id FROM "
			"host_envs WHERE host = ?)) ORDER BY e.name", "tt", name, name)))
		goto fail;
	if ((rc = ferry_stmt_step(st, err)) == 1)
		snprintf(env, sizeof(env), "%s", ferry_stmt_text(st, 0));
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	if (env[0]) {
		rc = ferry_error_set(err, FERRY_ESTATE, "host '%s' still has environment '%s' on it: "
				     "remove the environments on it first (ferry host show %s)", name,
				     env, name);
		goto fail;
	}
	if ((rc = ferry_store_run(ctx->store, err, "DELETE FROM host_envs WHERE host = ?", "t", name)) ||
	    (rc = ferry_store_run(ctx->store, err, "DELETE FROM hosts WHERE name = ?", "t", name)) ||
	    (rc = ferry_store_commit(ctx->store, err)))
		goto fail;
	forget_key(ctx, name);
	return 0;
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

/* ---- environments placed on a host ---- */

static int place(void *arg, struct ferry_ctx *ctx, int64_t env_id, struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err, "INSERT INTO host_envs(env_id, host) VALUES(?, ?) "
			       "ON CONFLICT (env_id) DO UPDATE SET host = excluded.host", "it", env_id,
			       (const char *)arg);
}

int ferry_host_env_create(struct ferry_ctx *ctx, const struct ferry_env_spec *spec,
			  const char *host, struct ferry_error *err)
{
	struct host_rec h;
	int rc;

	if (!host || !strcmp(host, FERRY_HOST_LOCAL))
		return ferry_env_create(ctx, spec, err);
	if ((rc = host_rec_get(ctx, host, &h, err)))
		return ferry_error_prefix(err, "environment '%s' --host", spec->name);
	host_rec_release(&h);
	return ferry_env_create_with(ctx, spec, place, (void *)host, err);
}

int ferry_host_of_env(struct ferry_ctx *ctx, const char *env, char out[32], struct ferry_error *err)
{
	struct ferry_env e;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	host_rec_env_host(ctx, e.id, out);
	return 0;
}
