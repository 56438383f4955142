/* SPDX-License-Identifier: MIT */
/* registry.h: opening libferry with every component: the top of the library.
 *
 * Each layer below defines its own tables (ferry_schema_<component>) and operation
 * kinds (ferry_op_kind_<name>); lib/registry/registry.c lists them in one place, so
 * the store and the operation engine never name the layers above them. The faces
 * (ferry, ferryd) and the tests open a context here. */
#ifndef FERRY_REGISTRY_H
#define FERRY_REGISTRY_H

struct ferry_ctx;
struct ferry_error;
struct ferry_migrations;
struct ferry_op_kind;
struct ferry_settings;

/* Every component's tables, lowest layer first (NULL-terminated). */
extern const struct ferry_migrations *const ferry_schema_all[];
/* Every operation kind the library runs (NULL-terminated). */
extern const struct ferry_op_kind *const ferry_op_kinds_all[];

/* Create settings->home and the store (idempotent), with every component's tables. */
int ferry_ctx_init_home(const struct ferry_settings *settings, struct ferry_error *err);

/* Open the existing home settings->home with every component; a missing home says how
 * to create it. The context keeps its own copy of settings (ctx->settings), from which
 * the library takes every value it is told (ferry/base/settings.h). Caller frees with
 * ferry_ctx_free(). */
int ferry_ctx_open(const struct ferry_settings *settings, struct ferry_ctx **out,
		   struct ferry_error *err);

#endif
