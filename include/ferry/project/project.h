/* SPDX-License-Identifier: MIT */
/* project.h: projects: the unit that owns environments, assets, keys and settings. */
#ifndef FERRY_PROJECT_H
#define FERRY_PROJECT_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

struct ferry_project {
	int64_t id;
	char name[64];
	char product[64];        /* catalog product id, e.g. "finance-operations" */
	char description[256];
	int allow_unsigned;      /* accept unsigned packages (recorded setting) */
	int64_t created_ms;
};

int ferry_project_create(struct ferry_ctx *ctx, const char *name, const char *product,
			 const char *description, struct ferry_error *err);
/* Load by name into *out (caller's storage). */
int ferry_project_get(struct ferry_ctx *ctx, const char *name, struct ferry_project *out,
		      struct ferry_error *err);
/* Remove; refused while the project still has environments. */
int ferry_project_rm(struct ferry_ctx *ctx, const char *name, struct ferry_error *err);
/* Record whether unsigned packages are accepted. */
int ferry_project_set_allow_unsigned(struct ferry_ctx *ctx, const char *name, int allow,
				     struct ferry_error *err);

/* JSON views (caller owns the reference). */
json_t *ferry_project_to_json(const struct ferry_project *p);
int ferry_project_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err);

#endif
