/* SPDX-License-Identifier: MIT */
/* token.h: API tokens for ferryd: random secrets shown once, stored only as salted
 * hashes, with a role (viewer < operator < admin), an optional project scope, an
 * optional expiry, and revocation. The CLI on the home is the local administrator. */
#ifndef FERRY_TOKEN_H
#define FERRY_TOKEN_H

#include <jansson.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

/* Ordered: a higher role may do everything a lower one may. */
enum ferry_token_role {
	FERRY_TOKEN_NONE = 0,      /* unauthenticated */
	FERRY_TOKEN_VIEWER = 1,    /* read everything in scope */
	FERRY_TOKEN_OPERATOR = 2,  /* run operations, create environments */
	FERRY_TOKEN_ADMIN = 3      /* projects, features, tokens, deletions */
};

/* A verified token (no secret, no hash). */
struct ferry_token {
	int64_t id;
	char name[64];
	enum ferry_token_role role;
	char project[64];          /* "" = every project */
	int64_t created_ms;
	int64_t expires_ms;        /* 0 = never */
};

struct ferry_token_spec {
	const char *name;
	const char *role;          /* "viewer", "operator", "admin" */
	const char *project;       /* NULL or "" = every project */
	int64_t expires_ms;        /* absolute epoch ms; 0 = never */
};

const char *ferry_token_role_name(enum ferry_token_role r);
int ferry_token_role_parse(const char *s, enum ferry_token_role *out, struct ferry_error *err);

/* Parse an expiry: "never", a duration "90d", "12h", "30m", or a date "2026-12-31"
 * (UTC midnight). Writes absolute epoch ms (0 = never) relative to now_ms. */
int ferry_token_expiry_parse(const char *s, int64_t now_ms, int64_t *out,
			     struct ferry_error *err);

/* Create a token (one transaction). On success *secret is the token to hand to the
 * user, the only time it exists outside the caller (caller frees, after wiping it
 * with ferry_token_secret_free). *info (may be NULL) is the token's JSON view. */
int ferry_token_create(struct ferry_ctx *ctx, const struct ferry_token_spec *spec,
		       char **secret, json_t **info, struct ferry_error *err);
/* Wipe and free a secret; accepts NULL. */
void ferry_token_secret_free(char *secret);

/* Check a presented secret: FERRY_EREFUSED when unknown, malformed, revoked or
 * expired (the message says which, never echoing the secret). */
int ferry_token_verify(struct ferry_ctx *ctx, const char *secret, struct ferry_token *out,
		       struct ferry_error *err);

/* May token t act with role `need` on `project` (NULL: not project-bound, which a
 * scoped token may never do)? 0 or FERRY_EREFUSED with a message. */
int ferry_token_allows(const struct ferry_token *t, enum ferry_token_role need,
		       const char *project, struct ferry_error *err);

/* Revoke by name; FERRY_ENOTFOUND when no live token has that name. */
int ferry_token_revoke(struct ferry_ctx *ctx, const char *name, struct ferry_error *err);

/* Every token (live, expired and revoked), newest first, without secrets. */
int ferry_token_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err);
json_t *ferry_token_to_json(const struct ferry_token *t);

/* This component's tables (tokens), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_tokens;

#endif
