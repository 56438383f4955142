/* SPDX-License-Identifier: MIT */
/* store_url.c: what a store's location says: which backend it names, and the same
 * location with any password removed, for messages. Below store.c and the backends. */
#include "ferry/store/store.h"

#include <stdlib.h>
#include <string.h>

int ferry_store_is_pg(const char *where)
{
	return where && (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11));
}

/* Drop "password=..." from a URL's query string, in place. */
static void redact_query(char *q)
{
	char *p = q;

	while ((p = strstr(p, "password="))) {
		char *end = strchr(p, '&');
		int first = p > q && (p[-1] == '?' || p[-1] == '&');
		if (!first) {
			p++;
			continue;
		}
		if (end)
			memmove(p, end + 1, strlen(end + 1) + 1);
		else
			p[-1] = '\0';  /* drop the '?' or '&' before it too */
	}
}

char *ferry_store_redact(const char *where)
{
	char *out, *auth, *end, *at, *colon;

	if (!where)
		return NULL;
	out = strdup(where);
	if (!out || !ferry_store_is_pg(where))
		return out;
	auth = strstr(out, "://") + 3;
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', (size_t)(end - auth));
	if (at && (colon = memchr(auth, ':', (size_t)(at - auth))))
		memmove(colon, at, strlen(at) + 1);
	if ((end = strchr(out, '?')))
		redact_query(end);
	return out;
}
