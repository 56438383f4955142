/* SPDX-License-Identifier: MIT */
/* host_agent_check.c: what a host offers ferry, asked by `ferry host check`: free
 * disk and the directory's state, free ports in the port range, the sandbox features
 * of its kernel (Landlock ABI, bubblewrap, root, user namespaces, seccomp, cgroup v2)
 * and which supervisor runs services there. */
#include "runtime/host_agent.h"
#include "runtime/sandbox.h"

#include "ferry/base/error.h"
#include "ferry/package/package.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#define PORT_SCAN_MAX 4096

static int bindable_any(int port)
{
	struct sockaddr_in sa;
	int fd, one = 1, ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static long read_long(const char *path)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f && fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static json_t *features(void)
{
	long userns = read_long("/proc/sys/user/max_user_namespaces");
	long unpriv = read_long("/proc/sys/kernel/unprivileged_userns_clone");
	struct rt_sb_host h;
	struct utsname u;

	uname(&u);
	rt_sb_local_host(&h);
	return json_pack("{s:i, s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:s}",
		"landlock_abi", h.landlock_abi, "bwrap", h.bwrap, "root", h.root,
		"user_namespaces", userns > 0 && unpriv != 0,
		"seccomp", prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0,
		"cgroup2", access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0,
		"systemd", access("/run/systemd/system", F_OK) == 0,
		"kernel", u.release, "arch", u.machine);
}

int agent_check(struct agent *a, const json_t *req, json_t **ans, struct ferry_error *err)
{
	int lo = (int)json_integer_value(json_object_get(req, "port_lo"));
	int hi = (int)json_integer_value(json_object_get(req, "port_hi"));
	int port, scanned = 0, free_ports = 0;
	char sha[65] = "";
	struct statvfs vf;
	uint64_t size;
	json_t *f;

	if (lo < 1 || hi > 65535 || lo > hi)
		return ferry_error_set(err, FERRY_EINVAL, "a port range, please");
	for (port = lo; port <= hi && scanned < PORT_SCAN_MAX; port++, scanned++)
		free_ports += bindable_any(port);
	if (statvfs(a->dir, &vf) < 0)
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot stat %s", a->dir);
	ferry_file_sha256("/proc/self/exe", sha, &size, NULL);
	f = features();
	json_object_set_new(f, "supervisor", json_string(json_is_true(json_object_get(f, "systemd"))
		? "systemd present; ferry supervises (setsid, pid files)" : "ferry (setsid, pid files)"));
	*ans = json_pack("{s:s, s:I, s:I, s:b, s:i, s:i, s:o, s:s, s:I}", "dir", a->dir,
		"disk_free", (json_int_t)((uint64_t)vf.f_bavail * vf.f_frsize),
		"disk_total", (json_int_t)((uint64_t)vf.f_blocks * vf.f_frsize),
		"dir_writable", access(a->dir, W_OK) == 0, "ports_scanned", scanned,
		"ports_free", free_ports, "features", f, "agent_sha256", sha,
		"uid", (json_int_t)getuid());
	return 0;
}
