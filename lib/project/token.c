/* SPDX-License-Identifier: MIT */
/* token.c: API tokens: generation, salted hashing (BLAKE2b keyed by a per-token salt),
 * verification, scope checks, revocation. A secret is "ferry_<id>_<secret>": the
 * public id finds the row, only the hash of the secret part is stored. */
#include "ferry/project/token.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYID_BYTES 8
#define SECRET_BYTES 32
#define SALT_BYTES 16
#define HASH_BYTES 32
#define TOKEN_PREFIX "ferry_"

static const char *const tokens_steps[] = {
	/* 1: API tokens; the secret is never stored, only hash(salt, secret) */
	"CREATE TABLE api_tokens("
	"  id INTEGER PRIMARY KEY,"
	"  keyid TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),"
	"  project TEXT,"
	"  salt TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER NOT NULL DEFAULT 0,"
	"  revoked_ms INTEGER NOT NULL DEFAULT 0,"
	"  last_used_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_ms = 0;",
};

const struct ferry_migrations ferry_schema_tokens = {
	"tokens", tokens_steps, (int)(sizeof(tokens_steps) / sizeof(tokens_steps[0]))
};

static const char *const role_names[] = { "none", "viewer", "operator", "admin" };

const char *ferry_token_role_name(enum ferry_token_role r)
{
	return (unsigned)r <= FERRY_TOKEN_ADMIN ? role_names[r] : "unknown";
}

int ferry_token_role_parse(const char *s, enum ferry_token_role *out, struct ferry_error *err)
{
	int i;

	for (i = FERRY_TOKEN_VIEWER; i <= FERRY_TOKEN_ADMIN; i++) {
		if (s && !strcmp(s, role_names[i])) {
			*out = (enum ferry_token_role)i;
			return 0;
		}
	}
	return ferry_error_set(err, FERRY_EINVAL,
		"invalid token role '%s': use viewer, operator or admin", s ? s : "");
}

int ferry_token_expiry_parse(const char *s, int64_t now_ms, int64_t *out,
			     struct ferry_error *err)
{
	static const struct { char unit; int64_t ms; } units[] = {
		{ 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }
	};
	struct tm tm;
	char *end;
	size_t i, n = s ? strlen(s) : 0;
	long long v;

	if (n && !strcmp(s, "never")) {
		*out = 0;
		return 0;
	}
	for (i = 0; n > 1 && i < 3; i++) {
		char num[24];
		if (s[n - 1] != units[i].unit || n - 1 >= sizeof(num))
			continue;
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if (ferry_parse_int(num, 1, 36500LL * 24 * 60, &v))
			break;
		*out = now_ms + v * units[i].ms;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = n ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	if (end && !*end) {
		int64_t ms = (int64_t)timegm(&tm) * 1000;
		if (ms <= now_ms)
			return ferry_error_set(err, FERRY_EINVAL,
				"expiry '%s' is in the past: give a future date or a duration like 90d", s);
		*out = ms;
		return 0;
	}
	return ferry_error_set(err, FERRY_EINVAL,
		"invalid expiry '%s': use a duration (30m, 12h, 90d), a date (2026-12-31) or 'never'",
		s ? s : "");
}

static void hash_secret(const char *salt_hex, const char *secret, char out[HASH_BYTES * 2 + 1])
{
	unsigned char salt[SALT_BYTES], h[HASH_BYTES];
	size_t saltlen = 0;

	sodium_hex2bin(salt, sizeof(salt), salt_hex, strlen(salt_hex), NULL, &saltlen, NULL);
	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret),
			   salt, sizeof(salt));
	sodium_bin2hex(out, HASH_BYTES * 2 + 1, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}

static int token_spec_check(struct ferry_ctx *ctx, const struct ferry_token_spec *spec,
			    enum ferry_token_role *role, struct ferry_error *err)
{
	struct ferry_project p;
	int rc;

	if ((rc = ferry_name_check(spec->name, "token", err)) ||
	    (rc = ferry_token_role_parse(spec->role, role, err)))
		return rc;
	if (spec->expires_ms && spec->expires_ms <= ferry_now_ms())
		return ferry_error_set(err, FERRY_EINVAL, "token '%s' would expire in the past", spec->name);
	if (spec->project && *spec->project && (rc = ferry_project_get(ctx, spec->project, &p, err)))
		return ferry_error_prefix(err, "scoping token '%s'", spec->name);
	return 0;
}

static int token_exists(struct ferry_ctx *ctx, const char *name, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT 1 FROM api_tokens WHERE name = ? AND revoked_ms = 0", "t", name);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	ferry_stmt_free(st);
	return rc;
}

