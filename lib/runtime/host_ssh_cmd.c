/* SPDX-License-Identifier: MIT */
/* host_ssh_cmd.c: the OpenSSH client as ferry runs it: the options of every
 * connection (the pinned key in <home>/hosts/<name>.known_hosts, key only, batch
 * mode, one ControlMaster connection per host and pin), the ssh process and what its
 * failures mean, and the bootstrap's fixed scripts (installing the agent, checking
 * the tools) whose only argument arrives as a line on stdin, never in the command. */
#include "runtime/host_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/store/ctx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_S "10"
#define PERSIST_S "60"
#define EXIT_WAIT_MS 20000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- paths and options ---- */

static int hosts_dir(struct ferry_ctx *ctx, char out[PATH_MAX], struct ferry_error *err)
{
	if (snprintf(out, PATH_MAX, "%s/hosts", ctx->home) >= PATH_MAX)
		return ferry_error_set(err, FERRY_EINVAL, "home directory too long");
	return ferry_mkdir_p(out, 0700, err);
}

/* An ssh option value: quoted (ssh splits unquoted values at spaces), '%' doubled
 * (ssh expands %-tokens), then raw (a token of ours, e.g. "/%C"); a '"' cannot be
 * written. */
static int opt_path(char *out, size_t cap, const char *key, const char *path, const char *raw,
		    struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	const char *p;
	int rc = 0;

	if (strchr(path, '"'))
		return ferry_error_set(err, FERRY_EINVAL, "path %s: a '\"' cannot be given to ssh", path);
	ferry_buf_addf(&b, "%s=\"", key);
	for (p = path; *p; p++) {
		if (*p == '%')
			ferry_buf_adds(&b, "%%");
		else
			ferry_buf_add(&b, p, 1);
	}
	ferry_buf_addf(&b, "%s\"", raw);
	if (!b.data || snprintf(out, cap, "%s", b.data) >= (int)cap)
		rc = ferry_error_set(err, FERRY_EINVAL, "path %s too long for ssh", path);
	ferry_buf_release(&b);
	return rc;
}

/* The directory of the ControlMaster sockets: <home>/hosts/ctl when a socket path
 * fits there (108 bytes for "<dir>/<pin>-<%C>" and the 17 bytes ssh appends to it
 * while it binds), else a private directory under the temporary directory (or /tmp
 * when that is too deep) named after the home. */
static int ctl_dir(struct ferry_ctx *ctx, char out[PATH_MAX], struct ferry_error *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	struct stat st;
	const char *tmp = ctx->settings.tmp_dir ? ctx->settings.tmp_dir : "/tmp";
	int i, n;

	snprintf(out, PATH_MAX, "%s/hosts/ctl", ctx->home);
	if (strlen(out) + 68 >= 106)
		goto elsewhere;
	return ferry_mkdir_p(out, 0700, err);
elsewhere:
	crypto_hash_sha256(h, (const unsigned char *)ctx->home, strlen(ctx->home));
	/* the temporary directory, else /tmp when that is too deep (a private directory
	 * of this user either way, checked below) */
	for (;;) {
		n = snprintf(out, PATH_MAX, "%s/ferry-ssh-%ld-", tmp, (long)getuid());
		for (i = 0; i < 6 && n > 0 && n + 2 < PATH_MAX; i++)
			n += snprintf(out + n, PATH_MAX - (size_t)n, "%02x", h[i]);
		if (strlen(out) + 68 < 106)
			break;
		if (!strcmp(tmp, "/tmp"))
			return ferry_error_set(err, FERRY_EINVAL, "no short directory for ssh's control "
					       "sockets: set a shorter tmp-dir");
		tmp = "/tmp";
	}
	if (mkdir(out, 0700) < 0 && errno != EEXIST)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot create %s", out);
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077))
		return ferry_error_set(err, FERRY_EUNSAFE, "%s is not a private directory of this "
				       "user: remove it", out);
	return 0;
}

/* <home>/hosts/<name>.known_hosts holding exactly the pinned key (empty: none yet). */
static int known_hosts(struct ferry_ctx *ctx, const struct host_rec *h, int fresh, char out[PATH_MAX],
		       struct ferry_error *err)
{
	struct ferry_buf cur = FERRY_BUF_INIT;
	const char *want = fresh || !h->host_key ? "" : h->host_key;
	int rc;

	if ((rc = hosts_dir(ctx, out, err)))
		return rc;
	snprintf(out + strlen(out), PATH_MAX - strlen(out), "/%s.known_hosts", h->name);
	if (!ferry_buf_read_file(&cur, out) && !strcmp(cur.data ? cur.data : "", want)) {
		ferry_buf_release(&cur);
		return 0;
	}
	ferry_buf_release(&cur);
	return ferry_write_file_atomic(out, want, strlen(want), 0600, err);
}

