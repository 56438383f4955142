/* SPDX-License-Identifier: MIT */
/* api_env_ops.c: operations on an environment, each the libferry call the CLI makes
 * (servicing, self-service upgrade, database refresh), run by jobs_call(): the reply
 * (202) is the operation as soon as it exists; a refusal before it exists is the
 * library's error. The same calls start scheduled operations (schedule.c). */
#include "ferryd.h"

#include "ferry/project/env.h"
#include "ferry/lifecycle/preflight.h"
#include "ferry/lifecycle/servicing.h"
#include "ferry/lifecycle/upgrade.h"

#include <stdio.h>
#include <string.h>

static const char *arg(const json_t *a, const char *key)
{
	return json_string_value(json_object_get(a, key));
}

/* The arguments of an action from the request body; 400 (and NULL) when one is missing. */
static json_t *action_args(struct api_req *r, const struct env_action *a, json_t *b)
{
	json_t *args = json_pack("{s:s}", "env", r->params[0]);
	const char *v;
	int i;

	for (i = 0; i < ENV_ACTION_MEMBERS && a->members[i]; i++) {
		const char *m = a->members[i], *name = m[0] == '*' ? m + 1 : m;
		if (api_member_str(r, b, name, m[0] == '*', &v)) {
			json_decref(args);
			return NULL;
		}
		if (v)
			json_object_set_new(args, name, json_string(v));
	}
	if (!strcmp(a->name, "upgrade.cancel") && !json_object_get(args, "view") && api_query(r, "view"))
		json_object_set_new(args, "view", json_string(api_query(r, "view")));
	return args;
}

/* A second environment named in the body (the refresh's source) must be in scope. */
static int other_env_access(struct api_req *r, const json_t *args)
{
	const char *from = arg(args, "from");
	struct ferry_error err;
	struct ferry_env e;
	char keep[64];

	if (!from)
		return 0;
	snprintf(keep, sizeof(keep), "%s", r->project);
	ferry_error_clear(&err);
	if (ferry_env_get(r->ctx, from, &e, &err))
		return api_ferror(r, &err), -1;
	if (auth_allow(r, FERRY_TOKEN_VIEWER, e.project))
		return -1;
	snprintf(r->project, sizeof(r->project), "%s", keep);
	return 0;
}

static enum MHD_Result env_call(struct api_req *r, const char *name)
{
	const struct env_action *a = env_action_find(name);
	struct ferry_error err;
	struct ferry_env e;
	char act[37];
	json_t *b, *args, *at;

	if (api_env_access(r, FERRY_TOKEN_OPERATOR, &e) || !(b = api_body_opt(r)) ||
	    !(args = action_args(r, a, b)))
		return r->ret;
	if (other_env_access(r, args)) {
		json_decref(args);
		return r->ret;
	}
	if ((at = json_object_get(b, "at")) && !json_is_null(at))
		return sched_request(r, &e, name, args, at);
	ferry_error_clear(&err);
	if (jobs_call(r->d->jobs, a->fn, args, name, r->actor, e.project, act, &err))
		return api_ferror(r, &err);
	snprintf(r->activity, sizeof(r->activity), "%s", act);
	return api_op_reply(r, 202, act, 0);
}

#define ROUTE(fn, name) enum MHD_Result fn(struct api_req *r) { return env_call(r, name); }
ROUTE(api_env_apply, "env.apply")
ROUTE(api_env_signoff, "env.signoff")
ROUTE(api_env_rollback, "env.rollback")
ROUTE(api_upgrade_begin, "upgrade.begin")
ROUTE(api_upgrade_apply, "upgrade.apply")
ROUTE(api_upgrade_signoff, "upgrade.signoff")
ROUTE(api_upgrade_rollback_pkg, "upgrade.rollback-package")
ROUTE(api_upgrade_data, "upgrade.data")
ROUTE(api_upgrade_commit, "upgrade.commit")
ROUTE(api_upgrade_rollback, "upgrade.rollback")
ROUTE(api_upgrade_cancel, "upgrade.cancel")
ROUTE(api_upgrade_resume, "upgrade.resume")
ROUTE(api_env_refresh, "db.refresh")
ROUTE(api_env_copy, "db.copy")
ROUTE(api_env_rehearse, "env.data-upgrade")

/* POST .../updates with {"check": true}: every rule, nothing changed (ferry env apply --check). */
enum MHD_Result api_env_updates(struct api_req *r)
{
	struct ferry_apply_spec spec = { r->params[0], NULL, NULL };
	struct ferry_error err;
	struct ferry_env e;
	json_t *b, *report = NULL;

	if (!(b = api_body_opt(r)))
		return r->ret;
	if (!json_is_true(json_object_get(b, "check")))
		return env_call(r, "env.apply");
	if (api_env_access(r, FERRY_TOKEN_VIEWER, &e) ||
	    api_member_str(r, b, "package", 1, &spec.package) || api_member_str(r, b, "slot", 0, &spec.slot))
		return r->ret;
	ferry_error_clear(&err);
	if (ferry_servicing_check(r->ctx, &spec, &report, &err)) {
		api_ferror(r, &err);
		json_decref(report);
		return r->ret;
	}
	return api_json(r, 200, report);
}

enum MHD_Result api_env_history(struct api_req *r)
{
	return api_env_read(r, ferry_servicing_history);
}

enum MHD_Result api_upgrade_status(struct api_req *r)
{
	return api_env_read(r, ferry_upgrade_status);
}

enum MHD_Result api_upgrade_targets(struct api_req *r)
{
	return api_env_read(r, ferry_upgrade_targets);
}

/* ?to=RELEASE[/PUn] before begin, ?data=true before the data upgrade (upgrade preflight).
 * A failed check is an answer: 200 with ok false and every check. */
enum MHD_Result api_upgrade_preflight(struct api_req *r)
{
	const char *to = api_query(r, "to"), *data = api_query(r, "data");
	int is_data = data && !strcmp(data, "true");
	struct ferry_upgrade u;
	struct ferry_error err;
	struct ferry_env e;
	char rel[32], pu[32];
	json_t *rep = NULL;
	int rc;

	if (!to == !is_data)
		return api_error(r, 400, "invalid", "give ?to=RELEASE (before begin) or ?data=true "
				 "(before the data upgrade)");
	if (api_env_access(r, FERRY_TOKEN_VIEWER, &e))
		return r->ret;
	ferry_error_clear(&err);
	if (is_data) {
		if ((rc = ferry_upgrade_active(r->ctx, e.name, &u, &err)) <= 0) {
			if (rc == 0)
				ferry_error_set(&err, FERRY_ESTATE, "environment '%s' has no upgrade in "
						"progress: use ?to=RELEASE", e.name);
			return api_ferror(r, &err);
		}
		snprintf(rel, sizeof(rel), "%s", u.to_release);
		snprintf(pu, sizeof(pu), "%s", u.to_platform);
	} else if (ferry_upgrade_resolve_target(r->ctx, e.name, to, rel, pu, &err)) {
		return api_ferror(r, &err);
	}
	rc = ferry_preflight_run(r->ctx, e.name, rel, pu, is_data ? FERRY_PREFLIGHT_DATA :
				 FERRY_PREFLIGHT_BEGIN, &rep, &err);
	if (!rep)
		return api_ferror(r, &err);
	return api_json(r, 200, rep);
}
