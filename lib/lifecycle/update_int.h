/* SPDX-License-Identifier: MIT */
/* update_int.h: what the files of the service-update cadence share (update_cadence.c:
 * settings, pauses, the plan and the calendar; update_tick.c: the scheduler). */
#ifndef FERRY_UPDATE_INT_H
#define FERRY_UPDATE_INT_H

#include "ferry/catalog/service_update.h"
#include "ferry/lifecycle/update_cadence.h"
#include "ferry/project/project.h"

#include <stddef.h>
#include <stdint.h>

#define UC_DAY_MS 86400000LL

/* One service update as it falls for one project. */
struct uc_plan {
	struct ferry_service_update u;
	int64_t sandbox_ms, prod_ms, len_ms; /* window starts (UTC) and length */
	int paused;
};

struct uc_project {
	struct ferry_project p;
	struct ferry_update_settings s;
	struct ferry_service_cadence cad;
	struct uc_plan *plan;
	size_t n;
};

/* Load the project, its settings, the catalog's updates and the plan of each. */
int uc_load(struct ferry_ctx *ctx, const char *project, struct uc_project *out,
	    struct ferry_error *err);
/* The same with a catalog already loaded (used when it is the project's product's,
 * else the product's catalog is opened). */
struct ferry_catalog;
int uc_load_with(struct ferry_ctx *ctx, const char *project, const struct ferry_catalog *catalog,
		 struct uc_project *out, struct ferry_error *err);
void uc_release(struct uc_project *up);

/* The run of (version, role, env): its state ("" when none) and activity. */
int uc_run_get(struct ferry_ctx *ctx, int64_t project_id, const char *version, const char *role,
	       const char *env, char state[24], char activity[37], int64_t *notified_ms,
	       struct ferry_error *err);

#endif
