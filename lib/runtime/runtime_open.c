/* SPDX-License-Identifier: MIT */
/* runtime_open.c: the table of runtime drivers and opening a runtime with the driver
 * its record names (a new runtime: the driver and host asked for, else the main
 * runtime's, else the environment's host, else local; a host other than "local" over
 * SSH). Below the dispatch (runtime_driver.c) and config.json
 * (runtime_config.c), which both open runtimes. */
#include "runtime/driver.h"
#include "runtime/host_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every driver this ferry has; a record naming another one cannot be opened. */
static const struct ferry_runtime_driver *const drivers[] = {
	&rt_driver_local,
	&rt_driver_ssh,
};

static const struct ferry_runtime_driver *driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

/* ---- open ---- */

/* Driver and host of a new runtime: asked for, else the main runtime's, else the
 * host the environment was created on (ferry env create --host), else local. A host
 * other than "local" is reached over SSH. */
static int choose_place(struct ferry_runtime *rt, const struct rt_new *n, struct ferry_error *err)
{
	char driver[16] = "local", host[64] = "local", placed[32];
	const char *d = n ? n->driver : NULL, *h = n ? n->host : NULL;

	if ((!d || !h) && strcmp(rt->slot, FERRY_SLOT_MAIN) && rt_rec_main_place(rt, driver, host)) {
		d = d ? d : driver;
		h = h ? h : host;
	}
	if (!h && !host_rec_env_host(rt->ctx, rt->env.id, placed))
		h = placed;
	h = h ? h : "local";
	d = d ? d : strcmp(h, "local") ? "ssh" : "local";
	if (snprintf(rt->driver, sizeof(rt->driver), "%s", d) >= (int)sizeof(rt->driver) ||
	    snprintf(rt->host, sizeof(rt->host), "%s", h) >= (int)sizeof(rt->host))
		return ferry_error_set(err, FERRY_EINVAL, "driver '%s' or host '%s': name too long", d, h);
	return 0;
}

int ferry_runtime_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
		       struct ferry_runtime **out, struct ferry_error *err)
{
	return rt_open(ctx, env, slot, create, NULL, out, err);
}

int ferry_runtime_open_on(struct ferry_ctx *ctx, const char *env, const char *slot,
			  const char *host, struct ferry_runtime **out, struct ferry_error *err)
{
	struct rt_new n = { NULL, NULL, host };

	if (host && strcmp(host, "local") && host_name_check(host, err))
		return err ? err->code : FERRY_EINVAL;
	return rt_open(ctx, env, slot, 1, &n, out, err);
}

int rt_open(struct ferry_ctx *ctx, const char *env, const char *slot, int create,
	    const struct rt_new *n, struct ferry_runtime **out, struct ferry_error *err)
{
	struct ferry_runtime *rt;
	int rc, found = 0;

	*out = NULL;
	slot = slot && *slot ? slot : FERRY_SLOT_MAIN;
	if ((rc = ferry_name_check(slot, "slot", err)))
		return rc;
	if (!(rt = calloc(1, sizeof(*rt))))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rt->ctx = ctx;
	snprintf(rt->slot, sizeof(rt->slot), "%s", slot);
	if ((rc = ferry_env_get(ctx, env, &rt->env, err)) || (rc = rt_rec_load(rt, &found, err)))
		goto fail;
	if (!found && !create) {
		rc = strcmp(slot, FERRY_SLOT_MAIN)
			? ferry_error_set(err, FERRY_ENOTFOUND, "environment '%s' has no '%s' runtime", env, slot)
			: ferry_error_set(err, FERRY_ENOTFOUND,
				"nothing deployed on environment '%s': run 'ferry env deploy %s --package REF' first",
				env, env);
		goto fail;
	}
	if (!found && (rc = choose_place(rt, n, err)))
		goto fail;
	if (!(rt->drv = driver_find(rt->driver))) {
		rc = ferry_error_set(err, FERRY_ESTATE, "environment '%s' (%s) runs on driver '%s', which "
				     "this ferry does not have: use the ferry that created it", env,
				     slot, rt->driver);
		goto fail;
	}
	if ((rc = rt->drv->attach(rt, err)))
		goto fail;
	if (!found && rt->drv->reach && (rc = rt->drv->reach(rt, err)))
		goto fail;
	if (!found)
		rc = rt_rec_create(rt, n ? n->db_base : NULL, err);
	else if (!(rc = rt_rec_db_base_check(rt, n ? n->db_base : NULL, err)))
		rc = rt->drv->prepare(rt, err);
	if (rc)
		goto fail;
	*out = rt;
	return 0;
fail:
	ferry_runtime_free(rt);
	return rc;
}