int ferry_token_create(struct ferry_ctx *ctx, const struct ferry_token_spec *spec,
		       char **secret, json_t **info, struct ferry_error *err)
{
	unsigned char keyid[KEYID_BYTES], sec[SECRET_BYTES], salt[SALT_BYTES];
	char keyid_hex[KEYID_BYTES * 2 + 1], sec_hex[SECRET_BYTES * 2 + 1];
	char salt_hex[SALT_BYTES * 2 + 1], hash_hex[HASH_BYTES * 2 + 1];
	struct ferry_token t;
	enum ferry_token_role role;
	char *out = NULL;
	size_t outlen;
	int rc;

	*secret = NULL;
	if (info)
		*info = NULL;
	if (sodium_init() < 0)
		return ferry_error_set(err, FERRY_EINTERNAL, "libsodium failed to initialise");
	if ((rc = token_spec_check(ctx, spec, &role, err)))
		return rc;
	randombytes_buf(keyid, sizeof(keyid));
	randombytes_buf(sec, sizeof(sec));
	randombytes_buf(salt, sizeof(salt));
	sodium_bin2hex(keyid_hex, sizeof(keyid_hex), keyid, sizeof(keyid));
	sodium_bin2hex(sec_hex, sizeof(sec_hex), sec, sizeof(sec));
	sodium_bin2hex(salt_hex, sizeof(salt_hex), salt, sizeof(salt));
	hash_secret(salt_hex, sec_hex, hash_hex);
	outlen = strlen(TOKEN_PREFIX) + sizeof(keyid_hex) + sizeof(sec_hex) + 1;
	if (!(out = malloc(outlen))) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto wipe;
	}
	snprintf(out, outlen, TOKEN_PREFIX "%s_%s", keyid_hex, sec_hex);
	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "%s", spec->name);
	snprintf(t.project, sizeof(t.project), "%s", spec->project ? spec->project : "");
	t.role = role;
	t.created_ms = ferry_now_ms();
	t.expires_ms = spec->expires_ms;
	if ((rc = ferry_store_begin(ctx->store, err)))
		goto wipe;
	if ((rc = token_exists(ctx, spec->name, err)) != 0) {
		if (rc > 0)
			rc = ferry_error_set(err, FERRY_EEXIST,
				"a live token named '%s' exists: revoke it first ('ferry token revoke %s') or choose another name",
				spec->name, spec->name);
		goto fail;
	}
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO api_tokens(keyid, name, role, project, salt, hash, created_by, created_ms, "
		"expires_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", "tttttttii", keyid_hex, t.name,
		ferry_token_role_name(role), t.project[0] ? t.project : NULL, salt_hex, hash_hex,
		ctx->actor ? ctx->actor : "unknown", t.created_ms, t.expires_ms);
	if (rc || (rc = ferry_store_commit(ctx->store, err)))
		goto fail;
	if (info)
		*info = ferry_token_to_json(&t);
	*secret = out;
	out = NULL;
	goto wipe;
fail:
	ferry_store_rollback(ctx->store);
wipe:
	ferry_token_secret_free(out);
	sodium_memzero(sec, sizeof(sec));
	sodium_memzero(sec_hex, sizeof(sec_hex));
	return rc;
}

void ferry_token_secret_free(char *secret)
{
	if (!secret)
		return;
	sodium_memzero(secret, strlen(secret));
	free(secret);
}

/* Split "ferry_<16 hex>_<64 hex>" into its parts; 0 or -1. */
static int token_split(const char *s, char keyid[KEYID_BYTES * 2 + 1], const char **sec)
{
	size_t pl = strlen(TOKEN_PREFIX), i;

	if (!s || strncmp(s, TOKEN_PREFIX, pl) || strlen(s) != pl + KEYID_BYTES * 2 + 1 + SECRET_BYTES * 2)
		return -1;
	s += pl;
	for (i = 0; i < KEYID_BYTES * 2; i++) {
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return -1;
		keyid[i] = s[i];
	}
	keyid[i] = '\0';
	if (s[i] != '_')
		return -1;
	*sec = s + i + 1;
	return 0;
}

static void token_from_row(struct ferry_stmt *st, struct ferry_token *t)
{
	enum ferry_token_role role = FERRY_TOKEN_NONE;
	const char *p = ferry_stmt_text(st, 3);

	memset(t, 0, sizeof(*t));
	t->id = ferry_stmt_int(st, 0);
	snprintf(t->name, sizeof(t->name), "%s", ferry_stmt_text(st, 1));
	ferry_token_role_parse(ferry_stmt_text(st, 2), &role, NULL);
	t->role = role;
	snprintf(t->project, sizeof(t->project), "%s", p ? p : "");
	t->created_ms = ferry_stmt_int(st, 4);
	t->expires_ms = ferry_stmt_int(st, 5);
}

