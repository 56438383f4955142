/* SPDX-License-Identifier: MIT */
/* preflight.c: every prerequisite of an upgrade checked at once (before begin and
 * before the data upgrade), so a refusal lists all that is missing with sizes. */
#include "lifecycle/upgrade_int.h"

#include "ferry/package/asset.h"
#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/project/env.h"
#include "ferry/base/error.h"
#include "ferry/project/feature.h"
#include "ferry/package/manifest.h"
#include "ferry/package/package.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/lifecycle/refresh.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MIB(b) ((double)(b) / (1024.0 * 1024.0))

struct pf {
	struct ferry_ctx *ctx;
	struct ferry_env e;
	const char *release, *platform, *from;
	enum ferry_preflight_stage stage;
	struct ferry_upgrade u;       /* the active upgrade (data stage) */
	int have_upgrade;
	json_t *checks, *report;
	int64_t release_bytes, data_pkg_bytes;
};

static json_t *check(struct pf *p, const char *name, int ok, int warning, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static json_t *check(struct pf *p, const char *name, int ok, int warning, const char *fmt, ...)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	va_list ap;
	json_t *c;

	va_start(ap, fmt);
	ferry_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c = json_pack("{s:s, s:b, s:s, s:s}", "check", name, "ok", ok,
		      "severity", warning ? "warning" : "error", "message", b.data ? b.data : "");
	ferry_buf_release(&b);
	json_array_append_new(p->checks, c);
	return c;
}

/* Does the data-upgrade manifest apply to `from`? */
static int applies_from(const json_t *man, const char *from)
{
	const json_t *rels = json_object_get(json_object_get(man, "applies_to"), "releases"), *v;
	size_t i;

	if (!from || !json_array_size(rels))
		return 1;
	json_array_foreach(rels, i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", from) ||
		    !strcmp(json_string_value(v) ? json_string_value(v) : "", "*"))
			return 1;
	return 0;
}

int ferry_preflight_find_asset(struct ferry_ctx *ctx, int64_t project_id, const char *type,
			       const char *release, const char *from, char out[65],
			       struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc, found = 0;

	out[0] = '\0';
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT sha256, manifest FROM assets WHERE project_id = ? AND type = ? "
			"ORDER BY uploaded_ms DESC, id DESC", "it", project_id, type)))
		return rc;
	while (!found && (rc = ferry_stmt_step(st, err)) == 1) {
		json_t *man = json_loads(ferry_stmt_text(st, 1), 0, NULL);
		const char *prov = json_string_value(json_object_get(json_object_get(man, "provides"),
								      "release"));
		if (prov && !strcmp(prov, release) && applies_from(man, from)) {
			snprintf(out, 65, "%s", ferry_stmt_text(st, 0));
			found = 1;
		}
		json_decref(man);
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : found;
}

/* The payload size of an asset (its manifest), -1 unknown. */
static int64_t asset_payload(struct pf *p, const char *sha)
{
	struct ferry_manifest *m = NULL;
	struct ferry_stmt *st;
	int64_t n = -1;

	if (ferry_store_query(p->ctx->store, &st, NULL,
			"SELECT manifest FROM assets WHERE project_id = ? AND sha256 = ?", "it",
			p->e.project_id, sha))
		return -1;
	if (ferry_stmt_step(st, NULL) == 1) {
		const char *t = ferry_stmt_text(st, 0);
		if (!ferry_manifest_parse(t, strlen(t), &m, NULL))
			n = (int64_t)m->payload_bytes;
	}
	ferry_manifest_free(m);
	ferry_stmt_free(st);
	return n;
}

/* Find and verify one package: application or data-upgrade. */
static void check_package(struct pf *p, const char *name, const char *type, const char *from)
{
	char sha[65], *path = NULL;
	struct ferry_error e2;
	json_t *rep = NULL, *c;
	int rc;

	ferry_error_clear(&e2);
	rc = ferry_preflight_find_asset(p->ctx, p->e.project_id, type, p->release, from, sha, &e2);
	if (rc <= 0) {
		check(p, name, 0, 0, "no %s package for release %s%s%s%s in the asset library of "
		      "project '%s': upload it with 'ferry asset upload FILE --project %s'", type,
		      p->release, from ? " (applying to " : "", from ? from : "", from ? ")" : "",
		      p->e.project, p->e.project);
		return;
	}
	path = ferry_asset_blob_path(p->ctx, sha);
	rc = path ? ferry_package_verify(p->ctx, path, p->e.project, &rep, NULL, &e2) : FERRY_ENOMEM;
	if (rc) {
		c = check(p, name, 0, 0, "%s package %.12s fails verification: %s", type, sha, e2.msg);
	} else {
		const char *trust = json_string_value(json_object_get(rep, "trust"));
		const char *signer = json_string_value(json_object_get(rep, "signer"));
		c = check(p, name, 1, 0, "%s %s %s verified, signature %s%s%s", type,
			  json_string_value(json_object_get(rep, "name")) ?: "?",
			  json_string_value(json_object_get(rep, "version")) ?: "?", trust ? trust : "checked",
			  signer && *signer ? " by " : "", signer && *signer ? signer : "");
	}
	json_object_set_new(c, "asset", json_string(sha));
	json_object_set_new(p->report, !strcmp(type, "application") ? "application_asset"
				       : "data_upgrade_asset", json_string(sha));
	if (!strcmp(type, "application"))
		p->release_bytes = asset_payload(p, sha);
	else
		p->data_pkg_bytes = asset_payload(p, sha);
	json_decref(rep);
	free(path);
}