int hsess_pinned(struct ferry_ctx *ctx, const char *host, char **out, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/hosts/%s.known_hosts", ctx->home, host);
	if (ferry_buf_read_file(&b, p) || !b.len) {
		ferry_buf_release(&b);
		return ferry_error_set(err, FERRY_EVERIFY, "ssh pinned no key for host '%s'", host);
	}
	*out = ferry_buf_detach(&b);
	return 0;
}


static void add(struct sshcmd *c, const char *a)
{
	if (c->n < MAX_ARGS - 1)
		c->argv[c->n++] = (char *)a;
	c->argv[c->n] = NULL;
}

int ssh_build(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
		 const char *remote, struct sshcmd *c, struct ferry_error *err)
{
	char kh[PATH_MAX], ctl[PATH_MAX];
	static const char *const fixed[] = {
		"-F", "/dev/null", "-T", "-x", "-a",
		"-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "CheckHostIP=no", "-o", "UpdateHostKeys=no",
		"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
		"-o", "PubkeyAuthentication=yes", "-o", "GSSAPIAuthentication=no",
		"-o", "HostbasedAuthentication=no", "-o", "ControlMaster=auto",
		"-o", "ControlPersist=" PERSIST_S, "-o", "ConnectTimeout=" CONNECT_TIMEOUT_S,
		"-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR",
		NULL
	};
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	add(c, "ssh");
	for (i = 0; fixed[i]; i++)
		add(c, fixed[i]);
	if ((rc = known_hosts(ctx, h, accept_new, kh, err)) || (rc = ctl_dir(ctx, ctl, err)))
		return rc;
	/* One master connection per pinned key: a host whose pin changed (removed and
	 * added again, or not pinned yet) never rides on a connection checked against
	 * another key. */
	{
		unsigned char hk[crypto_hash_sha256_BYTES];
		const char *pin = accept_new || !h->host_key ? "" : h->host_key;
		size_t n = strlen(ctl);
		crypto_hash_sha256(hk, (const unsigned char *)pin, strlen(pin));
		snprintf(ctl + n, sizeof(ctl) - n, "/%02x%02x%02x%02x", hk[0], hk[1], hk[2], hk[3]);
	}
	if ((rc = opt_path(c->opts[0], sizeof(c->opts[0]), "UserKnownHostsFile", kh, "", err)) ||
	    (rc = opt_path(c->opts[1], sizeof(c->opts[1]), "ControlPath", ctl, "-%C", err)))
		return rc;
	add(c, "-o");
	add(c, c->opts[0]);
	add(c, "-o");
	add(c, c->opts[1]);
	add(c, "-o");
	add(c, accept_new ? "StrictHostKeyChecking=accept-new" : "StrictHostKeyChecking=yes");
	snprintf(c->alias, sizeof(c->alias), "HostKeyAlias=ferry.%s", h->name);
	add(c, "-o");
	add(c, c->alias);
	if (h->identity[0]) {
		if ((rc = opt_path(c->opts[2], sizeof(c->opts[2]), "IdentityFile", h->identity, "", err)))
			return rc;
		add(c, "-o");
		add(c, c->opts[2]);
		add(c, "-o");
		add(c, "IdentitiesOnly=yes");
		add(c, "-o");
		add(c, "IdentityAgent=none");
	}
	snprintf(c->port, sizeof(c->port), "%d", h->port);
	snprintf(c->user, sizeof(c->user), "%s", h->user);
	add(c, "-p");
	add(c, c->port);
	add(c, "-l");
	add(c, c->user);
	add(c, "--");
	add(c, h->address);
	add(c, remote);
	return 0;
}

/* ---- the ssh process ---- */

int ssh_err_file(struct ferry_ctx *ctx, struct ferry_error *err)
{
	char dir[PATH_MAX], tmpl[PATH_MAX + 16];
	int fd;

	if (hosts_dir(ctx, dir, err))
		return -1;
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	snprintf(tmpl, sizeof(tmpl), "%s/.ssh-err-XXXXXX", dir);
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0) {
		ferry_error_errno(err, FERRY_EIO, errno, "cannot create a file in %s", dir);
		return -1;
	}
	unlink(tmpl);
	return fd;
}

int ssh_spawn(struct sshcmd *c, int sock, int errfd, pid_t *out, struct ferry_error *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot fork");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sock, 0) < 0 || dup2(sock, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(126);
		close_range(3, ~0U, 0);
		setpgid(0, 0);            /* a ^C of the operator reaches ferry, which closes us */
		execvp(c->argv[0], c->argv);
		_exit(errno == ENOENT ? 125 : 126);
	}
	*out = pid;
	return 0;
}

/* Wait for the ssh process up to ms, then kill it; its exit status (-1: killed). */
int ssh_reap(pid_t pid, long ms)
{
	int64_t deadline = ferry_mono_ms() + ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (ferry_mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		sleep_ms(10);
	}
}

