/* SPDX-License-Identifier: MIT */
/* keys.c: signing keys (files under <home>/keys, records in the store), manifest.sig,
 * and per-project trust and revocation. */
#include "ferry/package/keys.h"
#include "ferry/base/buf.h"
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/project/project.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const keys_steps[] = {
	/* 1: keys of this home, keys each project trusts, the asset library */
	"CREATE TABLE keys("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  key_id TEXT NOT NULL UNIQUE,"
	"  public_key TEXT NOT NULL,"
	"  has_secret INTEGER NOT NULL,"
	"  created_ms INTEGER NOT NULL);"
	"CREATE TABLE project_keys("
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  key_id TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  trusted_ms INTEGER NOT NULL,"
	"  revoked_ms INTEGER,"
	"  PRIMARY KEY (project_id, key_id));"
	"CREATE TABLE assets("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  sha256 TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  version TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  container TEXT NOT NULL,"
	"  key_id TEXT,"
	"  signer TEXT,"
	"  manifest TEXT NOT NULL,"
	"  uploaded_ms INTEGER NOT NULL,"
	"  uploaded_by TEXT NOT NULL,"
	"  UNIQUE (project_id, sha256),"
	"  UNIQUE (project_id, name, version));"
	"CREATE INDEX assets_sha ON assets(sha256);"
	"CREATE TABLE asset_refs("
	"  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  PRIMARY KEY (asset_id, kind, ref));",
};

const struct ferry_migrations ferry_schema_packages = {
	"packages", keys_steps, (int)(sizeof(keys_steps) / sizeof(keys_steps[0]))
};

#define KEY_COLS "name, key_id, public_key, has_secret, created_ms"

void ferry_key_id(const unsigned char pk[32], char out[17])
{
	unsigned char md[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(md, pk, 32);
	sodium_bin2hex(out, 17, md, 8);
}

static void b64(const unsigned char *bin, size_t n, char *out, size_t cap)
{
	sodium_bin2base64(out, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
}

static int unb64(const char *s, unsigned char *bin, size_t want)
{
	size_t got = 0;

	if (!s || sodium_base642bin(bin, want, s, strlen(s), NULL, &got, NULL,
				    sodium_base64_VARIANT_ORIGINAL) || got != want)
		return -1;
	return 0;
}

static void key_from_row(struct ferry_stmt *st, struct ferry_key *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", ferry_stmt_text(st, 0));
	snprintf(k->key_id, sizeof(k->key_id), "%s", ferry_stmt_text(st, 1));
	snprintf(k->public_key, sizeof(k->public_key), "%s", ferry_stmt_text(st, 2));
	k->has_secret = (int)ferry_stmt_int(st, 3);
	k->created_ms = ferry_stmt_int(st, 4);
}

json_t *ferry_key_to_json(const struct ferry_key *k)
{
	char iso[32];

	ferry_time_iso(k->created_ms, iso);
	return json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", k->name, "key_id", k->key_id,
			 "public_key", k->public_key, "private_key", k->has_secret, "created", iso);
}

int ferry_key_get(struct ferry_ctx *ctx, const char *what, struct ferry_key *out,
		  struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " KEY_COLS " FROM keys WHERE name = ? OR key_id = ?", "tt", what, what);

	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		key_from_row(st, out);
	ferry_stmt_free(st);
	if (rc == 0)
		return ferry_error_set(err, FERRY_ENOTFOUND, "no key '%s' in this home: see 'ferry key list'", what);
	return rc < 0 ? rc : 0;
}

static char *key_file(struct ferry_ctx *ctx, const char *name)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "keys/%s.key", name);
	return ferry_ctx_path(ctx, rel);
}

int ferry_key_generate(struct ferry_ctx *ctx, const char *name, struct ferry_key *out,
		       struct ferry_error *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char skb[128], *dir = NULL, *path = NULL, *doc = NULL;
	struct ferry_key k = { 0 };
	json_t *j = NULL;
	int rc;

	if ((rc = ferry_name_check(name, "key", err)))
		return rc;
	if (sodium_init() < 0)
		return ferry_error_set(err, FERRY_EINTERNAL, "libsodium failed to initialise");
	crypto_sign_keypair(pk, sk);
	snprintf(k.name, sizeof(k.name), "%s", name);
	ferry_key_id(pk, k.key_id);
	b64(pk, sizeof(pk), k.public_key, sizeof(k.public_key));
	b64(sk, sizeof(sk), skb, sizeof(skb));
	sodium_memzero(sk, sizeof(sk));
	k.has_secret = 1;
	k.created_ms = ferry_now_ms();
	if ((rc = ferry_store_begin(ctx->store, err)))
		goto out;
	if (ferry_key_get(ctx, name, out, NULL) == 0) {
		rc = ferry_error_set(err, FERRY_EEXIST, "key '%s' already exists: see 'ferry key list'", name);
		goto fail;
	}
	rc = ferry_store_run(ctx->store, err,
		"INSERT INTO keys(name, key_id, public_key, has_secret, created_ms) VALUES(?, ?, ?, 1, ?)",
		"ttti", k.name, k.key_id, k.public_key, k.created_ms);
	if (rc)
		goto fail;
	dir = ferry_ctx_path(ctx, "keys");
	path = key_file(ctx, name);
	j = json_pack("{s:s, s:s, s:s, s:s}", "name", name, "key_id", k.key_id,
		      "public_key", k.public_key, "secret_key", skb);
	doc = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	if (!dir || !path || !doc) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = ferry_mkdir_p(dir, 0700, err)) ||
	    (rc = ferry_write_file_atomic(path, doc, strlen(doc), 0600, err)))
		goto fail;
	if ((rc = ferry_store_commit(ctx->store, err))) {
		unlink(path);
		goto out;
	}
	*out = k;
	goto out;