static void check_feature(struct pf *p)
{
	int on = ferry_feature_enabled(p->ctx, p->e.project, FERRY_FEATURE_UPGRADE_SELF_SERVE, NULL);

	if (on == 1)
		check(p, "preview-feature", 1, 0, "preview feature '%s' is enabled",
		      FERRY_FEATURE_UPGRADE_SELF_SERVE);
	else
		check(p, "preview-feature", 0, 0, "the preview feature '%s' is disabled for project "
		      "'%s': enable it with 'ferry feature enable %s --project %s'",
		      FERRY_FEATURE_UPGRADE_SELF_SERVE, p->e.project,
		      FERRY_FEATURE_UPGRADE_SELF_SERVE, p->e.project);
}

static void check_no_operation(struct pf *p)
{
	struct ferry_op *op = NULL;
	int rc = ferry_op_active_for_env(p->ctx, p->e.id, &op, NULL);

	/* Before the data upgrade, packages on the upgrade view are the sign-offs check's. */
	if (rc == 1 && strcmp(op->kind, FERRY_OP_UPGRADE_DATA) &&
	    (p->stage == FERRY_PREFLIGHT_BEGIN || strncmp(op->kind, "env.", 4)))
		check(p, "no-operation", 0, 0, "operation %s (%s) is %s on '%s' at step '%s': finish, "
		      "resume or abort it first", op->activity_id, op->kind,
		      ferry_op_state_name(op->state), p->e.name, op->step);
	else
		check(p, "no-operation", 1, 0, "no other operation runs on '%s'", p->e.name);
	ferry_op_free(op);
}

static void check_disk(struct pf *p)
{
	struct ferry_upgrade_settings s;
	struct ferry_runtime *rt = NULL;
	struct statvfs vfs;
	int64_t rp = 0, rel = p->release_bytes > 0 ? p->release_bytes : 0;
	int64_t data = p->data_pkg_bytes > 0 ? p->data_pkg_bytes : 0, need, avail;
	json_t *c;

	if (!ferry_runtime_open(p->ctx, p->e.name, NULL, 0, &rt, NULL))
		rp = up_db_bytes(rt) > 0 ? up_db_bytes(rt) : 0;
	ferry_runtime_free(rt);
	ferry_upgrade_settings_get(p->ctx, p->e.project_id, &s, NULL);
	if (p->stage == FERRY_PREFLIGHT_DATA)
		rel = 0;                 /* deployed at preparation */
	/* release: extracted once in the work directory, once installed */
	need = 2 * rel + data + rp + s.disk_reserve_bytes;
	if (statvfs(p->ctx->home, &vfs) < 0) {
		check(p, "disk-space", 0, 0, "cannot read the free space of %s", p->ctx->home);
		return;
	}
	avail = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
	if (avail >= need)
		c = check(p, "disk-space", 1, 0, "%.1f MiB needed (release %.1f MiB x2, data upgrade "
			  "package %.1f MiB, restore point %.1f MiB, reserve %.1f MiB), %.1f MiB free",
			  MIB(need), MIB(rel), MIB(data), MIB(rp), MIB(s.disk_reserve_bytes), MIB(avail));
	else
		c = check(p, "disk-space", 0, 0, "not enough disk space in %s: %.1f MiB needed (release "
			  "%.1f MiB x2, data upgrade package %.1f MiB, restore point %.1f MiB, reserve "
			  "%.1f MiB), %.1f MiB free: free %.1f MiB", p->ctx->home, MIB(need), MIB(rel),
			  MIB(data), MIB(rp), MIB(s.disk_reserve_bytes), MIB(avail), MIB(need - avail));
	json_object_set_new(c, "needed_bytes", json_integer(need));
	json_object_set_new(c, "free_bytes", json_integer(avail));
	json_object_set_new(c, "release_bytes", json_integer(rel));
	json_object_set_new(c, "restore_point_bytes", json_integer(rp));
	json_object_set_new(c, "data_package_bytes", json_integer(data));
	json_object_set_new(c, "reserve_bytes", json_integer(s.disk_reserve_bytes));
}

