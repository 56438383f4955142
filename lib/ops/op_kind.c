/* SPDX-License-Identifier: MIT */
/* op_kind.c: finding an operation kind by name among those the context runs. The
 * kinds themselves are defined by the layers above and listed in lib/registry. */
#include "ferry/ops/op.h"
#include "ferry/store/ctx.h"

#include <stddef.h>
#include <string.h>

const struct ferry_op_kind *ferry_op_kind_find(const struct ferry_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; name && ctx && ctx->op_kinds && ctx->op_kinds[i]; i++)
		if (!strcmp(ctx->op_kinds[i]->name, name))
			return ctx->op_kinds[i];
	return NULL;
}
