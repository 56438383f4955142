/* SPDX-License-Identifier: MIT */
/* upgrade_writes_cmd.c: the commands about the writes since the swap: the rollback
 * plan (`ferry upgrade rollback ENV --plan`), the export (`ferry upgrade writes ENV`)
 * and the check a rollback makes before anything stops. Commands layer: they read
 * through upgrade_writes.c and run no operation. */
#include "lifecycle/upgrade_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/runtime/envdb_changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables with writes and no mapping, and tables that cannot be captured. */
static int uncarried(const json_t *writes, const json_t *maps, struct ferry_buf *why)
{
	const json_t *t, *m;
	size_t i, k;
	int n = 0;

	json_array_foreach(json_object_get(writes, "tables"), i, t) {
		const char *name = json_string_value(json_object_get(t, "table"));
		int mapped = 0;
		json_array_foreach(maps, k, m)
			mapped |= !strcmp(json_string_value(json_object_get(m, "table")), name);
		if (!mapped && json_array_size(json_object_get(t, "rows")))
			ferry_buf_addf(why, "%s'%s' (%zu rows, no reverse mapping)", n++ ? ", " : "", name,
				       json_array_size(json_object_get(t, "rows")));
	}
	json_array_foreach(json_object_get(writes, "uncaptured"), i, t)
		ferry_buf_addf(why, "%s'%s' (%s)", n++ ? ", " : "",
			       json_string_value(json_object_get(t, "table")),
			       json_string_value(json_object_get(t, "reason")));
	return n;
}

int up_rollback_check(struct ferry_ctx *ctx, const struct ferry_upgrade *u, int discard,
		      struct ferry_error *err)
{
	struct ferry_buf why = FERRY_BUF_INIT;
	struct ferry_envdb *db = NULL;
	json_t *writes = NULL, *maps = NULL;
	char desc[160], bl[64];
	const char *baseline = up_baseline_of(ctx, u, bl);
	int rc, n;

	if (discard || !baseline[0])
		return 0;     /* discarding is allowed; without a baseline nobody wrote */
	if ((rc = up_mappings(ctx, u, &maps, desc, err)) ||
	    (rc = up_capture_db(ctx, u, &db, err)) ||
	    (rc = ferry_envdb_changes(db, baseline, &writes, NULL, err)))
		goto out;
	if ((n = uncarried(writes, maps, &why)))
		rc = ferry_error_set(err, FERRY_EREFUSED, "writes since the upgrade cannot be carried "
				     "back to %s from table%s %s (%s): roll back with --discard-writes to "
				     "go on without them (they are exported first; see them with 'ferry "
				     "upgrade rollback %s --plan' or 'ferry upgrade writes %s -o FILE')",
				     u->from_release, n == 1 ? "" : "s", why.data, desc, u->env, u->env);
out:
	ferry_buf_release(&why);
	ferry_envdb_free(db);
	json_decref(writes);
	json_decref(maps);
	return rc;
}

/* The upgrade whose writes env means: the active one, else the last one rolled back. */
static int which(struct ferry_ctx *ctx, const char *env, struct ferry_upgrade *u,
		 struct ferry_error *err)
{
	int rc = ferry_upgrade_active(ctx, env, u, err);

	if (rc == 0)
		rc = ferry_upgrade_last(ctx, env, u, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND, "environment '%s' has never been "
				       "upgraded: no writes since a swap", env);
	return 0;
}

/* The directory a rollback of u kept its capture in, when there is one. */
static char *kept_dir(struct ferry_ctx *ctx, const struct ferry_upgrade *u)
{
	char *dir, *plan;

	if (strcmp(u->phase, FERRY_UP_ROLLING_BACK) && strcmp(u->phase, FERRY_UP_ROLLED_BACK))
		return NULL;
	if (!u->end_op[0] || !(dir = up_writes_dir(ctx, u->end_op)))
		return NULL;
	plan = ferry_path_join(dir, "plan.json");
	if (!plan || !ferry_path_exists(plan)) {
		free(dir);
		dir = NULL;
	}
	free(plan);
	return dir;
}

static int live(const struct ferry_upgrade *u)
{
	return !strcmp(u->phase, FERRY_UP_DATA_UPGRADED) || !strcmp(u->phase, FERRY_UP_DATA_UPGRADING) ||
	       !strcmp(u->phase, FERRY_UP_ROLLING_BACK);
}

int ferry_upgrade_rollback_plan(struct ferry_ctx *ctx, const char *env, json_t **plan,
				struct ferry_error *err)
{
	struct ferry_upgrade u;
	json_t *maps = NULL, *p;
	char desc[160], *dir;
	int rc;

