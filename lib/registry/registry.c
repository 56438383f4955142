/* SPDX-License-Identifier: MIT */
/* registry.c: the top of libferry: the one list of every component's tables and
 * operation kinds, and the open calls that hand them to the store and the engine.
 * A new component adds one line here; nothing below names the layers above it. */
#include "ferry/registry/registry.h"
#include "ferry/base/error.h"
#include "ferry/lifecycle/support.h"
#include "ferry/lifecycle/update_cadence.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/ops/op.h"
#include "ferry/ops/periodic.h"
#include "ferry/ops/schedule.h"
#include "ferry/package/keys.h"
#include "ferry/project/notify.h"
#include "ferry/project/token.h"
#include "ferry/runtime/host.h"
#include "ferry/runtime/runtime.h"
#include "ferry/runtime/sandbox.h"
#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"
#include "lifecycle/servicing_int.h"
#include "lifecycle/upgrade_int.h"

#include <stddef.h>

/* Components, in dependency order (one line each). */
const struct ferry_migrations *const ferry_schema_all[] = {
	&ferry_schema_core,
	&ferry_schema_tokens,
	&ferry_schema_audit,
	&ferry_schema_op,
	&ferry_schema_notify,
	&ferry_schema_packages,
	&ferry_schema_runtime,
	&ferry_schema_host,
	&ferry_schema_sandbox,
	&ferry_schema_upgrade,
	&ferry_schema_schedule,
	&ferry_schema_periodic,
	&ferry_schema_update_cadence,
	&ferry_schema_support,
	NULL
};

/* Every kind ferry can run (one line each). */
const struct ferry_op_kind *const ferry_op_kinds_all[] = {
	&ferry_op_kind_selftest,
	&ferry_op_kind_env_apply,
	&ferry_op_kind_env_rollback,
	&ferry_op_kind_upgrade_prepare,
	&ferry_op_kind_upgrade_data,
	&ferry_op_kind_upgrade_commit,
	&ferry_op_kind_upgrade_rollback,
	&ferry_op_kind_upgrade_cancel,
	&ferry_op_kind_db_refresh,
	&ferry_op_kind_db_copy,
	&ferry_op_kind_env_data_upgrade,
	NULL
};

int ferry_ctx_init_home(const struct ferry_settings *settings, struct ferry_error *err)
{
	return ferry_ctx_init_home_with(settings, ferry_schema_all, err);
}

int ferry_ctx_open(const struct ferry_settings *settings, struct ferry_ctx **out,
		   struct ferry_error *err)
{
	return ferry_ctx_open_with(settings, ferry_schema_all, ferry_op_kinds_all, out, err);
}
