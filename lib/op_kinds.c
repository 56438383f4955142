/* op_kinds.c: the registry of operation kinds (one line per kind, like schema.c). */
#include "ferry/op.h"

#include <stddef.h>
#include <string.h>

#include "op_int.h"
#include "upgrade_int.h"

/* Every kind ferry can run. Subsystems add one line each. */
static const struct ferry_op_kind *const kinds[] = {
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

const struct ferry_op_kind *ferry_op_kind_find(const char *name)
{
	size_t i;

	for (i = 0; name && kinds[i]; i++)
		if (!strcmp(kinds[i]->name, name))
			return kinds[i];
	return NULL;
}
