/* SPDX-License-Identifier: MIT */
/* host_rec.c: the records of the host component in the state store: hosts (login,
 * directory, pinned key), the host chosen for an environment's runtimes, and the
 * route of an environment's address to the runtime that serves it during a move
 * between hosts; and the checks of what a host record may hold. */
#include "runtime/host_int.h"

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/host.h"
#include "ferry/store/ctx.h"
#include "ferry/store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const host_steps[] = {
	/* 1: hosts, where environments' runtimes go, routes of their addresses */
	"CREATE TABLE hosts("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  ssh_user TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  port INTEGER NOT NULL,"
	"  identity TEXT NOT NULL,"
	"  dir TEXT NOT NULL,"
	"  host_key TEXT NOT NULL,"
	"  created_ms INTEGER NOT NULL,"
	"  updated_ms INTEGER NOT NULL);"
	"CREATE TABLE host_envs("
	"  env_id INTEGER PRIMARY KEY REFERENCES environments(id),"
	"  host TEXT NOT NULL);"
	"CREATE TABLE env_routes("
	"  env_id INTEGER PRIMARY KEY REFERENCES environments(id),"
	"  slot TEXT NOT NULL,"
	"  url TEXT NOT NULL,"
	"  updated_ms INTEGER NOT NULL);",
};

const struct ferry_migrations ferry_schema_host = {
	"host", host_steps, (int)(sizeof(host_steps) / sizeof(host_steps[0]))
};

void host_rec_release(struct host_rec *h)
{
	if (!h)
		return;
	free(h->host_key);
	h->host_key = NULL;
}

int host_name_check(const char *name, struct ferry_error *err)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > HOST_NAME_MAX_LEN || !islower((unsigned char)name[0]))
		goto bad;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) && name[i] != '-')
			goto bad;
	return 0;
bad:
	return ferry_error_set(err, FERRY_EINVAL, "host name '%s': 1-%d of a-z, 0-9 and '-', "
			       "starting with a letter", name ? name : "", HOST_NAME_MAX_LEN);
}

static int user_ok(const char *u)
{
	size_t i, n = strlen(u);

	if (n == 0 || n > 32 || !(islower((unsigned char)u[0]) || u[0] == '_'))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)u[i]) && !strchr("_.-", u[i]))
			return 0;
	return 1;
}

/* A DNS name or IPv4 address ([A-Za-z0-9.-], not starting with '-'), or an IPv6
 * address (hex digits, ':' and '.'). */
