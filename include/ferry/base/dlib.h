/* SPDX-License-Identifier: MIT */
/* dlib.h: optional shared libraries (libpq, libcurl, libgit2, libcrypto) loaded with
 * dlopen on first use, so that a command that does not need one does not pay for mapping
 * and relocating it (and its own dependencies) at every start (docs/ARCHITECTURE.md,
 * "Optional libraries").
 *
 * A user of such a library has a symbol table next to it (lib/store/pq_sym.c, ...): one
 * function pointer ferry_sym_<name> per function it calls, declared with FERRY_DLSYM_DECLARE in
 * its header and defined with FERRY_DLSYM_DEFINE, and a `struct ferry_dlib` naming the
 * SONAME and the Debian package. Code compiles against the library's own header (types,
 * macros, constants); its calls go through the pointers, resolved all at once by
 * ferry_dlib_load before the first call. A library is loaded once per process and kept
 * open until exit (never dlclose'd: libraries such as libcurl and OpenSSL keep
 * process-wide state and threads may still hold pointers into them). */
#ifndef FERRY_BASE_DLIB_H
#define FERRY_BASE_DLIB_H

#include "ferry/base/error.h"

#include <stddef.h>

/* One symbol to resolve: its name and the address of the pointer that receives it. */
struct ferry_dlsym {
	const char *name;
	void **slot;
};

/* One optional library. Static, zero state; filled in by ferry_dlib_load. */
struct ferry_dlib {
	const char *soname;      /* what dlopen asks for, with its ABI version: "libpq.so.5" */
	const char *what;        /* for the message: "the PostgreSQL client library" */
	const char *package;     /* the Debian package that ships it: "libpq5" */
	const struct ferry_dlsym *syms;
	size_t nsyms;
	int (*init)(void);       /* after the symbols, once (curl_global_init); 0 or not, may be NULL */
	/* state, under dlib.c's lock; loaded is read without it once set */
	int loaded;              /* 1 loaded, -1 failed (why says how), 0 not tried */
	void *handle;
	char why[512];
};

/* Loads lib and resolves every symbol of its table, once per process; thread-safe.
 * 0, or FERRY_EIO with a message naming the library, the cause (dlerror or the missing
 * symbol) and the Debian package to install; a failure is remembered (later calls fail
 * the same way) and no pointer of the table is left set. */
int ferry_dlib_load(struct ferry_dlib *lib, struct ferry_error *err);

/* Declares and defines the pointer ferry_sym_<fn> with the type of the library's function fn. */
#define FERRY_DLSYM_DECLARE(fn) extern __typeof__(fn) *ferry_sym_##fn;
#define FERRY_DLSYM_DEFINE(fn) __typeof__(ferry_sym_##fn) ferry_sym_##fn;
/* A row of a table: { "fn", &ferry_sym_fn }. */
#define FERRY_DLSYM_ROW(fn) { #fn, (void **)&ferry_sym_##fn },

#endif
