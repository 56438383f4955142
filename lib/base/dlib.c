/* SPDX-License-Identifier: MIT */
/* dlib.c: loads an optional shared library by its SONAME on first use and resolves its
 * table of symbols (include/ferry/base/dlib.h); a clear error when it is missing. */
#include "ferry/base/dlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t dlib_lock = PTHREAD_MUTEX_INITIALIZER;

static void clear_slots(const struct ferry_dlib *lib)
{
	size_t i;

	for (i = 0; i < lib->nsyms; i++)
		*lib->syms[i].slot = NULL;
}

/* Under the lock: dlopen, every symbol, the library's own init. 1 or -1 (lib->why). */
static int load_locked(struct ferry_dlib *lib)
{
	const char *e;
	size_t i;

	dlerror();
	/* RTLD_NOW: a missing symbol of the library's own dependencies shows here, not as a
	 * crash in the middle of a command. RTLD_LOCAL: its names stay out of the global
	 * scope; ours are reached only through the table. */
	if (!(lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL))) {
		e = dlerror();
		snprintf(lib->why, sizeof(lib->why), "%s", e ? e : "dlopen failed");
		return -1;
	}
	for (i = 0; i < lib->nsyms; i++) {
		dlerror();
		*lib->syms[i].slot = dlsym(lib->handle, lib->syms[i].name);
		if (!*lib->syms[i].slot) {
			e = dlerror();
			snprintf(lib->why, sizeof(lib->why), "symbol %s not found%s%s (too old a version?)",
				 lib->syms[i].name, e ? ": " : "", e ? e : "");
			goto fail;
		}
	}
	if (lib->init && lib->init() != 0) {
		snprintf(lib->why, sizeof(lib->why), "its initialisation failed");
		goto fail;
	}
	return 1;
fail:
	clear_slots(lib);
	dlclose(lib->handle);
	lib->handle = NULL;
	return -1;
}

int ferry_dlib_load(struct ferry_dlib *lib, struct ferry_error *err)
{
	int state = __atomic_load_n(&lib->loaded, __ATOMIC_ACQUIRE);

	if (state == 0) {
		pthread_mutex_lock(&dlib_lock);
		if (!(state = lib->loaded)) {
			state = load_locked(lib);
			__atomic_store_n(&lib->loaded, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&dlib_lock);
	}
	if (state > 0)
		return 0;
	return ferry_error_set(err, FERRY_EIO,
		"cannot load %s (%s): %s: install the Debian package %s (apt-get install %s)",
		lib->soname, lib->what, lib->why, lib->package, lib->package);
}
