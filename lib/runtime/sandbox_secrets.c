/* SPDX-License-Identifier: MIT */
/* sandbox_secrets.c: the connection string an environment's processes see for its
 * database: a PostgreSQL password (in the URL's user info or its password parameter)
 * never in argv, the environment or config.json, but in a 0600 file of the
 * environment's (passfile=<secrets>/pgpass, read by libpq). The lowest file of the
 * sandbox: runtime_cmd.c, runtime_config.c and the drivers use it. */
#include "runtime/sandbox.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode s[0..n) into b, escaping ':' and '\' for a pgpass line. */
static void pgpass_value(struct ferry_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (c == ':' || c == '\\')
			ferry_buf_add(b, "\\", 1);
		ferry_buf_add(b, &c, 1);
	}
}

/* The "password=" parameter of a URI's query, or NULL. */
static const char *password_param(const char *s)
{
	const char *q = strchr(s, '?');

	while (q) {
		q++;
		if (!strncmp(q, "password=", 9))
			return q;
		q = strchr(q, '&');
	}
	return NULL;
}

int rt_sb_db_conn(const char *conn, const char *secrets_dir, char **pub, char **pgpass)
{
	struct ferry_buf o = FERRY_BUF_INIT, p = FERRY_BUF_INIT;
	const char *s = conn ? conn : "", *auth, *at, *colon = NULL, *pw = NULL;
	size_t n;

	*pub = *pgpass = NULL;
	if (!strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11)) {
		auth = strstr(s, "://") + 3;
		n = strcspn(auth, "/?");
		at = memchr(auth, '@', n);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		pw = password_param(s);
		if (colon) {                  /* user:password@host */
			ferry_buf_add(&o, s, (size_t)(colon - s));
			ferry_buf_add(&o, at, (size_t)(pw ? pw - at : (long)strlen(at)));
			pgpass_value(&p, colon + 1, (size_t)(at - colon - 1));
		} else if (pw) {
			ferry_buf_add(&o, s, (size_t)(pw - s));
		}
		if (pw) {                     /* ...?password=...: the parameter goes */
			size_t len = strcspn(pw + 9, "&");
			if (!colon)
				pgpass_value(&p, pw + 9, len);
			if (pw[9 + len])
				ferry_buf_adds(&o, pw + 9 + len + 1);
			while (o.len && (o.data[o.len - 1] == '&' || o.data[o.len - 1] == '?'))
				o.data[--o.len] = '\0';
		}
	}
	if (!colon && !pw)
		ferry_buf_adds(&o, s);
	if (p.len) {
		struct ferry_buf line = FERRY_BUF_INIT;
		ferry_buf_addf(&o, "%cpassfile=%s/pgpass", o.data && strchr(o.data, '?') ? '&' : '?',
			       secrets_dir);
		ferry_buf_addf(&line, "*:*:*:*:%.*s\n", (int)p.len, p.data);
		ferry_buf_release(&p);
		p = line;
	} else {
		ferry_buf_adds(&p, "");
	}
	ferry_buf_adds(&o, "");
	*pub = ferry_buf_detach(&o);
	*pgpass = ferry_buf_detach(&p);
	if (*pub && *pgpass)
		return 0;
	free(*pub);
	free(*pgpass);
	*pub = *pgpass = NULL;
	return FERRY_ENOMEM;
}
