/* SPDX-License-Identifier: MIT */
/* keys.h: Ed25519 signing keys (libsodium), package signatures, and the set of keys
 * each project trusts. */
#ifndef FERRY_KEYS_H
#define FERRY_KEYS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct ferry_ctx;
struct ferry_error;

/* A key known to this home. Private halves live in <home>/keys/<name>.key (0600,
 * directory 0700); the store records name, id and public key. */
struct ferry_key {
	char name[64];
	char key_id[17];          /* first 16 hex of SHA-256(public key) */
	char public_key[64];      /* base64 of the 32-byte Ed25519 public key */
	int has_secret;           /* 1 when the private key is in this home */
	int64_t created_ms;
};

/* A parsed manifest.sig (docs/PACKAGES.md). */
struct ferry_sig {
	char key_id[17];
	char public_key[64];
	unsigned char pk[32];
	unsigned char sig[64];
};

/* Key id of a raw public key. */
void ferry_key_id(const unsigned char pk[32], char out[17]);

/* Create a key pair named `name`; refused when the name exists. */
int ferry_key_generate(struct ferry_ctx *ctx, const char *name, struct ferry_key *out,
		       struct ferry_error *err);
/* Find a key of this home by name or key id. */
int ferry_key_get(struct ferry_ctx *ctx, const char *name_or_id, struct ferry_key *out,
		  struct ferry_error *err);
/* Keys of this home, each with the projects that trust it. Caller owns *out. */
int ferry_key_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err);
/* Keys a project trusts or revoked (name, key_id, trusted, revoked). */
int ferry_key_list_project(struct ferry_ctx *ctx, const char *project, json_t **out,
			   struct ferry_error *err);
/* The public key document ({"format":"ferry-public-key-1", name, key_id, public_key}). */
int ferry_key_export(struct ferry_ctx *ctx, const char *name, json_t **out,
		     struct ferry_error *err);
/* Sign data with the private key `name`: *sig_json (caller frees) is manifest.sig. */
int ferry_key_sign(struct ferry_ctx *ctx, const char *name, const void *data, size_t len,
		   char **sig_json, size_t *sig_len, struct ferry_error *err);

/* The raw Ed25519 signature of data by key `name`; *k gets the key. */
int ferry_key_sign_raw(struct ferry_ctx *ctx, const char *name, const void *data, size_t len,
		       unsigned char sig[64], struct ferry_key *k, struct ferry_error *err);

/* Trust a key in a project: `what` is a key name or id of this home, or the path of
 * a public key document from `ferry key export`. A revoked key stays revoked. */
int ferry_key_trust(struct ferry_ctx *ctx, const char *project, const char *what,
		    struct ferry_key *out, struct ferry_error *err);
/* Revoke (recorded, never deleted) a key the project trusts, by key id or name. */
int ferry_key_revoke(struct ferry_ctx *ctx, const char *project, const char *what,
		     struct ferry_key *out, struct ferry_error *err);

enum ferry_trust { FERRY_TRUST_UNKNOWN, FERRY_TRUST_TRUSTED, FERRY_TRUST_REVOKED };
/* How project_id regards the signer; *name gets the recorded key name ("" if none). */
int ferry_key_trust_state(struct ferry_ctx *ctx, int64_t project_id, const struct ferry_sig *s,
			  enum ferry_trust *out, char name[64], struct ferry_error *err);

/* Parse manifest.sig and check it signs `data`. FERRY_EVERIFY names the cause. */
int ferry_sig_verify(const char *sig_json, size_t sig_len, const void *data, size_t len,
		     struct ferry_sig *out, struct ferry_error *err);

json_t *ferry_key_to_json(const struct ferry_key *k);

/* This component's tables (keys, trust, assets), migrated on open (lib/registry/registry.c). */
struct ferry_migrations;
extern const struct ferry_migrations ferry_schema_packages;

#endif