int ferry_token_verify(struct ferry_ctx *ctx, const char *secret, struct ferry_token *out,
		       struct ferry_error *err)
{
	char keyid[KEYID_BYTES * 2 + 1], want[HASH_BYTES * 2 + 1], got[HASH_BYTES * 2 + 1];
	const char *sec;
	struct ferry_stmt *st;
	int64_t revoked = 0, last_used = 0, now = ferry_now_ms();
	int rc, ok = 0;

	if (sodium_init() < 0)
		return ferry_error_set(err, FERRY_EINTERNAL, "libsodium failed to initialise");
	if (token_split(secret, keyid, &sec))
		return ferry_error_set(err, FERRY_EREFUSED,
			"malformed API token: expected 'ferry_<id>_<secret>' as created by 'ferry token create'");
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id, name, role, project, created_ms, expires_ms, salt, hash, revoked_ms, "
		"last_used_ms FROM api_tokens WHERE keyid = ?", "t", keyid);
	if (rc)
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		token_from_row(st, out);
		hash_secret(ferry_stmt_text(st, 6), sec, got);
		snprintf(want, sizeof(want), "%s", ferry_stmt_text(st, 7));
		ok = sodium_memcmp(got, want, sizeof(got)) == 0;
		revoked = ferry_stmt_int(st, 8);
		last_used = ferry_stmt_int(st, 9);
	}
	ferry_stmt_free(st);
	if (rc < 0)
		return rc;
	if (!ok)
		return ferry_error_set(err, FERRY_EREFUSED, "unknown API token");
	if (revoked)
		return ferry_error_set(err, FERRY_EREFUSED, "API token '%s' was revoked", out->name);
	if (out->expires_ms && out->expires_ms <= now)
		return ferry_error_set(err, FERRY_EREFUSED,
			"API token '%s' has expired: create a new one", out->name);
	if (now - last_used > 60000) /* best effort, at most once a minute */
		ferry_store_run(ctx->store, NULL, "UPDATE api_tokens SET last_used_ms = ? WHERE id = ?",
				"ii", now, out->id);
	return 0;
}

int ferry_token_allows(const struct ferry_token *t, enum ferry_token_role need,
		       const char *project, struct ferry_error *err)
{
	if (t->role < need)
		return ferry_error_set(err, FERRY_EREFUSED,
			"token '%s' has role %s; this needs %s", t->name,
			ferry_token_role_name(t->role), ferry_token_role_name(need));
	if (!t->project[0])
		return 0;
	if (!project)
		return ferry_error_set(err, FERRY_EREFUSED,
			"token '%s' is scoped to project '%s'; this action is not limited to one project",
			t->name, t->project);
	if (strcmp(project, t->project))
		return ferry_error_set(err, FERRY_EREFUSED,
			"token '%s' is scoped to project '%s', not '%s'", t->name, t->project, project);
	return 0;
}

int ferry_token_revoke(struct ferry_ctx *ctx, const char *name, struct ferry_error *err)
{
	int rc = ferry_store_run(ctx->store, err,
		"UPDATE api_tokens SET revoked_ms = ? WHERE name = ? AND revoked_ms = 0", "it",
		ferry_now_ms(), name);

	if (rc)
		return rc;
	if (ferry_store_changes(ctx->store) == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND,
			"no live token '%s': see 'ferry token list'", name ? name : "");
	return 0;
}

json_t *ferry_token_to_json(const struct ferry_token *t)
{
	char created[32], expires[32];

	ferry_time_iso(t->created_ms, created);
	if (t->expires_ms)
		ferry_time_iso(t->expires_ms, expires);
	return json_pack("{s:s, s:s, s:o, s:s, s:o}", "name", t->name,
		"role", ferry_token_role_name(t->role),
		"project", t->project[0] ? json_string(t->project) : json_null(),
		"created", created, "expires", t->expires_ms ? json_string(expires) : json_null());
}

/* A row of the list: the token, its state at *now_ms, its last use and creator. */
static json_t *token_row(struct ferry_stmt *st, void *now_ms)
{
	struct ferry_token t;
	json_t *o;
	char iso[32];
	int64_t now = *(const int64_t *)now_ms;
	int64_t revoked = ferry_stmt_int(st, 6), used = ferry_stmt_int(st, 7);

	token_from_row(st, &t);
	o = ferry_token_to_json(&t);
	json_object_set_new(o, "state", json_string(revoked ? "revoked" :
		(t.expires_ms && t.expires_ms <= now) ? "expired" : "active"));
	ferry_time_iso(used, iso);
	json_object_set_new(o, "last_used", used ? json_string(iso) : json_null());
	json_object_set_new(o, "created_by", json_string(ferry_stmt_text(st, 8)));
	return o;
}

int ferry_token_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int64_t now = ferry_now_ms();
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT id, name, role, project, created_ms, expires_ms, revoked_ms, last_used_ms, "
		"created_by FROM api_tokens ORDER BY id DESC", NULL);

	return rc ? rc : ferry_stmt_json_rows(st, token_row, &now, out, err);
}
