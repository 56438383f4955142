/* SPDX-License-Identifier: MIT */
/* upgrade_writes.c: the writes users made to an upgraded environment since the swap:
 * the baseline restore point the data upgrade takes, the reverse mappings of its
 * data-upgrade package, the capture and the rollback plan (a dry run of the carry on
 * the pre-upgrade restore point), and the export a rollback keeps with its operation
 * (<home>/writes/<activity>/). Records layer: no rule, no operation run here. */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/package/asset.h"
#include "ferry/package/manifest.h"
#include "ferry/runtime/envdb.h"
#include "ferry/runtime/envdb_changes.h"
#include "ferry/runtime/envdb_hold.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/ctx.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void up_baseline_name(const struct ferry_upgrade *u, char out[64])
{
	snprintf(out, 64, "post-upgrade-%lld", (long long)u->id);
}

const char *up_baseline_of(struct ferry_ctx *ctx, const struct ferry_upgrade *u, char bl[64])
{
	struct ferry_envdb *db = NULL;
	int made;

	if (u->baseline[0] || !u->baseline_hold[0] || ferry_envdb_hold_alive(u->baseline_hold))
		return u->baseline;
	/* held, and the holder made its copy, but the baseline step did not record it (the
	 * operation cut short): that copy is the baseline */
	up_baseline_name(u, bl);
	made = !up_capture_db(ctx, u, &db, NULL) && ferry_envdb_rp_exists(db, bl);
	ferry_envdb_free(db);
	return made ? bl : "";
}

int up_rp_db(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_envdb **out,
	     struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL;
	int rc;

	if (ferry_runtime_open(ctx, u->env, NULL, 0, &rt, NULL))
		return ferry_envdb_open(u->rp_conn, out, err);
	rc = ferry_runtime_db_at(rt, u->rp_conn, out, err);
	ferry_runtime_free(rt);
	return rc;
}

int up_capture_db(struct ferry_ctx *ctx, const struct ferry_upgrade *u, struct ferry_envdb **out,
		  struct ferry_error *err)
{
	struct ferry_runtime *rt = NULL, *up = NULL;
	int rc;

	if (!ferry_runtime_open(ctx, u->env, NULL, 0, &rt, NULL) &&
	    !ferry_runtime_open(ctx, u->env, FERRY_SLOT_UPGRADE, 0, &up, NULL) &&
	    !ferry_runtime_same_host(rt, up)) {
		rc = ferry_runtime_db(up, out, err);
		ferry_runtime_free(rt);
		ferry_runtime_free(up);
		return rc;
	}
	ferry_runtime_free(rt);
	ferry_runtime_free(up);
	return up_rp_db(ctx, u, out, err);
}

char *up_writes_dir(struct ferry_ctx *ctx, const char *activity)
{
	char rel[96];

	snprintf(rel, sizeof(rel), "writes/%s", activity);
	return ferry_ctx_path(ctx, rel);
}

/* ---- the reverse mappings ---- */

/* The extracted data-upgrade package of u: the data upgrade's work directory, extracted
 * again (verified) when it is gone. Caller frees *dir. */
static int package_dir(struct ferry_ctx *ctx, const struct ferry_upgrade *u, char **dir,
		       struct ferry_error *err)
{
	char *man, *parent, *slash;
	int rc = 0;