fail:
	ferry_store_rollback(ctx->store);
out:
	sodium_memzero(skb, sizeof(skb));
	if (doc)
		sodium_memzero(doc, strlen(doc));
	free(doc);
	json_decref(j);
	free(dir);
	free(path);
	return rc;
}

static int load_secret(struct ferry_ctx *ctx, const struct ferry_key *k, unsigned char sk[64],
		       struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char *path = key_file(ctx, k->name);
	json_t *j = NULL;
	int rc = 0;

	if (!path)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	b.limit = 64 << 10;
	if (ferry_buf_read_file(&b, path)) {
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"private key of '%s' not readable at %s: sign on the machine that generated it", k->name, path);
		goto out;
	}
	j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	if (!j || unb64(json_string_value(json_object_get(j, "secret_key")), sk, 64)) {
		rc = ferry_error_set(err, FERRY_EINVAL, "private key file %s is damaged", path);
		goto out;
	}
	{
		unsigned char pk[32];
		char id[17];
		crypto_sign_ed25519_sk_to_pk(pk, sk);
		ferry_key_id(pk, id);
		if (strcmp(id, k->key_id))
			rc = ferry_error_set(err, FERRY_EVERIFY,
				"private key file %s does not match key '%s' (%s)", path, k->name, k->key_id);
	}
out:
	if (b.data)
		sodium_memzero(b.data, b.len);
	ferry_buf_release(&b);
	json_decref(j);
	free(path);
	return rc;
}

int ferry_key_sign_raw(struct ferry_ctx *ctx, const char *name, const void *data, size_t len,
		       unsigned char sig[64], struct ferry_key *k, struct ferry_error *err)
{
	unsigned char sk[64];
	int rc;

	if ((rc = ferry_key_get(ctx, name, k, err)))
		return rc;
	if (!k->has_secret)
		return ferry_error_set(err, FERRY_EINVAL, "key '%s' has no private key in this home", name);
	if ((rc = load_secret(ctx, k, sk, err)))
		return rc;
	crypto_sign_detached(sig, NULL, data, len, sk);
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

int ferry_key_sign(struct ferry_ctx *ctx, const char *name, const void *data, size_t len,
		   char **sig_json, size_t *sig_len, struct ferry_error *err)
{
	unsigned char sig[64];
	char sigb[128];
	struct ferry_key k;
	json_t *j;
	int rc;

	*sig_json = NULL;
	if ((rc = ferry_key_sign_raw(ctx, name, data, len, sig, &k, err)))
		return rc;
	b64(sig, sizeof(sig), sigb, sizeof(sigb));
	j = json_pack("{s:s, s:s, s:s}", "key_id", k.key_id, "public_key", k.public_key, "signature", sigb);
	*sig_json = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!*sig_json)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	*sig_len = strlen(*sig_json);
	return 0;
}

int ferry_sig_verify(const char *sig_json, size_t sig_len, const void *data, size_t len,
		     struct ferry_sig *out, struct ferry_error *err)
{
	json_t *j = json_loadb(sig_json, sig_len, JSON_REJECT_DUPLICATES, NULL);
	const char *id, *pk, *sig;
	char want[17];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!j || !json_is_object(j) || json_object_size(j) != 3) {
		rc = ferry_error_set(err, FERRY_EVERIFY,
			"manifest.sig: not a signature document ({\"key_id\", \"public_key\", \"signature\"})");
		goto out;
	}
	id = json_string_value(json_object_get(j, "key_id"));
	pk = json_string_value(json_object_get(j, "public_key"));
	sig = json_string_value(json_object_get(j, "signature"));
	if (!id || strlen(id) != 16 || unb64(pk, out->pk, 32) || unb64(sig, out->sig, 64)) {
		rc = ferry_error_set(err, FERRY_EVERIFY, "manifest.sig: key_id, public_key or signature malformed");
		goto out;
	}
	snprintf(out->key_id, sizeof(out->key_id), "%s", id);
	snprintf(out->public_key, sizeof(out->public_key), "%s", pk);
	ferry_key_id(out->pk, want);
	if (strcmp(want, id)) {
		rc = ferry_error_set(err, FERRY_EVERIFY,
			"manifest.sig: key_id %s does not belong to its public key (%s)", id, want);
		goto out;
	}
	if (crypto_sign_verify_detached(out->sig, data, len, out->pk) != 0)
		rc = ferry_error_set(err, FERRY_EVERIFY,
			"manifest.sig: signature by key %s does not match manifest.json: "
			"the manifest or the signature was altered", id);