static int address_ok(const char *a, int v6)
{
	size_t i, n = strlen(a);

	if (n == 0 || n > 127 || a[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];
		if (v6 ? !(isxdigit(c) || c == ':' || c == '.') : !(isalnum(c) || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int host_ssh_parse(const char *ssh, struct host_rec *h, struct ferry_error *err)
{
	char buf[256], *at, *addr, *port = NULL, *end;
	long long p = 22;

	if (!ssh || snprintf(buf, sizeof(buf), "%s", ssh) >= (int)sizeof(buf) || !(at = strchr(buf, '@')))
		goto bad;
	*at = '\0';
	addr = at + 1;
	if (*addr == '[') {
		if (!(end = strchr(addr, ']')))
			goto bad;
		*end = '\0';
		addr++;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			goto bad;
		if (!address_ok(addr, 1))
			goto bad;
	} else {
		if ((port = strchr(addr, ':')))
			*port++ = '\0';
		if (!address_ok(addr, 0))
			goto bad;
	}
	if (!user_ok(buf) || (port && ferry_parse_int(port, 1, 65535, &p)))
		goto bad;
	if (ferry_fmt(h->user, sizeof(h->user), err, "--ssh's user", "%s", buf) ||
	    ferry_fmt(h->address, sizeof(h->address), err, "--ssh's address", "%s", addr))
		return FERRY_EINVAL;
	h->port = (int)p;
	return 0;
bad:
	return ferry_error_set(err, FERRY_EINVAL, "--ssh '%s': expected USER@ADDRESS[:PORT] (a user "
			       "name, a host name or IP address, an IPv6 address in brackets, a port "
			       "1-65535)", ssh ? ssh : "");
}

int host_dir_check(const char *dir, struct ferry_error *err)
{
	const char *c, *comp;
	size_t n = dir ? strlen(dir) : 0;

	if (n < 2 || dir[0] != '/' || n > HOST_DIR_MAX_LEN)
		return ferry_error_set(err, FERRY_EINVAL, "host directory '%s': an absolute path of "
				       "at most %d bytes, not '/'", dir ? dir : "", HOST_DIR_MAX_LEN);
	for (comp = dir + 1;; comp = c + 1) {
		size_t len;
		c = strchr(comp, '/');
		len = c ? (size_t)(c - comp) : strlen(comp);
		if ((len == 2 && !strncmp(comp, "..", 2)) || (len == 1 && comp[0] == '.') ||
		    (len == 0 && c))
			return ferry_error_set(err, FERRY_EUNSAFE, "host directory '%s': '.', '..' and "
					       "empty components are refused (path traversal)", dir);
		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)comp[i]) && !strchr("._-", comp[i]))
				return ferry_error_set(err, FERRY_EUNSAFE, "host directory '%s': only "
						       "A-Z a-z 0-9 . _ - and '/' may appear in it", dir);
		if (!c)
			break;
	}
	if (dir[n - 1] == '/')
		return ferry_error_set(err, FERRY_EINVAL, "host directory '%s': no trailing '/'", dir);
	return 0;
}

int host_rec_get(struct ferry_ctx *ctx, const char *name, struct host_rec *out,
		 struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ferry_store_query(ctx->store, &st, err,
			"SELECT id, name, ssh_user, address, port, identity, dir, host_key, created_ms "
			"FROM hosts WHERE name = ?", "t", name)))
		return rc;
	if ((rc = ferry_stmt_step(st, err)) == 1) {
		out->id = ferry_stmt_int(st, 0);
		snprintf(out->name, sizeof(out->name), "%s", ferry_stmt_text(st, 1));
		snprintf(out->user, sizeof(out->user), "%s", ferry_stmt_text(st, 2));
		snprintf(out->address, sizeof(out->address), "%s", ferry_stmt_text(st, 3));
		out->port = (int)ferry_stmt_int(st, 4);
		snprintf(out->identity, sizeof(out->identity), "%s", ferry_stmt_text(st, 5));
		snprintf(out->dir, sizeof(out->dir), "%s", ferry_stmt_text(st, 6));
		out->host_key = strdup(ferry_stmt_text(st, 7));
		out->created_ms = ferry_stmt_int(st, 8);
		rc = out->host_key ? 0 : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	} else if (rc == 0) {
		rc = ferry_error_set(err, FERRY_ENOTFOUND, "no host '%s': see 'ferry host list', or "
				     "add it with 'ferry host add %s --ssh USER@ADDRESS'", name, name);
	}
	ferry_stmt_free(st);
	return rc;
}

int host_rec_env_host(struct ferry_ctx *ctx, int64_t env_id, char out[32])
{
	struct ferry_stmt *st;

	snprintf(out, 32, "%s", FERRY_HOST_LOCAL);
	if (ferry_store_query(ctx->store, &st, NULL, "SELECT host FROM host_envs WHERE env_id = ?",
			      "i", env_id))
		return -1;
	if (ferry_stmt_step(st, NULL) == 1)
		snprintf(out, 32, "%s", ferry_stmt_text(st, 0));
	ferry_stmt_free(st);
	return 0;
}

int host_rec_route_set(struct ferry_ctx *ctx, int64_t env_id, const char *slot, const char *url,
		       struct ferry_error *err)
{
	if (!slot)
		return ferry_store_run(ctx->store, err, "DELETE FROM env_routes WHERE env_id = ?", "i",
				       env_id);
	return ferry_store_run(ctx->store, err,
		"INSERT INTO env_routes(env_id, slot, url, updated_ms) VALUES(?, ?, ?, ?) "
		"ON CONFLICT (env_id) DO UPDATE SET slot = excluded.slot, url = excluded.url, "
		"updated_ms = excluded.updated_ms", "itti", env_id, slot, url, ferry_now_ms());
}

int host_rec_route_get(struct ferry_ctx *ctx, int64_t env_id, char slot[32], char url[128])
{
	struct ferry_stmt *st;
	int found = 0;

	if (ferry_store_query(ctx->store, &st, NULL,
			"SELECT slot, url FROM env_routes WHERE env_id = ?", "i", env_id))
		return 0;
	if (ferry_stmt_step(st, NULL) == 1) {
		snprintf(slot, 32, "%s", ferry_stmt_text(st, 0));
		snprintf(url, 128, "%s", ferry_stmt_text(st, 1));
		found = 1;
	}
	ferry_stmt_free(st);
	return found;
}