	*plan = NULL;
	if ((rc = which(ctx, env, &u, err)))
		return rc;
	if ((dir = kept_dir(ctx, &u))) {
		p = up_writes_load(dir, "plan.json");
		if (p && json_is_object(p)) {
			json_object_set_new(p, "phase", json_string(u.phase));
			json_object_set_new(p, "kept", json_string(dir));
			json_object_set_new(p, "executed", up_writes_load(dir, "report.json") ?: json_null());
			*plan = p;
		} else {
			json_decref(p);
			rc = ferry_error_set(err, FERRY_EIO, "cannot read the plan kept in %s", dir);
		}
		free(dir);
		return rc;
	}
	if (!live(&u))
		return ferry_error_set(err, FERRY_ESTATE, "the upgrade of '%s' is in phase '%s': there is "
				       "nothing to roll back%s", env, u.phase,
				       strcmp(u.phase, FERRY_UP_PREPARED) ? "" :
				       " (before the data upgrade: 'ferry upgrade cancel')");
	if (!(rc = up_mappings(ctx, &u, &maps, desc, err)))
		rc = up_writes_plan(ctx, &u, maps, desc, NULL, NULL, plan, err);
	json_decref(maps);
	return rc ? ferry_error_prefix(err, "rollback plan of '%s'", env) : 0;
}

/* The writes as asked from a kept directory: writes.json, writes.csv, writes.changeset. */
static int from_dir(const char *dir, const char *format, struct ferry_buf *out,
		    struct ferry_error *err)
{
	char name[32], *p;
	int rc = 0;

	snprintf(name, sizeof(name), "writes.%s", format);
	if (!(p = ferry_path_join(dir, name)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!ferry_path_exists(p))
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no %s export in %s%s", format, dir,
				     !strcmp(format, "changeset") ? " (the database is PostgreSQL: "
				     "the JSON and CSV renderings hold every row)" : "");
	else if (ferry_buf_read_file(out, p))
		rc = ferry_error_set(err, FERRY_EIO, "cannot read %s", p);
	free(p);
	return rc;
}

static int render(const json_t *writes, const struct ferry_buf *cs, const char *format,
		  struct ferry_buf *out, struct ferry_error *err)
{
	json_t *doc;
	char *text;
	int rc = 0;

	if (!strcmp(format, "csv"))
		return ferry_writes_csv(writes, out, err);
	if (!strcmp(format, "changeset")) {
		if (!cs->len && strcmp(json_string_value(json_object_get(writes, "driver")) ?: "", "sqlite"))
			return ferry_error_set(err, FERRY_ENOTFOUND, "a session changeset is SQLite's: this "
					       "environment's database is PostgreSQL (use json or csv)");
		return ferry_buf_add(out, cs->data ? cs->data : "", cs->len)
		       ? ferry_error_set(err, FERRY_ENOMEM, "out of memory") : 0;
	}
	doc = up_writes_with_changeset(writes, cs);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (!text || ferry_buf_adds(out, text) || ferry_buf_adds(out, "\n"))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	free(text);
	json_decref(doc);
	return rc;
}

int ferry_upgrade_writes(struct ferry_ctx *ctx, const char *env, const char *format,
			 struct ferry_buf *out, struct ferry_error *err)
{
	struct ferry_buf cs = FERRY_BUF_INIT;
	struct ferry_envdb *db = NULL;
	struct ferry_upgrade u;
	json_t *writes = NULL;
	const char *baseline;
	char *dir, bl[64];
	int rc;

	if (!format)
		format = "json";
	if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "changeset"))
		return ferry_error_set(err, FERRY_EINVAL, "format '%s': use json, csv or changeset", format);
	if ((rc = which(ctx, env, &u, err)))
		return rc;
	if ((dir = kept_dir(ctx, &u))) {
		rc = from_dir(dir, format, out, err);
		free(dir);
		return rc;
	}
	if (!live(&u))
		return ferry_error_set(err, FERRY_ESTATE, "the upgrade of '%s' is in phase '%s': no writes "
				       "since a swap are kept", env, u.phase);
	baseline = up_baseline_of(ctx, &u, bl);
	if (!baseline[0])
		writes = json_pack("{s:s, s:s, s:s, s:i, s:[], s:[]}", "format", "ferry-writes-1",
				   "driver", strstr(u.rp_conn, "://") ? "postgresql" : "sqlite",
				   "baseline", "", "rows", 0, "tables", "uncaptured");
	else if ((rc = up_capture_db(ctx, &u, &db, err)) ||
		 (rc = ferry_envdb_changes(db, baseline, &writes, &cs, err)))
		goto out;
	rc = render(writes, &cs, format, out, err);
out:
	ferry_envdb_free(db);
	json_decref(writes);
	ferry_buf_release(&cs);
	return rc ? ferry_error_prefix(err, "writes of '%s'", env) : 0;
}
