/* SPDX-License-Identifier: MIT */
/* sqlite_sidecar.c: ferry, running as root, opening the SQLite database of an
 * environment that runs under a uid of its own (sandbox_uid.c) while it serves. In WAL
 * mode the first read of a connection makes the database's -wal and -shm files when no
 * other connection has them (the last one to close removes them: an application that
 * closes its connection after each request, like MediaWiki under PHP, leaves none
 * between requests). Made by root, they are root's with the database's mode (0600)
 * until SQLite gives them to the database's owner a few instructions later; a request
 * of the application opening the database in between cannot open them and fails
 * ("unable to open database file": an HTTP 500 of the original while an upgrade is
 * prepared beside it, t0802). rt_sqlite_first_read() makes that first read with this
 * thread's file system ids those of the database's owner, so that what it makes is the
 * owner's from the start. Credentials are per thread in Linux (glibc does not spread
 * setfsuid to other threads): ferryd's other threads keep root's. */
#include "runtime/sqlite_sidecar.h"

#include <linux/capability.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

/* Is the file at path a SQLite database in WAL mode (header bytes 18 and 19)? */
static int wal_mode(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	return n == (ssize_t)sizeof(h) && !memcmp(h, "SQLite format 3", 16) && h[18] == 2 &&
	       h[19] == 2;
}

/* The file capabilities the kernel takes from the effective set when the file system
 * uid leaves 0 (capabilities(7)), raised again from the permitted set: ferry still
 * reaches the database through its home's directories (0700, root's) and SQLite still
 * gives what it makes to the owner. before: the sets as they were before the switch. */
static int raise_fs_caps(const struct __user_cap_data_struct before[_LINUX_CAPABILITY_U32S_3])
{
	static const int fs_caps[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
				       CAP_FOWNER, CAP_FSETID };
	struct __user_cap_header_struct hd = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	size_t i;

	if (syscall(SYS_capget, &hd, d) < 0)
		return -1;
	for (i = 0; i < sizeof(fs_caps) / sizeof(fs_caps[0]); i++)
		d[fs_caps[i] / 32].effective |= before[fs_caps[i] / 32].permitted &
						 (1u << (fs_caps[i] % 32));
	return syscall(SYS_capset, &hd, d) < 0 ? -1 : 0;
}

void rt_sqlite_first_read(sqlite3 *h, const char *path)
{
	struct __user_cap_header_struct hd = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct before[_LINUX_CAPABILITY_U32S_3];
	struct stat db;
	uid_t fsuid;
	gid_t fsgid;

	if (geteuid() != 0 || stat(path, &db) < 0 || !S_ISREG(db.st_mode) || db.st_uid == 0 ||
	    !wal_mode(path) || syscall(SYS_capget, &hd, before) < 0)
		return;
	fsgid = (gid_t)setfsgid(db.st_gid);
	fsuid = (uid_t)setfsuid(db.st_uid);
	if (raise_fs_caps(before) == 0)
		/* opens (makes) the -wal and -shm; this connection holds them open from
		 * now on, so no other closes them away and none is made again as root */
		sqlite3_exec(h, "PRAGMA schema_version", NULL, NULL, NULL);
	setfsuid(fsuid);
	setfsgid(fsgid);
	/* back to 0 the kernel raises them again from the permitted set; the effective
	 * set as it was, exactly */
	(void)syscall(SYS_capset, &hd, before);
}
