/* SPDX-License-Identifier: MIT */
/* env.h: environments (development, sandbox, production) and their lifecycle states. */
#ifndef FERRY_ENV_H
#define FERRY_ENV_H

#include <jansson.h>
#include <stdint.h>

struct ferry_buf;
struct ferry_ctx;
struct ferry_error;

enum ferry_env_role {
	FERRY_ROLE_DEVELOPMENT,
	FERRY_ROLE_SANDBOX,
	FERRY_ROLE_PRODUCTION
};

enum ferry_env_state {
	FERRY_ENV_NEW,              /* recorded, nothing deployed yet */
	FERRY_ENV_DEPLOYING,
	FERRY_ENV_DEPLOYED,         /* running or ready to run */
	FERRY_ENV_SERVICING,        /* a package is being applied */
	FERRY_ENV_AWAITING_SIGNOFF, /* a package was applied, waiting for Sign off */
	FERRY_ENV_FAILED,           /* an operation failed; resume or roll back */
	FERRY_ENV_STOPPED,          /* deallocated: runtime stopped */
	FERRY_ENV_UPGRADING,        /* a self-service upgrade is in progress */
	FERRY_ENV_DELETED
};

struct ferry_env {
	int64_t id;
	int64_t project_id;
	char name[64];
	char project[64];
	enum ferry_env_role role;
	enum ferry_env_state state;
	char product[64];
	char app_release[32];   /* catalog release id, e.g. "7.3" */
	char platform[32];      /* platform update, e.g. "PU20" */
	int64_t created_ms;
	int64_t updated_ms;
};

const char *ferry_env_role_name(enum ferry_env_role r);
int ferry_env_role_parse(const char *s, enum ferry_env_role *out, struct ferry_error *err);
const char *ferry_env_state_name(enum ferry_env_state s);
int ferry_env_state_parse(const char *s, enum ferry_env_state *out);

/* Parameters of `ferry env create`. */
struct ferry_env_spec {
	const char *name;
	const char *project;
	const char *role;
	const char *product;     /* NULL: the project's product */
	const char *app_release;
	const char *platform;
};

/* Record a new environment (one transaction). Names are unique across projects. */
int ferry_env_create(struct ferry_ctx *ctx, const struct ferry_env_spec *spec,
		     struct ferry_error *err);
/* The same; in_tx (may be NULL) is called inside the creating transaction with the new
 * environment's id, so a layer above records what belongs with it (its host); its
 * failure undoes everything. */
typedef int (*ferry_env_in_tx_fn)(void *arg, struct ferry_ctx *ctx, int64_t env_id,
				  struct ferry_error *err);
int ferry_env_create_with(struct ferry_ctx *ctx, const struct ferry_env_spec *spec,
			  ferry_env_in_tx_fn in_tx, void *arg, struct ferry_error *err);
/* Load a live (not deleted) environment by name into caller storage. */
int ferry_env_get(struct ferry_ctx *ctx, const char *name, struct ferry_env *out,
		  struct ferry_error *err);
/* Mark deleted; refused while servicing or upgrading. */
int ferry_env_rm(struct ferry_ctx *ctx, const char *name, struct ferry_error *err);
/* Set the state inside the caller's transaction (or alone when none is open). */
int ferry_env_set_state(struct ferry_ctx *ctx, int64_t env_id, enum ferry_env_state st,
			struct ferry_error *err);

json_t *ferry_env_to_json(const struct ferry_env *e);
/* List live environments; project may be NULL for all; include_deleted shows all. */
/* The same list written as JSON text into out without a tree: pretty (keys sorted,
 * indented: what json_dumps(JSON_INDENT(2) | JSON_SORT_KEYS) gives of the list) or
 * compact (JSON_COMPACT, the keys in ferry_env_to_json's order). */
int ferry_env_list_write(struct ferry_ctx *ctx, const char *project, int include_deleted,
			 int pretty, struct ferry_buf *out, struct ferry_error *err);
int ferry_env_list(struct ferry_ctx *ctx, const char *project, int include_deleted,
		   json_t **out, struct ferry_error *err);

#endif