static void check_ports(struct pf *p)
{
	int lo, hi, port, found = 0;

	lo = p->ctx->settings.port_lo;
	hi = p->ctx->settings.port_hi;
	for (port = lo; port <= hi && !found; port++) {
		struct ferry_stmt *st;
		int used = 1;
		if (!ferry_store_query(p->ctx->store, &st, NULL, "SELECT 1 FROM runtimes WHERE port = ?",
				       "d", port)) {
			used = ferry_stmt_step(st, NULL) != 0;
			ferry_stmt_free(st);
		}
		found = !used && ferry_port_bindable(port);
	}
	if (found)
		check(p, "free-ports", 1, 0, "port %d is free for the upgrade-in-progress environment",
		      port - 1);
	else
		check(p, "free-ports", 0, 0, "no free port in %d-%d for the upgrade-in-progress "
		      "environment: free one, or widen FERRY_PORT_RANGE", lo, hi);
}

static void check_rehearsal(struct pf *p)
{
	json_t *r = NULL;
	int rc = ferry_rehearsal_find(p->ctx, p->e.project_id, p->from, p->release, &r, NULL);
	int warn = p->stage == FERRY_PREFLIGHT_BEGIN;

	if (rc == 1)
		check(p, "rehearsal", 1, warn, "data upgrade %s -> %s rehearsed on '%s' (activity %s, "
		      "%lld ms)", p->from, p->release, json_string_value(json_object_get(r, "env")),
		      json_string_value(json_object_get(r, "activity_id")),
		      (long long)json_integer_value(json_object_get(r, "total_ms")));
	else
		check(p, "rehearsal", 0, warn, "project '%s' has no successful data upgrade rehearsal "
		      "from %s to %s: copy production's database into a development environment on %s "
		      "('ferry db copy --from PROD --to DEV') and run 'ferry env data-upgrade DEV'%s",
		      p->e.project, p->from, p->release, p->release,
		      warn ? " (required before the data upgrade)" : "");
	json_decref(r);
}

static void check_freshness(struct pf *p)
{
	struct ferry_upgrade_settings s;
	json_t *r = NULL;
	int64_t age;

	if (p->e.role != FERRY_ROLE_SANDBOX)
		return;
	ferry_upgrade_settings_get(p->ctx, p->e.project_id, &s, NULL);
	if (ferry_refresh_last(p->ctx, p->e.name, &r, NULL) != 1 ||
	    strcmp(json_string_value(json_object_get(r, "source_role")), "production")) {
		check(p, "data-freshness", 0, 1, "sandbox '%s' was never refreshed from production: "
		      "refresh it first for a realistic upgrade ('ferry db refresh --from PROD --to %s')",
		      p->e.name, p->e.name);
	} else {
		age = (ferry_now_ms() - json_integer_value(json_object_get(r, "snapshot_ms"))) / 1000;
		if (age > s.refresh_max_age_s)
			check(p, "data-freshness", 0, 1, "sandbox '%s' holds production data %lld s old "
			      "(from '%s'), older than %lld s: refresh it again", p->e.name,
			      (long long)age, json_string_value(json_object_get(r, "source")),
			      (long long)s.refresh_max_age_s);
		else
			check(p, "data-freshness", 1, 1, "refreshed from production '%s' %lld s ago",
			      json_string_value(json_object_get(r, "source")), (long long)age);
	}
	json_decref(r);
}

static void check_prepared(struct pf *p)
{
	struct ferry_runtime_status st;
	struct ferry_runtime *rt = NULL;

	if (!p->have_upgrade) {
		check(p, "prepared", 0, 0, "environment '%s' has no upgrade in progress: begin one with "
		      "'ferry upgrade begin %s --to %s'", p->e.name, p->e.name, p->release);
		return;
	}
	if (strcmp(p->u.phase, FERRY_UP_PREPARED) && strcmp(p->u.phase, FERRY_UP_DATA_UPGRADING)) {
		check(p, "prepared", 0, 0, "the upgrade of '%s' is in phase '%s', not prepared: see "
		      "'ferry upgrade status %s'", p->e.name, p->u.phase, p->e.name);
		return;
	}
	if (ferry_runtime_open(p->ctx, p->e.name, FERRY_SLOT_UPGRADE, 0, &rt, NULL)) {
		check(p, "prepared", 0, 0, "the upgrade-in-progress environment of '%s' is missing: "
		      "cancel the upgrade and begin again", p->e.name);
		return;
	}
	ferry_runtime_status(rt, 0, &st);
	check(p, "prepared", 1, 0, "the upgrade-in-progress environment runs release %s",
	      st.release[0] ? st.release : "(none)");
	ferry_runtime_free(rt);
}

