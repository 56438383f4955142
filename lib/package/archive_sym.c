/* SPDX-License-Identifier: MIT */
/* archive_sym.c: the table of libarchive functions (archive_sym.h), loaded on first use. */
#include "package/archive_sym.h"

FERRY_ARCHIVE_SYMS(FERRY_DLSYM_DEFINE)

static const struct ferry_dlsym archive_syms[] = { FERRY_ARCHIVE_SYMS(FERRY_DLSYM_ROW) };

static struct ferry_dlib archive_lib = {
	.soname = "libarchive.so.13",
	.what = "libarchive, for packages, hotfixes and support bundles",
	.package = "libarchive13",
	.syms = archive_syms,
	.nsyms = sizeof(archive_syms) / sizeof(archive_syms[0]),
};

int ferry_archive_load(struct ferry_error *err)
{
	return ferry_dlib_load(&archive_lib, err);
}
