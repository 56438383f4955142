/* SPDX-License-Identifier: MIT */
/* util.c: errors, release names, number parsing, small file helpers. */
#include "ledger.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

long long ledger_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lerr_set(struct lerr *e, int status, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->status = status;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

enum ledger_release ledger_release_parse(const char *s)
{
	if (!s)
		return REL_UNKNOWN;
	if (!strcmp(s, "7.3"))
		return REL_73;
	if (!strcmp(s, "8.0"))
		return REL_80;
	if (!strcmp(s, "8.1"))
		return REL_81;
	return REL_UNKNOWN;
}

const char *ledger_release_name(enum ledger_release r)
{
	switch (r) {
	case REL_73: return "7.3";
	case REL_80: return "8.0";
	case REL_81: return "8.1";
	default: return "unknown";
	}
}

int ledger_parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *ledger_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t size = 0;
	FILE *mem;

	if (!f)
		return NULL;
	mem = open_memstream(&data, &size);
	if (mem) {
		char chunk[8192];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, mem);
		fclose(mem);
	}
	if (ferror(f)) {
		free(data);
		data = NULL;
	}
	fclose(f);
	if (data && len)
		*len = size;
	return data;
}

int ledger_mkdir_p(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -1;
	return 0;
}