static void check_signoffs(struct pf *p)
{
	struct ferry_buf open = FERRY_BUF_INIT;
	json_t *pk, *x;
	size_t i;
	int n = 0;

	if (!p->have_upgrade)
		return;
	pk = up_packages(p->ctx, &p->u);
	json_array_foreach(pk, i, x) {
		const char *state = json_string_value(json_object_get(x, "state"));
		if (strcmp(json_string_value(json_object_get(x, "kind")), "env.apply"))
			continue;
		n++;
		if (strcmp(state, "succeeded") && strcmp(state, "rolled-back") && strcmp(state, "aborted"))
			ferry_buf_addf(&open, "%s%s (%s, activity %.8s)", open.len ? ", " : "",
				       json_string_value(json_object_get(x, "package")), state,
				       json_string_value(json_object_get(x, "activity_id")));
	}
	json_decref(pk);
	if (open.len)
		check(p, "sign-offs", 0, 0, "packages not signed off on the upgrade-in-progress "
		      "environment: %s: sign off with 'ferry upgrade signoff %s' or roll back with "
		      "'ferry upgrade rollback-package %s'", open.data, p->e.name, p->e.name);
	else
		check(p, "sign-offs", 1, 0, "%d package%s applied, every one signed off or rolled back",
		      n, n == 1 ? "" : "s");
	ferry_buf_release(&open);
}

static int finish(struct pf *p, json_t **report, struct ferry_error *err)
{
	struct ferry_buf msg = FERRY_BUF_INIT;
	json_t *errors = json_array(), *warnings = json_array(), *c;
	size_t i;
	int rc = 0;

	json_array_foreach(p->checks, i, c) {
		const char *m = json_string_value(json_object_get(c, "message"));
		if (json_is_true(json_object_get(c, "ok")))
			continue;
		if (!strcmp(json_string_value(json_object_get(c, "severity")), "warning")) {
			json_array_append_new(warnings, json_string(m));
			continue;
		}
		json_array_append_new(errors, json_string(m));
		ferry_buf_addf(&msg, "\n  - %s: %s", json_string_value(json_object_get(c, "check")), m);
	}
	json_object_set_new(p->report, "ok", json_boolean(json_array_size(errors) == 0));
	json_object_set_new(p->report, "errors", errors);
	json_object_set_new(p->report, "warnings", warnings);
	if (json_array_size(errors))
		rc = ferry_error_set(err, FERRY_EREFUSED, "preflight found %zu missing prerequisite%s:%s",
				     json_array_size(errors), json_array_size(errors) == 1 ? "" : "s",
				     msg.data);
	ferry_buf_release(&msg);
	if (report)
		*report = p->report;
	else
		json_decref(p->report);
	return rc;
}

int ferry_preflight_run(struct ferry_ctx *ctx, const char *env, const char *release,
			const char *platform, enum ferry_preflight_stage stage, json_t **report,
			struct ferry_error *err)
{
	struct pf p;
	int rc;

	if (report)
		*report = NULL;
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.stage = stage;
	p.release = release;
	p.platform = platform;
	p.release_bytes = p.data_pkg_bytes = -1;
	if ((rc = ferry_env_get(ctx, env, &p.e, err)))
		return rc;
	if ((rc = ferry_upgrade_active(ctx, env, &p.u, err)) < 0)
		return rc;
	p.have_upgrade = rc == 1;
	p.from = p.have_upgrade ? p.u.from_release : p.e.app_release;
	p.checks = json_array();
	p.report = json_pack("{s:s, s:s, s:s, s:s, s:o}", "env", env, "to", release,
			     "platform", platform, "stage",
			     stage == FERRY_PREFLIGHT_BEGIN ? "begin" : "data", "checks", p.checks);
	check_feature(&p);
	check_no_operation(&p);
	if (stage == FERRY_PREFLIGHT_BEGIN)
		check_package(&p, "application-package", "application", NULL);
	check_package(&p, "data-upgrade-package", "data-upgrade", p.from);
	check_disk(&p);
	if (stage == FERRY_PREFLIGHT_BEGIN)
		check_ports(&p);
	check_rehearsal(&p);
	if (stage == FERRY_PREFLIGHT_DATA) {
		check_prepared(&p);
		check_signoffs(&p);
	} else {
		check_freshness(&p);
	}
	return finish(&p, report, err);
}
