/* SPDX-License-Identifier: MIT */
/* feature.h: per-project preview features (LCS "Preview feature management"). */
#ifndef FERRY_FEATURE_H
#define FERRY_FEATURE_H

#include <jansson.h>

struct ferry_ctx;
struct ferry_error;

#define FERRY_FEATURE_UPGRADE_SELF_SERVE "upgrade-self-serve"

/* Enable or disable a known feature for a project. */
int ferry_feature_set(struct ferry_ctx *ctx, const char *project, const char *name,
		      int enabled, struct ferry_error *err);
/* 1 when enabled, 0 when off, negative on error. */
int ferry_feature_enabled(struct ferry_ctx *ctx, const char *project, const char *name,
			  struct ferry_error *err);
/* Refuse with a message saying how to enable `name` when it is off. */
int ferry_feature_require(struct ferry_ctx *ctx, const char *project, const char *name,
			  struct ferry_error *err);
/* Every known feature with its state for the project. */
int ferry_feature_list(struct ferry_ctx *ctx, const char *project, json_t **out,
		       struct ferry_error *err);

#endif
