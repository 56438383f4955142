/* SPDX-License-Identifier: MIT */
/* env.c: environment records, roles and lifecycle states in the state store. */
#include "ferry/project/env.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"
#include "ferry/base/json_out.h"

#include <stdio.h>
#include <string.h>

static const char *const role_names[] = { "development", "sandbox", "production" };
static const char *const state_names[] = {
	"new", "deploying", "deployed", "servicing", "awaiting-signoff",
	"failed", "stopped", "upgrading", "deleted"
};

#define ENV_COLS "e.id, e.project_id, e.name, p.name, e.role, e.state, e.product, " \
		 "e.app_release, e.platform, e.created_ms, e.updated_ms"
#define ENV_FROM " FROM environments e JOIN projects p ON p.id = e.project_id "

const char *ferry_env_role_name(enum ferry_env_role r)
{
	return (unsigned)r < 3 ? role_names[r] : "unknown";
}

int ferry_env_role_parse(const char *s, enum ferry_env_role *out, struct ferry_error *err)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (s && !strcmp(s, role_names[i])) {
			*out = (enum ferry_env_role)i;
			return 0;
		}
	}
	return ferry_error_set(err, FERRY_EINVAL,
		"invalid role '%s': use development, sandbox or production", s ? s : "");
}

const char *ferry_env_state_name(enum ferry_env_state s)
{
	return (unsigned)s <= FERRY_ENV_DELETED ? state_names[s] : "unknown";
}

int ferry_env_state_parse(const char *s, enum ferry_env_state *out)
{
	unsigned i;

	for (i = 0; i <= FERRY_ENV_DELETED; i++) {
		if (s && !strcmp(s, state_names[i])) {
			*out = (enum ferry_env_state)i;
			return 0;
		}
	}
	return FERRY_EINVAL;
}

static void env_from_row(struct ferry_stmt *st, struct ferry_env *e)
{
	enum ferry_env_role role = FERRY_ROLE_DEVELOPMENT;
	enum ferry_env_state state = FERRY_ENV_NEW;

	memset(e, 0, sizeof(*e));
	e->id = ferry_stmt_int(st, 0);
	e->project_id = ferry_stmt_int(st, 1);
	snprintf(e->name, sizeof(e->name), "%s", ferry_stmt_text(st, 2));
	snprintf(e->project, sizeof(e->project), "%s", ferry_stmt_text(st, 3));
	ferry_env_role_parse(ferry_stmt_text(st, 4), &role, NULL);
	ferry_env_state_parse(ferry_stmt_text(st, 5), &state);
	e->role = role;
	e->state = state;
	snprintf(e->product, sizeof(e->product), "%s", ferry_stmt_text(st, 6));
	snprintf(e->app_release, sizeof(e->app_release), "%s", ferry_stmt_text(st, 7));
	snprintf(e->platform, sizeof(e->platform), "%s", ferry_stmt_text(st, 8));
	e->created_ms = ferry_stmt_int(st, 9);
	e->updated_ms = ferry_stmt_int(st, 10);
}

static int env_spec_check(const struct ferry_env_spec *spec, enum ferry_env_role *role,
			  struct ferry_error *err)
{
	int rc;

	if ((rc = ferry_name_check(spec->name, "environment", err)))
		return rc;
	if (!spec->project)
		return ferry_error_set(err, FERRY_EINVAL, "missing --project: every environment belongs to a project");
	if ((rc = ferry_env_role_parse(spec->role, role, err)))
		return rc;
	if (!spec->app_release || !*spec->app_release)
		return ferry_error_set(err, FERRY_EINVAL, "missing --app RELEASE (e.g. --app 7.3)");
	if (!spec->platform || !*spec->platform)
		return ferry_error_set(err, FERRY_EINVAL, "missing --platform PU (e.g. --platform PU12)");
	if ((rc = ferry_name_check(spec->app_release, "release", err)) ||
	    (rc = ferry_name_check(spec->platform, "platform", err)))
		return rc;
	return 0;
}

/* Check product, release and platform against the product's catalog; write the
 * catalog's own ids (a build string becomes its release id, "pu12" becomes PU12). */
