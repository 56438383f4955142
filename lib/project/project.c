/* SPDX-License-Identifier: MIT */
/* project.c: project records in the state store. */
#include "ferry/project/project.h"
#include "ferry/catalog/catalog.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <string.h>

#define PROJECT_COLS "id, name, product, description, allow_unsigned, created_ms"

static void project_from_row(struct ferry_stmt *st, struct ferry_project *p)
{
	const char *v;

	memset(p, 0, sizeof(*p));
	p->id = ferry_stmt_int(st, 0);
	snprintf(p->name, sizeof(p->name), "%s", ferry_stmt_text(st, 1));
	snprintf(p->product, sizeof(p->product), "%s", ferry_stmt_text(st, 2));
	v = ferry_stmt_text(st, 3);
	snprintf(p->description, sizeof(p->description), "%s", v ? v : "");
	p->allow_unsigned = (int)ferry_stmt_int(st, 4);
	p->created_ms = ferry_stmt_int(st, 5);
}

/* A project's product must have a release catalog (see docs/CATALOG.md). */
static int project_product_check(struct ferry_ctx *ctx, const char *product,
				 struct ferry_error *err)
{
	struct ferry_catalog *cat = NULL;
	int rc = ferry_catalog_open(ctx, product, &cat, err);

	ferry_catalog_free(cat);
	if (rc)
		ferry_error_prefix(err, "project product '%s'", product);
	return rc;
}

int ferry_project_create(struct ferry_ctx *ctx, const char *name, const char *product,
			 const char *description, struct ferry_error *err)
{
	struct ferry_project p;
	int rc;

	if ((rc = ferry_name_check(name, "project", err)))
		return rc;
	if (!product || !*product)
		product = "finance-operations";
	if ((rc = ferry_name_check(product, "product", err)))
		return rc;
	if ((rc = project_product_check(ctx, product, err)))
		return rc;
	rc = ferry_store_begin(ctx->store, err);
	if (rc)
		return rc;
	if (ferry_project_get(ctx, name, &p, NULL) == 0) {
		ferry_store_rollback(ctx->store);
		return ferry_error_set(err, FERRY_EEXIST,
			"project '%s' already exists: choose another name or see 'ferry project show %s'",
			name, name);
	}
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO projects(name, product, description, allow_unsigned, created_ms) "
		"VALUES(?, ?, ?, 0, ?)", "ttti", name, product, description ? description : "",
		ferry_now_ms());
	if (rc) {
		ferry_store_rollback(ctx->store);
		return rc;
	}
	return ferry_store_commit(ctx->store, err);
}

int ferry_project_get(struct ferry_ctx *ctx, const char *name, struct ferry_project *out,
		      struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " PROJECT_COLS " FROM projects WHERE name = ?", "t", name);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		project_from_row(st, out);
	ferry_stmt_free(st);
	if (rc == 0) {
		char shown[FERRY_ECHO_MAX];
		ferry_echo(name, shown, sizeof(shown));
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"no project '%s': see 'ferry project list'", shown);
	}
	return rc < 0 ? rc : 0;
}

static int project_env_names(struct ferry_ctx *ctx, int64_t id, char *out, size_t cap,
			     int *count, struct ferry_error *err)
{
	struct ferry_stmt *st;
	size_t len = 0;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name FROM environments WHERE project_id = ? AND state <> 'deleted' ORDER BY name",
		"i", id);

	*count = 0;
	out[0] = '\0';
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		int n = snprintf(out + len, cap - len, "%s%s", *count ? ", " : "",
				 ferry_stmt_text(st, 0));
		if (n > 0 && (size_t)n < cap - len)
			len += (size_t)n;
		(*count)++;
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

int ferry_project_rm(struct ferry_ctx *ctx, const char *name, struct ferry_error *err)
{
	struct ferry_project p;
	char names[512];
	int n, rc = ferry_store_begin(ctx->store, err);

	if (rc)
		return rc;
	if ((rc = ferry_project_get(ctx, name, &p, err)))
		goto fail;
	if ((rc = project_env_names(ctx, p.id, names, sizeof(names), &n, err)))
		goto fail;
	if (n > 0) {
		rc = ferry_error_set(err, FERRY_ESTATE,
			"project '%s' still has %d environment(s) (%s): remove them first with 'ferry env rm'",
			name, n, names);
		goto fail;
	}
	rc = ferry_store_run(ctx->store, err, "DELETE FROM environments WHERE project_id = ?", "i", p.id);
	if (!rc)
		rc = ferry_store_run(ctx->store, err, "DELETE FROM projects WHERE id = ?", "i", p.id);
	if (rc)
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_project_set_allow_unsigned(struct ferry_ctx *ctx, const char *name, int allow,
				     struct ferry_error *err)
{
	int rc = ferry_store_run(ctx->store, err,
		"UPDATE projects SET allow_unsigned = ? WHERE name = ?", "dt", allow ? 1 : 0, name);

	if (rc)
		return rc;
	if (ferry_store_changes(ctx->store) == 0) {
		char shown[FERRY_ECHO_MAX];
		ferry_echo(name, shown, sizeof(shown));
		return ferry_error_set(err, FERRY_ENOTFOUND, "no project '%s': see 'ferry project list'", shown);
	}
	return 0;
}

json_t *ferry_project_to_json(const struct ferry_project *p)
{
	char iso[32];

	ferry_time_iso(p->created_ms, iso);
	return json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", p->name, "product", p->product,
			 "description", p->description, "allow_unsigned", p->allow_unsigned,
			 "created", iso);
}

static json_t *project_row(struct ferry_stmt *st, void *arg)
{
	struct ferry_project p;

	(void)arg;
	project_from_row(st, &p);
	return ferry_project_to_json(&p);
}

int ferry_project_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " PROJECT_COLS " FROM projects ORDER BY name", NULL);

	return rc ? rc : ferry_stmt_json_rows(st, project_row, NULL, out, err);
}