	*dir = NULL;
	if (!u->data_asset[0] || !u->data_op[0])
		return ferry_error_set(err, FERRY_ESTATE, "the upgrade of '%s' has no data-upgrade "
				       "package recorded", u->env);
	if (!(*dir = up_work_dir(ctx, u->data_op, "data-upgrade")) ||
	    !(man = ferry_path_join(*dir, "manifest.json")))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (ferry_path_exists(man)) {
		free(man);
		return 0;
	}
	free(man);
	if (!(parent = strdup(*dir)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((slash = strrchr(parent, '/')))
		*slash = '\0';
	if (!(rc = ferry_mkdir_p(parent, 0700, err)) && !(rc = ferry_rm_rf(*dir, err)))
		rc = ferry_asset_extract(ctx, u->project, u->data_asset, *dir, NULL, err);
	free(parent);
	return rc;
}

/* The text of a mapping's SQL file: one SELECT, without a final ';'. */
static json_t *select_text(const char *dir, const char *file, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char *p = ferry_path_join(dir, file);
	json_t *out = NULL;

	if (!p || ferry_buf_read_file(&b, p)) {
		ferry_error_set(err, FERRY_EIO, "cannot read the reverse mapping %s", file);
	} else {
		while (b.len && strchr(" \t\r\n;", b.data[b.len - 1]))
			b.data[--b.len] = '\0';
		out = json_string(b.data ? b.data : "");
		if (!out)
			ferry_error_set(err, FERRY_EINVAL, "reverse mapping %s is not UTF-8 text", file);
	}
	free(p);
	ferry_buf_release(&b);
	return out;
}

int up_mappings(struct ferry_ctx *ctx, const struct ferry_upgrade *u, json_t **maps,
		char desc[160], struct ferry_error *err)
{
	const struct ferry_reverse *r;
	struct ferry_manifest *m = NULL;
	char *dir = NULL;
	size_t i;
	int rc;

	*maps = NULL;
	desc[0] = '\0';
	if ((rc = package_dir(ctx, u, &dir, err)) || (rc = up_manifest(dir, &m, err)))
		goto out;
	if (!(r = ferry_manifest_reverse(m, u->from_release))) {
		snprintf(desc, 160, "%s@%s has no reverse mapping to %s", m->name, m->version,
			 u->from_release);
		goto out;
	}
	snprintf(desc, 160, "%s@%s, reverse to %s", m->name, m->version, r->release);
	*maps = json_array();
	for (i = 0; i < r->n; i++) {
		const struct ferry_reverse_table *t = &r->tables[i];
		json_t *o = json_pack("{s:s, s:s, s:s}", "table", t->table, "into", t->into, "kind",
				      t->kind == FERRY_REVERSE_SQL ? "sql" :
				      t->kind == FERRY_REVERSE_COPY ? "copy" : "drop");
		json_array_append_new(*maps, o);
		if (t->note)
			json_object_set_new(o, "note", json_string(t->note));
		if (t->sql) {
			json_t *sel = select_text(dir, t->sql, err);
			if (!sel) {
				rc = err ? err->code : FERRY_EIO;
				goto out;
			}
			json_object_set_new(o, "sql", json_string(t->sql));
			json_object_set_new(o, "select", sel);
		}
	}
out:
	if (rc) {
		json_decref(*maps);
		*maps = NULL;
	}
	ferry_manifest_free(m);
	free(dir);
	return rc;
}

/* ---- the plan ---- */

/* Tables whose writes cannot be carried, with why: "'a' (no reverse mapping), 'b' (...)". */
static void uncarried(const json_t *report, struct ferry_buf *b, int *n)
{
	const json_t *t;
	size_t i;

	*n = 0;
	json_array_foreach(json_object_get(report, "tables"), i, t)
		if (json_integer_value(json_object_get(t, "unmapped")) > 0)
			ferry_buf_addf(b, "%s'%s' (%lld rows, no reverse mapping)", (*n)++ ? ", " : "",
				       json_string_value(json_object_get(t, "table")),
				       (long long)json_integer_value(json_object_get(t, "unmapped")));
	json_array_foreach(json_object_get(report, "uncaptured"), i, t)
		ferry_buf_addf(b, "%s'%s' (%s)", (*n)++ ? ", " : "",
			       json_string_value(json_object_get(t, "table")),
			       json_string_value(json_object_get(t, "reason")));
}

/* The plan: the report with what it is about, and whether the rollback may go on. */
static json_t *plan_of(const struct ferry_upgrade *u, json_t *report, const char *desc,
		       const char *no_baseline)
{
	struct ferry_buf why = FERRY_BUF_INIT;
	char when[32] = "", rp[64];
	json_t *plan = report;
	int n;

	up_rp_name(u, rp);
	if (u->baseline_ms)
		ferry_time_iso(u->baseline_ms, when);
	uncarried(report, &why, &n);
	json_object_set_new(plan, "environment", json_string(u->env));
	json_object_set_new(plan, "upgrade_id", json_integer(u->id));
	json_object_set_new(plan, "phase", json_string(u->phase));
	json_object_set_new(plan, "from_release", json_string(u->from_release));
	json_object_set_new(plan, "to_release", json_string(u->to_release));
	json_object_set_new(plan, "restore_point", json_string(rp));
	json_object_set_new(plan, "baseline", u->baseline[0] ? json_pack("{s:s, s:s}", "restore_point",
			    u->baseline, "taken", when) : json_null());
	json_object_set_new(plan, "mapping", json_string(desc));
	if (no_baseline)
		json_object_set_new(plan, "note", json_string(no_baseline));
	json_object_set_new(plan, "discard_writes", json_boolean(u->discard_writes));
	json_object_set_new(plan, "can_roll_back", json_boolean(!n || u->discard_writes));
	json_object_set_new(plan, "refusal", n ? json_sprintf("writes since the upgrade cannot be "
			    "carried back to %s from table%s %s: roll back with --discard-writes to go on "
			    "without them (they are exported first: 'ferry upgrade writes %s -o FILE')",
			    u->from_release, n == 1 ? "" : "s", why.data, u->env) : json_null());
	ferry_buf_release(&why);
	return plan;
}

/* An empty writes document (the upgraded environment never served). */
static json_t *no_writes(const struct ferry_upgrade *u)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:[], s:[]}", "format", "ferry-writes-1",
			 "driver", strstr(u->rp_conn, "://") ? "postgresql" : "sqlite", "baseline", "",
			 "rows", 0, "tables", "uncaptured");
}

