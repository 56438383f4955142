/* SPDX-License-Identifier: MIT */
/* sandbox_landlock.c: the Landlock LSM (Linux 5.13+) through its raw system calls:
 * the ABI the kernel offers, a ruleset from a sandbox policy (paths beneath which a
 * process may read, write or execute; the TCP ports it may bind and connect to, ABI
 * 4+; no signals or abstract Unix sockets outside its domain, ABI 6+), and enforcing
 * it in a child before exec. The rights of newer ABIs are defined here when the
 * system's <linux/landlock.h> predates them; a right the kernel does not know is
 * never asked for. */
#include "runtime/sandbox.h"

#include "ferry/base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LL_NET_BIND_TCP (1ULL << 0)
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_RULE_NET_PORT 2
#define LL_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)

/* struct landlock_ruleset_attr as of ABI 6; the size passed says which fields. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
		  LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
		  LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
		  LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | \
		  LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)
#define FS_FILE (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		 LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_TRUNCATE | \
		 LANDLOCK_ACCESS_FS_IOCTL_DEV)

int rt_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v > 0 ? (int)v : 0;
}

/* Every filesystem right the kernel's ABI knows. */
static uint64_t fs_known(int abi)
{
	uint64_t a = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;   /* ABI 1: bits 0-12 */

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		a |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return a;
}

static uint64_t path_rights(unsigned flags, int abi)
{
	uint64_t a = 0;

	if (flags & RT_SB_READ)
		a |= FS_READ;
	if (flags & RT_SB_WRITE)
		a |= FS_WRITE;
	if (flags & RT_SB_EXEC)
		a |= LANDLOCK_ACCESS_FS_EXECUTE;
	if (flags & RT_SB_DEV)
		a |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (flags & RT_SB_FILE)
		a &= FS_FILE;
	return a & fs_known(abi);
}

static int add_path(int fd, const char *path, uint64_t rights)
{
	struct landlock_path_beneath_attr pb;
	int pfd = open(path, O_PATH | O_CLOEXEC), rc, e;

	if (pfd < 0)
		return -1;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = rights;
	pb.parent_fd = pfd;
	rc = (int)syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	e = errno;
	close(pfd);
	errno = e;
	return rc;
}

static int add_port(int fd, int port, uint64_t rights)
{
	struct ll_net_port_attr np = { rights, (uint64_t)port };

	return (int)syscall(SYS_landlock_add_rule, fd, LL_RULE_NET_PORT, &np, 0);
}

static int add_ports(int fd, const struct rt_sandbox *sb)
{
	size_t i;
	int own = 0;

	for (i = 0; i < sb->n_connect; i++) {
		uint64_t r = LL_NET_CONNECT_TCP;
		if (sb->connect[i] == sb->port) {
			r |= LL_NET_BIND_TCP;
			own = 1;
		}
		if (add_port(fd, sb->connect[i], r) < 0)
			return -1;
	}
	return own || sb->port <= 0 ? 0 : add_port(fd, sb->port, LL_NET_BIND_TCP);
}

int rt_landlock_ruleset(const struct rt_sandbox *sb, int *fd, struct ferry_error *err)
{
	struct ll_ruleset_attr attr;
	size_t size, i;
	int rs;

	*fd = -1;
	if (sb->mode != RT_SB_LANDLOCK)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs_known(sb->abi);
	size = sizeof(attr.handled_access_fs);
	if (sb->abi >= 4) {
		size += sizeof(attr.handled_access_net);
		if (sb->net_confined)
			attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	}
	if (sb->abi >= 6) {
		size += sizeof(attr.scoped);
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
	}
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "sandbox: cannot create a Landlock "
					 "ruleset (ABI %d)", sb->abi);
	for (i = 0; i < sb->n_paths; i++) {
		const struct rt_sb_path *p = &sb->paths[i];
		if (add_path(rs, p->path, path_rights(p->flags, sb->abi)) == 0)
			continue;
		if ((p->flags & RT_SB_OPTIONAL) && errno == ENOENT)
			continue;
		ferry_error_errno(err, FERRY_EIO, errno, "sandbox: Landlock rule for %s", p->path);
		close(rs);
		return FERRY_EIO;
	}
	if (sb->net_confined && add_ports(rs, sb) < 0) {
		ferry_error_errno(err, FERRY_EIO, errno, "sandbox: Landlock rule for TCP port %d", sb->port);
		close(rs);
		return FERRY_EIO;
	}
	*fd = rs;
	return 0;
}

int rt_landlock_allow(int fd, const char *path, unsigned flags, int abi)
{
	return add_path(fd, path, path_rights(flags, abi));
}

int rt_landlock_enforce(int fd, int abi)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	if (fd < 0)
		return 0;
	return (int)syscall(SYS_landlock_restrict_self, fd,
			    abi >= 7 ? LL_RESTRICT_SELF_LOG_NEW_EXEC_ON : 0);
}