/* The last lines ssh (or the remote shell) wrote on stderr, into out. */
void ssh_err_text(int fd, char *out, size_t cap)
{
	char buf[8192];
	ssize_t n;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
	char *p, *e;

	out[0] = '\0';
	if (size <= 0 || (n = pread(fd, buf, sizeof(buf) - 1, from)) <= 0)
		return;
	buf[n] = '\0';
	for (p = buf; *p == '\n' || *p == '\r' || *p == ' '; p++)
		;
	for (e = p + strlen(p); e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '); e--)
		;
	*e = '\0';
	for (char *q = p; *q; q++)
		if (*q == '\n' || *q == '\r')
			*q = ' ';
	snprintf(out, cap, "%s", p);
}

/* What a failed connection means, in words an operator can act on. */
int ssh_conn_error(const char *who, const char *host, const char *text, int status,
		      struct ferry_error *err)
{
	if (status == 125)
		return ferry_error_set(err, FERRY_EIO, "the OpenSSH client (ssh) is not installed on "
				       "ferry's machine (apt-get install openssh-client)");
	if (strstr(text, "REMOTE HOST IDENTIFICATION HAS CHANGED") || strstr(text, "Host key for"))
		return ferry_error_set(err, FERRY_EVERIFY, "%s: its host key changed: the key the host "
			"offers differs from the one pinned when it was added. If the host was "
			"reinstalled, verify the new key's fingerprint, then 'ferry host rm %s' and add it "
			"again with --accept-host-key; otherwise someone may be intercepting the "
			"connection", who, host);
	if (strstr(text, "Host key verification failed") || strstr(text, "host key is known"))
		return ferry_error_set(err, FERRY_EVERIFY, "%s: its host key is not known: check its "
			"fingerprint (ssh-keyscan on a trusted path), then add it with --accept-host-key "
			"to pin it (%s)", who, text);
	if (strstr(text, "Permission denied"))
		return ferry_error_set(err, FERRY_EREFUSED, "%s refused the login: ferry logs in with "
			"a key only (--identity FILE, or ssh's default key); add its public key to the "
			"user's authorized_keys (%s)", who, text);
	if (status == 127 && strstr(text, "bin/ferry"))
		return ferry_error_set(err, FERRY_ENOTFOUND, "%s: no ferry agent at its directory's "
			"bin/ferry, or it cannot run there: install it with 'ferry host install %s' (%s)",
			who, host, text);
	return ferry_error_set(err, FERRY_EIO, "%s is unreachable: %s; ferry retries nothing on "
			       "its own: when the host is back, resume ('ferry op resume', 'ferry "
			       "upgrade resume')", who, text[0] ? text : "the connection closed");
}

/* ---- the bootstrap: fixed scripts ---- */

int hsess_script(struct ferry_ctx *ctx, const struct host_rec *h, int accept_new,
		 const char *script, const char *lines, const char *in_file, struct ferry_buf *out,
		 struct ferry_error *err)
{
	char who[256], text[1024], buf[65536];
	struct sshcmd c;
	int sv[2], errfd, fd = -1, rc, status;
	ssize_t n;
	pid_t pid;

	snprintf(who, sizeof(who), "host '%s' (%s@%s:%d)", h->name, h->user, h->address, h->port);
	if ((rc = ssh_build(ctx, h, accept_new, script, &c, err)))
		return rc;
	if (in_file && (fd = open(in_file, O_RDONLY | O_CLOEXEC)) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", in_file);
	if ((errfd = ssh_err_file(ctx, err)) < 0) {
		rc = err ? err->code : FERRY_EIO;
		goto out_fd;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create a socket pair");
		goto out_err;
	}
	rc = ssh_spawn(&c, sv[1], errfd, &pid, err);
	close(sv[1]);
	if (rc) {
		close(sv[0]);
		goto out_err;
	}
	rc = host_fd_write(&sv[0], lines, strlen(lines), NULL);
	while (!rc && fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		rc = host_fd_write(&sv[0], buf, (size_t)n, NULL);
	shutdown(sv[0], SHUT_WR);
	while ((n = read(sv[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && out)
			ferry_buf_add(out, buf, (size_t)n);
	close(sv[0]);
	status = ssh_reap(pid, EXIT_WAIT_MS);
	ssh_err_text(errfd, text, sizeof(text));
	if (status == 255 || status == 125 || status < 0)
		rc = ssh_conn_error(who, h->name, text, status, err);
	else if (status)
		rc = ferry_error_set(err, FERRY_EFAILED, "%s: the command failed (exit %d): %s", who,
				     status, text[0] ? text : "no message");
	else
		rc = 0;
out_err:
	close(errfd);
out_fd:
	if (fd >= 0)
		close(fd);
	return rc;
}

int host_self_exe(char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	/* ferryd installs its sibling `ferry` */
	if (slash && !strcmp(slash + 1, "ferryd")) {
		slash[1] = '\0';
		return snprintf(out, cap, "%sferry", self) >= (int)cap ? -1 : 0;
	}
	return snprintf(out, cap, "%s", self) >= (int)cap ? -1 : 0;
}
