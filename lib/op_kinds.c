/* op_kinds.c: the registry of operation kinds (one line per kind, like schema.c). */
#include "ferry/op.h"

#include <stddef.h>
#include <string.h>

#include "op_int.h"

/* Every kind ferry can run. Subsystems add one line each. */
static const struct ferry_op_kind *const kinds[] = {
	&ferry_op_kind_selftest,
	&ferry_op_kind_env_apply,
	&ferry_op_kind_env_rollback,
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
