/* SPDX-License-Identifier: MIT */
/* env_view.c: the environment as `ferry env show` and GET /api/environments/{env}
 * present it (see ferry/lifecycle/env_view.h): the record, its runtimes and, during an
 * upgrade, the original and upgrade-in-progress views. */
#include "ferry/lifecycle/env_view.h"

#include "ferry/base/error.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/project/env.h"
#include "ferry/runtime/runtime.h"

#include <string.h>

const char *ferry_env_serving_slot(struct ferry_ctx *ctx, const char *env)
{
	struct ferry_upgrade u;

	if (ferry_upgrade_active(ctx, env, &u, NULL) == 1 &&
	    (!strcmp(u.phase, FERRY_UP_DATA_UPGRADING) || !strcmp(u.phase, FERRY_UP_DATA_UPGRADED) ||
	     !strcmp(u.phase, FERRY_UP_COMMITTING)))
		return FERRY_SLOT_UPGRADE;
	return FERRY_SLOT_MAIN;
}

/* url, runtime state, pid, port and release of the slot that serves (the main slot's
 * under `--view original`), and every slot. */
static void add_runtime(struct ferry_ctx *ctx, json_t *o, int original)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *slot = original ? FERRY_SLOT_MAIN : ferry_env_serving_slot(ctx, name);
	char addr[128];
	json_t *rts, *m;

	if (ferry_runtime_env_json(ctx, name, 1, &rts, NULL))
		return;
	if (!(m = json_object_get(rts, slot)))
		m = json_object_get(rts, slot = FERRY_SLOT_MAIN);
	if (m) {
		json_object_set_new(o, "slot", json_string(slot));
		json_object_set(o, "url", json_object_get(m, "url"));
		/* where clients reach it: the main runtime, or a runtime on another host the
		 * address is routed to during an upgrade (docs/RUNTIME.md) */
		if (!ferry_runtime_address(ctx, name, addr))
			json_object_set_new(o, "address", json_string(addr));
		json_object_set(o, "runtime", json_object_get(m, "state"));
		json_object_set(o, "pid", json_object_get(m, "pid"));
		json_object_set(o, "port", json_object_get(m, "port"));
		json_object_set(o, "release", json_object_get(m, "release"));
	}
	json_object_set_new(o, "runtimes", rts);
}

int ferry_env_view(struct ferry_ctx *ctx, const char *env, const char *view, json_t **out,
		   struct ferry_error *err)
{
	struct ferry_upgrade u;
	struct ferry_env e;
	json_t *o;
	int rc;

	*out = NULL;
	if (view && strcmp(view, FERRY_VIEW_ORIGINAL) && strcmp(view, FERRY_VIEW_UPGRADE))
		return ferry_error_set(err, FERRY_EINVAL, "the view of an environment is '%s' or "
				       "'%s', not '%s'", FERRY_VIEW_ORIGINAL, FERRY_VIEW_UPGRADE, view);
	if ((rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	if (view && !strcmp(view, FERRY_VIEW_UPGRADE))
		return ferry_upgrade_view(ctx, e.name, out, err);
	if (!(o = ferry_env_to_json(&e)))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	add_runtime(ctx, o, view != NULL);
	if (view) {
		json_object_set_new(o, "view", json_string(FERRY_VIEW_ORIGINAL));
		if (ferry_upgrade_active(ctx, e.name, &u, NULL) == 1)
			json_object_set_new(o, "upgrade", json_pack("{s:s, s:s, s:s}", "phase", u.phase,
					    "to_release", u.to_release, "to_platform", u.to_platform));
	}
	*out = o;
	return 0;
}