static int env_catalog_check(struct ferry_ctx *ctx, const char *product,
			     const struct ferry_env_spec *spec, char release[32], char platform[32],
			     struct ferry_error *err)
{
	const struct ferry_catalog_release *r;
	const struct ferry_catalog_platform *p;
	struct ferry_catalog *cat;
	int rc;

	if ((rc = ferry_catalog_open(ctx, product, &cat, err)))
		return ferry_error_prefix(err, "product '%s'", product);
	if ((rc = ferry_catalog_resolve_release(cat, spec->app_release, &r, err)) ||
	    (rc = ferry_catalog_combination_check(cat, r->id, spec->platform, err))) {
		ferry_catalog_free(cat);
		return ferry_error_prefix(err, "environment '%s'", spec->name);
	}
	p = ferry_catalog_platform(cat, spec->platform);
	snprintf(release, 32, "%s", r->id);
	snprintf(platform, 32, "%s", p->id);
	ferry_catalog_free(cat);
	return 0;
}

int ferry_env_create(struct ferry_ctx *ctx, const struct ferry_env_spec *spec,
		     struct ferry_error *err)
{
	return ferry_env_create_with(ctx, spec, NULL, NULL, err);
}

int ferry_env_create_with(struct ferry_ctx *ctx, const struct ferry_env_spec *spec,
			  ferry_env_in_tx_fn in_tx, void *arg, struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_env e;
	enum ferry_env_role role;
	int64_t now = ferry_now_ms();
	const char *product;
	char release[32], platform[32];
	int rc;

	if ((rc = env_spec_check(spec, &role, err)))
		return rc;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_project_get(ctx, spec->project, &p, err)))
		goto fail;
	product = spec->product && *spec->product ? spec->product : p.product;
	if ((rc = env_catalog_check(ctx, product, spec, release, platform, err)))
		goto fail;
	if (ferry_env_get(ctx, spec->name, &e, NULL) == 0) {
		rc = ferry_error_set(err, FERRY_EEXIST,
			"environment '%s' already exists (project '%s'): choose another name",
			spec->name, e.project);
		goto fail;
	}
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO environments(project_id, name, role, state, product, app_release, "
		"platform, created_ms, updated_ms) VALUES(?, ?, ?, 'new', ?, ?, ?, ?, ?)",
		"itttttii", p.id, spec->name, ferry_env_role_name(role),
		product, release, platform, now, now);
	if (rc)
		goto fail;
	if (in_tx && ((rc = ferry_env_get(ctx, spec->name, &e, err)) ||
		      (rc = in_tx(arg, ctx, e.id, err))))
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_env_get(struct ferry_ctx *ctx, const char *name, struct ferry_env *out,
		  struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " ENV_COLS ENV_FROM "WHERE e.name = ? AND e.state <> 'deleted'", "t", name);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		env_from_row(st, out);
	ferry_stmt_free(st);
	if (rc == 0) {
		char shown[FERRY_ECHO_MAX];
		ferry_echo(name, shown, sizeof(shown));
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"no environment '%s': see 'ferry env list'", shown);
	}
	return rc < 0 ? rc : 0;
}

int ferry_env_set_state(struct ferry_ctx *ctx, int64_t env_id, enum ferry_env_state st,
			struct ferry_error *err)
{
	return ferry_store_run(ctx->store, err,
		"UPDATE environments SET state = ?, updated_ms = ? WHERE id = ?", "tii",
		ferry_env_state_name(st), ferry_now_ms(), env_id);
}

int ferry_env_rm(struct ferry_ctx *ctx, const char *name, struct ferry_error *err)
{
	struct ferry_env e;
	int rc = ferry_store_begin(ctx->store, err);

	if (rc)
		return rc;
	if ((rc = ferry_env_get(ctx, name, &e, err)))
		goto fail;
	if (e.state == FERRY_ENV_SERVICING || e.state == FERRY_ENV_UPGRADING ||
	    e.state == FERRY_ENV_DEPLOYING) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' is %s: finish, cancel or roll back that first",
			name, ferry_env_state_name(e.state));
		goto fail;
	}
	if ((rc = ferry_env_set_state(ctx, e.id, FERRY_ENV_DELETED, err)))
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

