/* SPDX-License-Identifier: MIT */
/* error.h: ferry's one error convention: negative codes plus a human message. */
#ifndef FERRY_ERROR_H
#define FERRY_ERROR_H

#include <stddef.h>

/* Every fallible libferry function returns 0 on success or one of these. */
enum ferry_code {
	FERRY_OK = 0,
	FERRY_EINVAL = -1,    /* bad input from the caller (usage, syntax, value) */
	FERRY_ENOTFOUND = -2, /* named object does not exist */
	FERRY_EEXIST = -3,    /* object already exists */
	FERRY_ESTATE = -4,    /* wrong state for this action (conflict) */
	FERRY_EREFUSED = -5,  /* a rule (catalog, policy, feature) forbids it */
	FERRY_EVERIFY = -6,   /* hash or signature verification failed */
	FERRY_EUNSAFE = -7,   /* hostile or broken input (archive, path) */
	FERRY_EIO = -8,       /* operating system or I/O failure */
	FERRY_ESTORE = -9,    /* state store failure (corrupt, locked, schema) */
	FERRY_ENOMEM = -10,   /* out of memory */
	FERRY_EFAILED = -11,  /* an operation step failed (see message) */
	FERRY_EINTERNAL = -12 /* bug: an invariant did not hold */
};

#define FERRY_ERROR_MSG_MAX 2048

/* Filled by a failing call; the caller owns it (usually on the stack). */
struct ferry_error {
	int code;                       /* one of enum ferry_code */
	char msg[FERRY_ERROR_MSG_MAX];  /* "context: context: cause" */
	char activity_id[40];           /* set by operations, else empty */
};

/* Reset to "no error". Accepts NULL. */
void ferry_error_clear(struct ferry_error *err);

/* Set code and message; returns code so callers can `return ferry_error_set(...)`.
 * err may be NULL (the message is dropped). */
int ferry_error_set(struct ferry_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ferry_error_set, appending ": strerror(errnum)". */
int ferry_error_errno(struct ferry_error *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix context to an existing message ("applying 'x': " + old); returns err->code. */
int ferry_error_prefix(struct ferry_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Short stable name of a code ("invalid", "not-found", ...), for JSON and APIs. */
const char *ferry_code_name(int code);

#endif
