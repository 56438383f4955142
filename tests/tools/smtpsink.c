/* SPDX-License-Identifier: MIT */
/* smtpsink.c: a minimal real SMTP server for tests: accepts mail on 127.0.0.1 and
 * writes each message to DIR/<n>.eml. Usage: smtpsink DIR PORTFILE (port 0 = any). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int count;

static void reply(FILE *io, const char *line)
{
	fprintf(io, "%s\r\n", line);
	fflush(io);
}

static void save(const char *dir, const char *from, const char *rcpt, const char *data)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d.eml", dir, ++count);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "X-Envelope-From: %s\nX-Envelope-To: %s\n%s", from, rcpt, data);
	fclose(f);
}

static void session(int fd, const char *dir)
{
	char line[4096], from[512] = "", rcpt[512] = "";
	size_t cap = 1 << 20, len = 0;
	char *data = malloc(cap);
	FILE *io = fdopen(fd, "r+");

	if (!io || !data) {
		free(data);
		close(fd);
		return;
	}
	reply(io, "220 smtpsink ready");
	while (fgets(line, sizeof(line), io)) {
		if (!strncasecmp(line, "EHLO", 4) || !strncasecmp(line, "HELO", 4)) {
			reply(io, "250 smtpsink");
		} else if (!strncasecmp(line, "MAIL FROM:", 10)) {
			snprintf(from, sizeof(from), "%.*s", (int)sizeof(from) - 1, line + 10);
			from[strcspn(from, "\r\n")] = '\0';
			reply(io, "250 OK");
		} else if (!strncasecmp(line, "RCPT TO:", 8)) {
			snprintf(rcpt, sizeof(rcpt), "%.*s", (int)sizeof(rcpt) - 1, line + 8);
			rcpt[strcspn(rcpt, "\r\n")] = '\0';
			reply(io, "250 OK");
		} else if (!strncasecmp(line, "DATA", 4)) {
			reply(io, "354 end with <CRLF>.<CRLF>");
			len = 0;
			while (fgets(line, sizeof(line), io)) {
				size_t n = strlen(line);
				if (!strcmp(line, ".\r\n") || !strcmp(line, ".\n"))
					break;
				if (len + n + 1 < cap) {
					memcpy(data + len, line, n);
					len += n;
				}
			}
			data[len] = '\0';
			save(dir, from, rcpt, data);
			reply(io, "250 OK queued");
		} else if (!strncasecmp(line, "QUIT", 4)) {
			reply(io, "221 bye");
			break;
		} else {
			reply(io, "250 OK");
		}
	}
	fclose(io);
	free(data);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { 0 };
	socklen_t al = sizeof(a);
	FILE *pf;
	int s, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: smtpsink DIR PORTFILE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		perror("smtpsink");
		return 1;
	}
	pf = fopen(argv[2], "w");
	if (!pf)
		return 1;
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			session(c, argv[1]);
	}
}
