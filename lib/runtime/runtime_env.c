/* SPDX-License-Identifier: MIT */
/* runtime_env.c: what `ferry env deploy|start|stop|show|rm` do with an environment's
 * runtimes (through their drivers), keeping the environment's recorded state in step. */
#include "runtime/runtime_int.h"

#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_RELEASES 1  /* besides the current one: what a rollback needs */

static int app_manifest(const char *dir, json_t **out, struct ferry_error *err)
{
	char *p = ferry_path_join(dir, "manifest.json");
	const json_t *exec;
	json_error_t je;
	const char *type;
	json_t *man;

	*out = NULL;
	if (!p)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	man = json_load_file(p, 0, &je);
	if (!man || !json_is_object(man)) {
		json_decref(man);
		ferry_error_set(err, FERRY_EINVAL, "cannot read %s: %s", p, je.text);
		free(p);
		return FERRY_EINVAL;
	}
	free(p);
	type = json_string_value(json_object_get(man, "type"));
	exec = json_object_get(json_object_get(man, "service"), "exec");
	if (!type || strcmp(type, "application")) {
		ferry_error_set(err, FERRY_EINVAL,
			"package in %s is of type '%s', not 'application': deploy takes a whole release; "
			"apply other packages with 'ferry env apply'", dir, type ? type : "?");
		json_decref(man);
		return FERRY_EINVAL;
	}
	if (!json_is_array(exec) || !json_array_size(exec)) {
		json_decref(man);
		return ferry_error_set(err, FERRY_EINVAL,
			"application package in %s has no service.exec: ferry cannot start it", dir);
	}
	*out = man;
	return 0;
}

static int deploy_allowed(const struct ferry_env *e, struct ferry_error *err)
{
	if (e->state == FERRY_ENV_SERVICING || e->state == FERRY_ENV_UPGRADING ||
	    e->state == FERRY_ENV_AWAITING_SIGNOFF)
		return ferry_error_set(err, FERRY_ESTATE,
			"environment '%s' is %s: finish, sign off, cancel or roll back that first",
			e->name, ferry_env_state_name(e->state));
	return 0;
}

/* The environment now runs what the package provides. */
static int record_release(struct ferry_ctx *ctx, const struct ferry_env *e, const json_t *man,
			  struct ferry_error *err)
{
	const json_t *pv = json_object_get(man, "provides");
	const char *rel = json_string_value(json_object_get(pv, "release"));
	const char *pu = json_string_value(json_object_get(pv, "platform"));

	return ferry_store_run(ctx->store, err,
		"UPDATE environments SET app_release = coalesce(?, app_release), "
		"platform = coalesce(?, platform), updated_ms = ? WHERE id = ?", "ttii",
		rel, pu, ferry_now_ms(), e->id);
}

static int deploy_locked(struct ferry_runtime *rt, const char *dir, const json_t *man,
			 const struct ferry_deploy_opts *o, int main_slot,
			 char out_id[FERRY_RELEASE_ID_MAX], struct ferry_error *err)
{
	struct ferry_ctx *ctx = rt->ctx;
	int rc;

	if ((rc = ferry_runtime_release_install(rt, dir, out_id, err)))
		return rc;
	if (main_slot && (rc = ferry_env_set_state(ctx, rt->env.id, FERRY_ENV_DEPLOYING, err)))
		return rc;
	if ((rc = ferry_runtime_stop(rt, 0, NULL, err)) ||
	    (rc = ferry_runtime_release_switch(rt, out_id, err)) ||
	    (main_slot && (rc = record_release(ctx, &rt->env, man, err))) ||
	    (rc = ferry_runtime_config_write(rt, err)))
		goto fail;
	rt_log(rt, "deployed release %s", out_id);
	if (!o->no_start && (rc = ferry_runtime_start(rt, o->timeout_s, NULL, err)))
		goto fail;
	if ((rc = ferry_runtime_release_prune(rt, KEEP_RELEASES, err)))
		goto fail;
	if (main_slot)
		rc = ferry_env_set_state(ctx, rt->env.id,
					 o->no_start ? FERRY_ENV_STOPPED : FERRY_ENV_DEPLOYED, err);
	return rc;
fail:
	if (main_slot)
		ferry_env_set_state(ctx, rt->env.id, FERRY_ENV_FAILED, NULL);
	return rc;
}

int ferry_runtime_deploy(struct ferry_ctx *ctx, const char *env, const char *dir,
			 const struct ferry_deploy_opts *o, char out_id[FERRY_RELEASE_ID_MAX],
			 struct ferry_error *err)
{
	static const struct ferry_deploy_opts none = { 0 };
	struct ferry_runtime *rt = NULL;
	struct ferry_env e;
	struct rt_new n = { 0 };
	json_t *man = NULL;
	int rc, main_slot;

