/* SPDX-License-Identifier: MIT */
/* git_sym.c: the table of libgit2 functions (git_sym.h), loaded on first use. */
#include "lifecycle/git_sym.h"

FERRY_GIT_SYMS(FERRY_DLSYM_DEFINE)

static const struct ferry_dlsym git_syms[] = { FERRY_GIT_SYMS(FERRY_DLSYM_ROW) };

static struct ferry_dlib git_lib = {
	.soname = "libgit2.so.1.5",
	.what = "libgit2, for code upgrades, hotfixes and patches",
	.package = "libgit2-1.5",
	.syms = git_syms,
	.nsyms = sizeof(git_syms) / sizeof(git_syms[0]),
};

int ferry_git_load(struct ferry_error *err)
{
	return ferry_dlib_load(&git_lib, err);
}
