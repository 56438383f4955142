/* SPDX-License-Identifier: MIT */
/* curl_sym.c: the table of libcurl functions (curl_sym.h), loaded on first use;
 * curl_global_init runs once, right after (under dlib.c's lock: it is not thread-safe). */
#include "ferry/project/curl_sym.h"

FERRY_CURL_SYMS(FERRY_DLSYM_DEFINE)

static const struct ferry_dlsym curl_syms[] = { FERRY_CURL_SYMS(FERRY_DLSYM_ROW) };

static int curl_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static struct ferry_dlib curl_lib = {
	.soname = "libcurl.so.4",
	.what = "libcurl, for HTTP: a ferryd server, notifications, health probes, downloads",
	.package = "libcurl4",
	.syms = curl_syms,
	.nsyms = sizeof(curl_syms) / sizeof(curl_syms[0]),
	.init = curl_init,
};

int ferry_curl_load(struct ferry_error *err)
{
	return ferry_dlib_load(&curl_lib, err);
}