out:
	json_decref(j);
	return rc;
}

/* ---- trust ---- */

static int read_pubkey_doc(const char *path, struct ferry_key *k, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	unsigned char pk[32];
	const char *name, *p;
	json_t *j = NULL;
	int rc = 0;

	memset(k, 0, sizeof(*k));
	b.limit = 64 << 10;
	if (ferry_buf_read_file(&b, path)) {
		ferry_buf_release(&b);
		return ferry_error_set(err, FERRY_EIO, "cannot read public key file %s", path);
	}
	j = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
	p = json_string_value(json_object_get(j, "public_key"));
	name = json_string_value(json_object_get(j, "name"));
	if (!j || unb64(p, pk, 32) || ferry_name_check(name, "key", NULL)) {
		rc = ferry_error_set(err, FERRY_EINVAL,
			"%s is not a public key document (see 'ferry key export NAME')", path);
		goto out;
	}
	snprintf(k->name, sizeof(k->name), "%s", name);
	snprintf(k->public_key, sizeof(k->public_key), "%s", p);
	ferry_key_id(pk, k->key_id);
	k->created_ms = ferry_now_ms();
out:
	json_decref(j);
	ferry_buf_release(&b);
	return rc;
}

int ferry_key_trust(struct ferry_ctx *ctx, const char *project, const char *what,
		    struct ferry_key *out, struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	struct ferry_key k;
	int rc;

	if (strchr(what, '/') || (ferry_path_exists(what) && ferry_key_get(ctx, what, &k, NULL)))
		rc = read_pubkey_doc(what, &k, err);
	else
		rc = ferry_key_get(ctx, what, &k, err);
	if (rc)
		return rc;
	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		goto fail;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT revoked_ms FROM project_keys WHERE project_id = ? AND key_id = ?", "it", p.id, k.key_id);
	if (rc)
		goto fail;
	rc = ferry_stmt_step(st, err);
	if (rc == 1 && !ferry_stmt_is_null(st, 0)) {
		char iso[32];
		ferry_time_iso(ferry_stmt_int(st, 0), iso);
		ferry_stmt_free(st);
		rc = ferry_error_set(err, FERRY_EREFUSED,
			"key %s (%s) was revoked in project '%s' on %s; revocation is final: sign with a new key",
			k.key_id, k.name, project, iso);
		goto fail;
	}
	ferry_stmt_free(st);
	if (rc < 0)
		goto fail;
	if (rc == 0)
		rc = ferry_store_run(ctx->store, err,
			"INSERT INTO project_keys(project_id, key_id, public_key, name, trusted_ms) VALUES(?, ?, ?, ?, ?)",
			"ittti", p.id, k.key_id, k.public_key, k.name, ferry_now_ms());
	else
		rc = 0;
	if (rc)
		goto fail;
	*out = k;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_key_revoke(struct ferry_ctx *ctx, const char *project, const char *what,
		     struct ferry_key *out, struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_store_begin(ctx->store, err)))
		return rc;
	if ((rc = ferry_project_get(ctx, project, &p, err)))
		goto fail;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name, key_id, public_key, 0, trusted_ms, revoked_ms FROM project_keys "
		"WHERE project_id = ? AND (key_id = ? OR name = ?)", "itt", p.id, what, what);
	if (rc)
		goto fail;
	rc = ferry_stmt_step(st, err);
	if (rc == 1) {
		key_from_row(st, out);
		if (!ferry_stmt_is_null(st, 5))
			rc = ferry_error_set(err, FERRY_ESTATE, "key %s is already revoked in project '%s'",
					     out->key_id, project);
	} else if (rc == 0) {
		rc = ferry_error_set(err, FERRY_ENOTFOUND,
			"project '%s' does not trust a key '%s': see 'ferry key list --project %s'",
			project, what, project);
	}
	ferry_stmt_free(st);
	if (rc != 1)
		goto fail;
	rc = ferry_store_run(ctx->store, err,
		"UPDATE project_keys SET revoked_ms = ? WHERE project_id = ? AND key_id = ?",
		"iit", ferry_now_ms(), p.id, out->key_id);
	if (rc)
		goto fail;
	return ferry_store_commit(ctx->store, err);