json_t *ferry_env_to_json(const struct ferry_env *e)
{
	char created[32], updated[32];

	ferry_time_iso(e->created_ms, created);
	ferry_time_iso(e->updated_ms, updated);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"name", e->name, "project", e->project, "role", ferry_env_role_name(e->role),
		"state", ferry_env_state_name(e->state), "product", e->product,
		"app_release", e->app_release, "platform", e->platform,
		"created", created, "updated", updated);
}

int ferry_env_list(struct ferry_ctx *ctx, const char *project, int include_deleted,
		   json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	struct ferry_env e;
	json_t *arr;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " ENV_COLS ENV_FROM "WHERE (? IS NULL OR p.name = ?) "
		"AND (? = 1 OR e.state <> 'deleted') ORDER BY p.name, e.name",
		"ttd", project, project, include_deleted ? 1 : 0);

	if (rc)
		return rc;
	arr = json_array();
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		env_from_row(st, &e);
		json_array_append_new(arr, ferry_env_to_json(&e));
	}
	ferry_stmt_free(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* One row of the list as JSON: pretty (the CLI's --json: keys sorted, two-space
 * indent, inside an array) or compact (ferryd: the order of ferry_env_to_json). */
static int row_json(struct ferry_stmt *st, int pretty, struct ferry_buf *out)
{
	enum ferry_env_role role = FERRY_ROLE_DEVELOPMENT;
	enum ferry_env_state state = FERRY_ENV_NEW;
	char created[32], updated[32];
	const char *name = ferry_stmt_text(st, 2), *project = ferry_stmt_text(st, 3);
	const char *product = ferry_stmt_text(st, 6), *app = ferry_stmt_text(st, 7);
	const char *platform = ferry_stmt_text(st, 8), *r, *s;

	ferry_env_role_parse(ferry_stmt_text(st, 4), &role, NULL);
	ferry_env_state_parse(ferry_stmt_text(st, 5), &state);
	r = ferry_env_role_name(role);
	s = ferry_env_state_name(state);
	ferry_time_iso(ferry_stmt_int(st, 9), created);
	ferry_time_iso(ferry_stmt_int(st, 10), updated);
	if (pretty) {
		const struct ferry_json_field f[] = {
			{ "app_release", app }, { "created", created }, { "name", name },
			{ "platform", platform }, { "product", product }, { "project", project },
			{ "role", r }, { "state", s }, { "updated", updated } };
		return ferry_json_add_object(out, f, 9, 1, 1);
	} else {
		const struct ferry_json_field f[] = {
			{ "name", name }, { "project", project }, { "role", r }, { "state", s },
			{ "product", product }, { "app_release", app }, { "platform", platform },
			{ "created", created }, { "updated", updated } };
		return ferry_json_add_object(out, f, 9, 0, 0);
	}
}

int ferry_env_list_write(struct ferry_ctx *ctx, const char *project, int include_deleted,
			 int pretty, struct ferry_buf *out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	size_t n = 0;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " ENV_COLS ENV_FROM "WHERE (? IS NULL OR p.name = ?) "
		"AND (? = 1 OR e.state <> 'deleted') ORDER BY p.name, e.name",
		"ttd", project, project, include_deleted ? 1 : 0);

	if (rc)
		return rc;
	rc = ferry_buf_add(out, "[", 1);
	while (!rc && (rc = ferry_stmt_step(st, err)) == 1) {
		rc = ferry_buf_adds(out, n++ ? (pretty ? ",\n  " : ",") : (pretty ? "\n  " : ""));
		if (!rc)
			rc = row_json(st, pretty, out);
	}
	ferry_stmt_free(st);
	if (rc < 0)
		return rc == FERRY_ENOMEM ? ferry_error_set(err, rc, "out of memory") : rc;
	if ((rc = ferry_buf_adds(out, pretty && n ? "\n]" : "]")))
		return ferry_error_set(err, rc, "out of memory");
	return 0;
}