	o = o ? o : &none;
	main_slot = !o->slot || !strcmp(o->slot, FERRY_SLOT_MAIN);
	if ((rc = ferry_env_get(ctx, env, &e, err)) || (rc = app_manifest(dir, &man, err)))
		goto out;
	if (main_slot && (rc = deploy_allowed(&e, err)))
		goto out;
	n.db_base = o->db;
	if ((rc = rt_open(ctx, env, o->slot, 1, &n, &rt, err)) || (rc = rt_lock(rt, err)))
		goto out;
	rc = deploy_locked(rt, dir, man, o, main_slot, out_id, err);
	rt_unlock(rt);
out:
	ferry_runtime_free(rt);
	json_decref(man);
	if (rc)
		ferry_error_prefix(err, "deploying onto environment '%s'", env);
	return rc;
}

int ferry_runtime_env_start(struct ferry_ctx *ctx, const char *env, const char *slot,
			    int timeout_s, int new_port, int *already, struct ferry_error *err)
{
	struct ferry_runtime *rt;
	int rc;

	if ((rc = ferry_runtime_open(ctx, env, slot, 0, &rt, err)))
		return rc;
	if (new_port && (rc = ferry_runtime_new_port(rt, err)))
		goto out;
	if ((rc = ferry_runtime_start(rt, timeout_s, already, err)))
		goto out;
	if (!strcmp(rt->slot, FERRY_SLOT_MAIN) &&
	    (rt->env.state == FERRY_ENV_STOPPED || rt->env.state == FERRY_ENV_NEW))
		rc = ferry_env_set_state(ctx, rt->env.id, FERRY_ENV_DEPLOYED, err);
out:
	ferry_runtime_free(rt);
	return rc;
}

int ferry_runtime_env_stop(struct ferry_ctx *ctx, const char *env, const char *slot,
			   int grace_s, int *killed, struct ferry_error *err)
{
	struct ferry_runtime *rt;
	int rc;

	if ((rc = ferry_runtime_open(ctx, env, slot, 0, &rt, err)))
		return rc;
	rc = ferry_runtime_stop(rt, grace_s, killed, err);
	if (!rc && !strcmp(rt->slot, FERRY_SLOT_MAIN) && rt->env.state == FERRY_ENV_DEPLOYED)
		rc = ferry_env_set_state(ctx, rt->env.id, FERRY_ENV_STOPPED, err);
	ferry_runtime_free(rt);
	return rc;
}

int ferry_runtime_env_json(struct ferry_ctx *ctx, const char *env, int probe, json_t **out,
			   struct ferry_error *err)
{
	json_t *slots, *o, *v;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = ferry_runtime_slots(ctx, env, &slots, err)))
		return rc;
	o = json_object();
	json_array_foreach(slots, i, v) {
		struct ferry_runtime_status st;
		struct ferry_runtime *rt;
		if (ferry_runtime_open(ctx, env, json_string_value(v), 0, &rt, NULL))
			continue;
		ferry_runtime_status(rt, probe, &st);
		json_object_set_new(o, json_string_value(v), ferry_runtime_to_json(rt, &st));
		ferry_runtime_free(rt);
	}
	json_decref(slots);
	*out = o;
	return 0;
}

int ferry_runtime_env_remove(struct ferry_ctx *ctx, const char *env, struct ferry_error *err)
{
	struct ferry_env e;
	json_t *slots = NULL, *v;
	char *dir = NULL, rel[128];
	size_t i;
	int rc;

	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if (e.state == FERRY_ENV_SERVICING || e.state == FERRY_ENV_UPGRADING ||
	    e.state == FERRY_ENV_DEPLOYING)
		return ferry_env_rm(ctx, env, err);     /* refuses with the reason */
	if ((rc = ferry_runtime_slots(ctx, env, &slots, err)))
		return rc;
	json_array_foreach(slots, i, v) {
		struct ferry_runtime *rt;
		if ((rc = ferry_runtime_open(ctx, env, json_string_value(v), 0, &rt, err)))
			goto out;
		/* whole: a runtime on another host leaves nothing there either */
		if (!(rc = ferry_runtime_destroy(rt, 1, err)))
			rc = ferry_runtime_purge(rt, err);
		ferry_runtime_free(rt);
		if (rc)
			goto out;
	}
	if ((rc = ferry_env_rm(ctx, env, err)))
		goto out;
	snprintf(rel, sizeof(rel), "environments/%s", env);
	if ((dir = ferry_ctx_path(ctx, rel)))
		rc = ferry_rm_rf(dir, err);
out:
	if (rc)
		ferry_error_prefix(err, "removing environment '%s'", env);
	free(dir);
	json_decref(slots);
	return rc;
}
