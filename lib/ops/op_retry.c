/* SPDX-License-Identifier: MIT */
/* op_retry.c: a store that is away for a moment, as the runner and its steps see it: a
 * journal write or read that failed is tried again for up to the lease's time to live;
 * and whether a stop was asked. */
#include "ops/op_run_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <time.h>

int op_stop_asked(const struct ferry_op_hooks *h)
{
	return h && h->stop && *h->stop;
}

/* A journal write (or read) that failed because the store was unreachable or busy is
 * tried again, after a pause that grows to a second, for up to the lease's time to
 * live since the first failure: a store restart or failover must not strand the
 * operation. Never after a fence, another kind of failure or a stop request.
 * 1: try again (after the pause); *since holds the time of the first failure. */
int op_run_again(struct ferry_ctx *ctx, const struct ferry_op_hooks *h, int rc, int64_t *since)
{
	int64_t now = ferry_mono_ms(), ms;
	struct timespec ts;

	if (rc != FERRY_ESTORE || ferry_store_fenced(ctx->store) || op_stop_asked(h))
		return 0;
	if (!*since)
		*since = now;
	if (now - *since >= op_lease_ttl_ms(&ctx->settings))
		return 0;
	ms = now - *since < 1000 ? 100 : 1000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}
