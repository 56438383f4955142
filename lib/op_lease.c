/* op_lease.c: who holds a running operation: process id plus an identity that
 * survives neither a reboot nor pid reuse (boot id and process start time). */
#include "op_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void read_boot_id(char *out, size_t cap)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, (int)cap, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot. */
static int read_start_time(long long pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	size_t n;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')) || !p[1] || !p[2])
		return -1;
	if (p[2] == 'Z' || p[2] == 'X')
		return -1; /* a zombie runs nothing any more */
	/* after ") " comes field 3 (state) */
	for (field = 3, p += 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || sscanf(p, "%llu", &v) != 1)
		return -1;
	*out = v;
	return 0;
}

void op_lease_self(char token[OP_TOKEN_MAX])
{
	char boot[64];
	unsigned long long st = 0;

	read_boot_id(boot, sizeof(boot));
	read_start_time((long long)getpid(), &st);
	snprintf(token, OP_TOKEN_MAX, "%s:%llu", boot, st);
}

int op_lease_alive(int64_t pid, const char *token)
{
	char boot[64], want[OP_TOKEN_MAX];
	unsigned long long st;
	const char *colon;

	if (pid <= 0 || !token)
		return 0;
	read_boot_id(boot, sizeof(boot));
	colon = strrchr(token, ':');
	if (!colon || strncmp(token, boot, (size_t)(colon - token)) ||
	    strlen(boot) != (size_t)(colon - token))
		return 0; /* another boot: nothing of that run survives */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	if (read_start_time((long long)pid, &st) < 0)
		return 0;
	snprintf(want, sizeof(want), "%s:%llu", boot, st);
	return strcmp(want, token) == 0;
}
