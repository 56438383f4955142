/* SPDX-License-Identifier: MIT */
/* curl_sym.h: libcurl through dlopen on first use (base/dlib.h): the functions the
 * notifications, health probes, servicing downloads and the remote CLI call. Include this
 * instead of <curl/curl.h>. ferry_curl_load also runs curl_global_init, once. */
#ifndef FERRY_PROJECT_CURL_SYM_H
#define FERRY_PROJECT_CURL_SYM_H

/* curl.h's type-checking wrappers of curl_easy_setopt/getinfo would call the real
 * functions; the calls go through the table instead, without those compile-time checks
 * (pass each option the type curl_easy_setopt(3) names: long, pointer, callback). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "ferry/base/dlib.h"

#define FERRY_CURL_SYMS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_escape) \
	X(curl_easy_getinfo) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_free) \
	X(curl_global_cleanup) \
	X(curl_global_init) \
	X(curl_multi_add_handle) \
	X(curl_multi_cleanup) \
	X(curl_multi_init) \
	X(curl_multi_perform) \
	X(curl_multi_poll) \
	X(curl_multi_remove_handle) \
	X(curl_slist_append) \
	X(curl_slist_free_all)

FERRY_CURL_SYMS(FERRY_DLSYM_DECLARE)

/* Loads the library and resolves the table (first call; then a no-op): 0, or FERRY_EIO
 * naming the library and the Debian package to install. Call before the first call. */
int ferry_curl_load(struct ferry_error *err);

/* Calls of these names go through the table (curl.h made the first two identity macros). */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_cleanup ferry_sym_curl_easy_cleanup
#define curl_easy_escape ferry_sym_curl_easy_escape
#define curl_easy_getinfo ferry_sym_curl_easy_getinfo
#define curl_easy_init ferry_sym_curl_easy_init
#define curl_easy_perform ferry_sym_curl_easy_perform
#define curl_easy_setopt ferry_sym_curl_easy_setopt
#define curl_easy_strerror ferry_sym_curl_easy_strerror
#define curl_free ferry_sym_curl_free
#define curl_global_cleanup ferry_sym_curl_global_cleanup
#define curl_global_init ferry_sym_curl_global_init
#define curl_multi_add_handle ferry_sym_curl_multi_add_handle
#define curl_multi_cleanup ferry_sym_curl_multi_cleanup
#define curl_multi_init ferry_sym_curl_multi_init
#define curl_multi_perform ferry_sym_curl_multi_perform
#define curl_multi_poll ferry_sym_curl_multi_poll
#define curl_multi_remove_handle ferry_sym_curl_multi_remove_handle
#define curl_slist_append ferry_sym_curl_slist_append
#define curl_slist_free_all ferry_sym_curl_slist_free_all

#endif
