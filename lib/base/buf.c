/* SPDX-License-Identifier: MIT */
/* buf.c: growable byte buffer with a size cap. */
#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_DEFAULT_LIMIT ((size_t)256 << 20)

void ferry_buf_init(struct ferry_buf *b)
{
	b->data = NULL;
	b->len = b->cap = b->limit = 0;
}

void ferry_buf_release(struct ferry_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void ferry_buf_reset(struct ferry_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_grow(struct ferry_buf *b, size_t extra)
{
	size_t limit = b->limit ? b->limit : BUF_DEFAULT_LIMIT;
	size_t need, ncap;
	char *n;

	if (extra > limit || b->len + extra > limit)
		return FERRY_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	n = realloc(b->data, ncap);
	if (!n)
		return FERRY_ENOMEM;
	b->data = n;
	b->cap = ncap;
	return 0;
}

int ferry_buf_add(struct ferry_buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len))
		return FERRY_ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int ferry_buf_adds(struct ferry_buf *b, const char *s)
{
	return ferry_buf_add(b, s, strlen(s));
}

int ferry_buf_vaddf(struct ferry_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || buf_grow(b, (size_t)n))
		return FERRY_ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ferry_buf_addf(struct ferry_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ferry_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *ferry_buf_detach(struct ferry_buf *b)
{
	char *d = b->data;

	if (!d)
		d = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

int ferry_buf_read_file(struct ferry_buf *b, const char *path)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return FERRY_EIO;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return FERRY_EIO;
		}
		if (ferry_buf_add(b, chunk, (size_t)n)) {
			close(fd);
			return FERRY_ENOMEM;
		}
	}
	close(fd);
	return 0;
}