fail:
	ferry_store_rollback(ctx->store);
	return rc;
}

int ferry_key_trust_state(struct ferry_ctx *ctx, int64_t project_id, const struct ferry_sig *s,
			  enum ferry_trust *out, char name[64], struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name, public_key, revoked_ms FROM project_keys WHERE project_id = ? AND key_id = ?",
		"it", project_id, s->key_id);

	*out = FERRY_TRUST_UNKNOWN;
	name[0] = '\0';
	if (rc)
		return rc;
	rc = ferry_stmt_step(st, err);
	if (rc == 1 && !strcmp(ferry_stmt_text(st, 1), s->public_key)) {
		snprintf(name, 64, "%s", ferry_stmt_text(st, 0));
		*out = ferry_stmt_is_null(st, 2) ? FERRY_TRUST_TRUSTED : FERRY_TRUST_REVOKED;
	}
	ferry_stmt_free(st);
	if (rc == 0 || *out == FERRY_TRUST_UNKNOWN) {
		struct ferry_key k;
		if (ferry_key_get(ctx, s->key_id, &k, NULL) == 0)
			snprintf(name, 64, "%s", k.name);
	}
	return rc < 0 ? rc : 0;
}

/* ---- listing ---- */

/* "p1,p2": the projects that trust key_id (not revoked). */
static int trusted_by(struct ferry_ctx *ctx, const char *key_id, char *out, size_t cap,
		      struct ferry_error *err)
{
	struct ferry_stmt *st;
	size_t len = 0;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT p.name FROM project_keys pk JOIN projects p ON p.id = pk.project_id "
		"WHERE pk.key_id = ? AND pk.revoked_ms IS NULL ORDER BY p.name", "t", key_id);

	out[0] = '\0';
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1) {
		int n = snprintf(out + len, cap - len, "%s%s", len ? "," : "", ferry_stmt_text(st, 0));
		if (n > 0 && (size_t)n < cap - len)
			len += (size_t)n;
	}
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static json_t *key_row(struct ferry_stmt *st, void *arg)
{
	struct ferry_key k;

	(void)arg;
	key_from_row(st, &k);
	return ferry_key_to_json(&k);
}

int ferry_key_list(struct ferry_ctx *ctx, json_t **out, struct ferry_error *err)
{
	size_t i;
	struct ferry_stmt *st;
	json_t *arr;
	int rc = ferry_store_query(ctx->store, &st, err,
		"SELECT " KEY_COLS " FROM keys ORDER BY name", NULL);

	if (rc || (rc = ferry_stmt_json_rows(st, key_row, NULL, &arr, err)))
		return rc;
	for (i = 0; rc == 0 && i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		char by[512];
		rc = trusted_by(ctx, json_string_value(json_object_get(o, "key_id")), by, sizeof(by), err);
		json_object_set_new(o, "trusted_by", json_string(by));
	}
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static json_t *project_key_row(struct ferry_stmt *st, void *arg)
{
	char t[32], r[32] = "";

	(void)arg;
	ferry_time_iso(ferry_stmt_int(st, 3), t);
	if (!ferry_stmt_is_null(st, 4))
		ferry_time_iso(ferry_stmt_int(st, 4), r);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		"name", ferry_stmt_text(st, 0), "key_id", ferry_stmt_text(st, 1),
		"public_key", ferry_stmt_text(st, 2), "trusted", t, "revoked", r,
		"state", ferry_stmt_is_null(st, 4) ? "trusted" : "revoked");
}

int ferry_key_list_project(struct ferry_ctx *ctx, const char *project, json_t **out,
			   struct ferry_error *err)
{
	struct ferry_project p;
	struct ferry_stmt *st;
	int rc;

	if ((rc = ferry_project_get(ctx, project, &p, err)))
		return rc;
	rc = ferry_store_query(ctx->store, &st, err,
		"SELECT name, key_id, public_key, trusted_ms, revoked_ms FROM project_keys "
		"WHERE project_id = ? ORDER BY name, key_id", "i", p.id);
	return rc ? rc : ferry_stmt_json_rows(st, project_key_row, NULL, out, err);
}

int ferry_key_export(struct ferry_ctx *ctx, const char *name, json_t **out,
		     struct ferry_error *err)
{
	struct ferry_key k;
	int rc = ferry_key_get(ctx, name, &k, err);

	if (rc)
		return rc;
	*out = json_pack("{s:s, s:s, s:s, s:s}", "format", "ferry-public-key-1", "name", k.name,
			 "key_id", k.key_id, "public_key", k.public_key);
	return *out ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
}
