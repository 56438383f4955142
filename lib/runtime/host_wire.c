/* SPDX-License-Identifier: MIT */
/* host_wire.c: the frames ferry and its agent exchange over the SSH channel (a type
 * byte, a 4-byte big-endian length, the payload), errors carried across them by code
 * name, and plain file-descriptor sources and sinks for streams. */
#include "runtime/host_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		/* a socket to ssh: no SIGPIPE when the host went away, an error instead */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 all read, 0 EOF before anything, -1 error or EOF inside. */
static int read_all(int fd, void *data, size_t len)
{
	char *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (got == 0)
				return 0;
			errno = EPIPE;
			return -1;
		}
		got += (size_t)n;
	}
	return 1;
}

int wire_write(int fd, char type, const void *data, size_t len)
{
	unsigned char h[5];

	if (len > WIRE_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	h[0] = (unsigned char)type;
	h[1] = (unsigned char)(len >> 24);
	h[2] = (unsigned char)(len >> 16);
	h[3] = (unsigned char)(len >> 8);
	h[4] = (unsigned char)len;
	if (write_all(fd, h, sizeof(h)) < 0)
		return -1;
	return len ? write_all(fd, data, len) : 0;
}

int wire_write_json(int fd, const json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	int rc;

	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	rc = wire_write(fd, WIRE_JSON, s, strlen(s));
	free(s);
	return rc;
}

int wire_read(int fd, char *type, struct ferry_buf *payload)
{
	unsigned char h[5];
	size_t len;
	int rc;

	ferry_buf_reset(payload);
	if ((rc = read_all(fd, h, sizeof(h))) <= 0)
		return rc;
	len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
	if (len > WIRE_MAX || !strchr("JDEA", h[0]) || !h[0]) {
		errno = EPROTO;
		return -1;
	}
	*type = (char)h[0];
	if (!len)
		return 1;
	if (payload->cap < len + 1) {
		char *d = realloc(payload->data, len + 1);
		if (!d) {
			errno = ENOMEM;
			return -1;
		}
		payload->data = d;
		payload->cap = len + 1;
	}
	if (read_all(fd, payload->data, len) != 1)
		return -1;
	payload->len = len;
	payload->data[len] = '\0';
	return 1;
}

json_t *wire_error_json(const struct ferry_error *err)
{
	return json_pack("{s:{s:s, s:s}}", "error", "code",
			 ferry_code_name(err && err->code ? err->code : FERRY_EINTERNAL),
			 "message", err && err->msg[0] ? err->msg : "failed on the host");
}

int wire_error_from(const json_t *ans, struct ferry_error *err)
{
	static const int codes[] = { FERRY_EINVAL, FERRY_ENOTFOUND, FERRY_EEXIST, FERRY_ESTATE,
				     FERRY_EREFUSED, FERRY_EVERIFY, FERRY_EUNSAFE, FERRY_EIO,
				     FERRY_ESTORE, FERRY_ENOMEM, FERRY_EFAILED, FERRY_EINTERNAL };
	const json_t *e = json_object_get(ans, "error");
	const char *name = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	size_t i;

	if (!e)
		return 0;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (name && !strcmp(name, ferry_code_name(codes[i])))
			return ferry_error_set(err, codes[i], "%s", msg ? msg : "failed on the host");
	return ferry_error_set(err, FERRY_EINTERNAL, "%s", msg ? msg : "failed on the host");
}

int host_fd_write(void *fdp, const void *buf, size_t len, struct ferry_error *err)
{
	if (write_all(*(int *)fdp, buf, len) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot write");
	return 0;
}

int host_fd_read(void *fdp, void *buf, size_t cap, size_t *got, struct ferry_error *err)
{
	ssize_t n;

	do
		n = read(*(int *)fdp, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read");
	*got = (size_t)n;
	return 0;
}
