/* SPDX-License-Identifier: MIT */
/* buf.h: a bounded growable byte buffer (NUL-terminated), after git's strbuf. */
#ifndef FERRY_BUF_H
#define FERRY_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct ferry_buf {
	char *data;   /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t limit; /* 0: default limit (256 MiB); growth past it fails */
};

#define FERRY_BUF_INIT { NULL, 0, 0, 0 }

void ferry_buf_init(struct ferry_buf *b);
/* Free the storage and reset to empty. Accepts NULL. */
void ferry_buf_release(struct ferry_buf *b);
/* Keep the storage, make it empty. */
void ferry_buf_reset(struct ferry_buf *b);
/* Append; return 0 or FERRY_ENOMEM when the limit or malloc fails. */
int ferry_buf_add(struct ferry_buf *b, const void *data, size_t len);
int ferry_buf_adds(struct ferry_buf *b, const char *s);
int ferry_buf_addf(struct ferry_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ferry_buf_vaddf(struct ferry_buf *b, const char *fmt, va_list ap);
/* Hand the storage to the caller (who frees it); the buffer becomes empty. */
char *ferry_buf_detach(struct ferry_buf *b);
/* Read a whole file into b (appends); limit applies. Returns 0 or FERRY_EIO. */
int ferry_buf_read_file(struct ferry_buf *b, const char *path);

#endif