int up_writes_plan(struct ferry_ctx *ctx, const struct ferry_upgrade *u, const json_t *maps,
		   const char *desc, json_t **writes, struct ferry_buf *cs, json_t **plan,
		   struct ferry_error *err)
{
	struct ferry_carry carry = { NULL, maps, NULL, NULL, NULL, NULL };
	struct ferry_envdb *db = NULL, *cdb = NULL;
	json_t *w = NULL, *report = NULL;
	const char *baseline;
	char rp[64], bl[64];
	int rc = 0;

	(void)ctx;
	*plan = NULL;
	if (writes)
		*writes = NULL;
	up_rp_name(u, rp);
	baseline = up_baseline_of(ctx, u, bl);
	if (!baseline[0]) {
		struct ferry_error why;
		int lost = 0;
		/* held, not taken: the hold kept writes out unless it was lost and they came */
		ferry_error_clear(&why);
		if (u->baseline_hold[0] && !up_capture_db(ctx, u, &cdb, NULL) &&
		    ferry_envdb_hold_check(cdb, u->baseline_hold, &why))
			lost = 1;
		w = no_writes(u);
		report = json_pack("{s:[], s:[], s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}}", "tables",
				   "uncaptured", "summary", "rows", 0, "carried", 0, "conflicts", 0,
				   "dropped", 0, "skipped", 0, "unmapped", 0, "uncaptured", lost);
		if (lost)
			json_array_append_new(json_object_get(report, "uncaptured"), json_pack(
				"{s:s, s:s}", "table", "*", "reason", why.msg));
		*plan = plan_of(u, report, desc, lost ? "no baseline, and the upgraded database was "
				"written after its hold was lost: those writes cannot be told from the "
				"upgrade's" : "no baseline: the upgraded environment took no write (the "
				"data upgrade ended before its baseline step), so there are none");
		goto out;
	}
	if ((rc = up_capture_db(ctx, u, &cdb, err)) ||
	    (rc = ferry_envdb_changes(cdb, baseline, &w, cs, err)) ||
	    (rc = up_rp_db(ctx, u, &db, err)))
		goto out;
	carry.writes = w;
	if ((rc = ferry_envdb_carry_plan(db, rp, &carry, &report, err)))
		goto out;
	*plan = plan_of(u, report, desc, NULL);
out:
	if (!rc && writes)
		*writes = w;
	else
		json_decref(w);
	ferry_envdb_free(cdb);
	ferry_envdb_free(db);
	return rc;
}

/* ---- the export kept with the rollback ---- */

static int save_json(const char *dir, const char *name, const json_t *v, struct ferry_error *err)
{
	char *p = ferry_path_join(dir, name);
	char *text = json_dumps(v, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	int rc = p && text ? ferry_write_file_atomic(p, text, strlen(text), 0600, err)
			   : ferry_error_set(err, FERRY_ENOMEM, "out of memory");

	free(p);
	free(text);
	return rc;
}

json_t *up_writes_with_changeset(const json_t *writes, const struct ferry_buf *cs)
{
	json_t *doc = json_deep_copy(writes);
	size_t n;
	char *b64;

	if (!cs || !cs->len) {
		json_object_set_new(doc, "changeset", json_null());
		return doc;
	}
	n = sodium_base64_encoded_len(cs->len, sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(n))) {
		sodium_bin2base64(b64, n, (const unsigned char *)cs->data, cs->len,
				  sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(doc, "changeset", json_pack("{s:s, s:I, s:s}", "format",
				    "sqlite-session-changeset", "bytes", (json_int_t)cs->len, "base64", b64));
		free(b64);
	}
	return doc;
}

int up_writes_save(const char *dir, const json_t *writes, const struct ferry_buf *cs,
		   const json_t *plan, const json_t *maps, struct ferry_error *err)
{
	struct ferry_buf csv = FERRY_BUF_INIT;
	json_t *doc = up_writes_with_changeset(writes, cs);
	char *p = NULL;
	int rc;

	if ((rc = ferry_mkdir_p(dir, 0700, err)) || (rc = save_json(dir, "writes.json", doc, err)) ||
	    (rc = ferry_writes_csv(writes, &csv, err)))
		goto out;
	if (!(p = ferry_path_join(dir, "writes.csv")) ||
	    (rc = ferry_write_file_atomic(p, csv.data ? csv.data : "", csv.len, 0600, err)))
		goto out;
	free(p);
	p = NULL;
	if (cs && cs->len && (!(p = ferry_path_join(dir, "writes.changeset")) ||
			      (rc = ferry_write_file_atomic(p, cs->data, cs->len, 0600, err))))
		goto out;
	if ((rc = save_json(dir, "mappings.json", maps ? maps : json_null(), err)))
		goto out;
	rc = save_json(dir, "plan.json", plan, err);  /* last: present = complete */
out:
	if (!rc && !p && cs && cs->len)
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(p);
	json_decref(doc);
	ferry_buf_release(&csv);
	return rc;
}

json_t *up_writes_load(const char *dir, const char *name)
{
	char *p = ferry_path_join(dir, name);
	json_t *v = p ? json_load_file(p, 0, NULL) : NULL;

	free(p);
	return v;
}
