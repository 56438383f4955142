/* SPDX-License-Identifier: MIT */
/* error.c: struct ferry_error helpers (set, prefix context, code names). */
#include "ferry/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A message that did not fit says so: its end becomes "..." (never a silent cut). */
static void mark_cut(struct ferry_error *err, int n)
{
	if (n >= (int)sizeof(err->msg))
		memcpy(err->msg + sizeof(err->msg) - 4, "...", 4);
}

void ferry_error_clear(struct ferry_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
	err->activity_id[0] = '\0';
}

int ferry_error_set(struct ferry_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	mark_cut(err, vsnprintf(err->msg, sizeof(err->msg), fmt, ap));
	va_end(ap);
	return code;
}

int ferry_error_errno(struct ferry_error *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	mark_cut(err, vsnprintf(err->msg, sizeof(err->msg), fmt, ap));
	va_end(ap);
	n = strlen(err->msg);
	mark_cut(err, (int)n + snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum)));
	return code;
}

int ferry_error_prefix(struct ferry_error *err, const char *fmt, ...)
{
	char old[FERRY_ERROR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return FERRY_EINTERNAL;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && n < (int)sizeof(err->msg))
		n += snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", old);
	mark_cut(err, n);
	return err->code;
}

const char *ferry_code_name(int code)
{
	switch (code) {
	case FERRY_OK: return "ok";
	case FERRY_EINVAL: return "invalid";
	case FERRY_ENOTFOUND: return "not-found";
	case FERRY_EEXIST: return "exists";
	case FERRY_ESTATE: return "conflict";
	case FERRY_EREFUSED: return "refused";
	case FERRY_EVERIFY: return "verification-failed";
	case FERRY_EUNSAFE: return "unsafe";
	case FERRY_EIO: return "io";
	case FERRY_ESTORE: return "store";
	case FERRY_ENOMEM: return "no-memory";
	case FERRY_EFAILED: return "failed";
	default: return "internal";
	}
}
