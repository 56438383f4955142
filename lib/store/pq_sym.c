/* SPDX-License-Identifier: MIT */
/* pq_sym.c: the table of libpq functions (pq_sym.h), loaded on first use. */
#include "store/pq_sym.h"

FERRY_PQ_SYMS(FERRY_DLSYM_DEFINE)

static const struct ferry_dlsym pq_syms[] = { FERRY_PQ_SYMS(FERRY_DLSYM_ROW) };

static struct ferry_dlib pq_lib = {
	.soname = "libpq.so.5",
	.what = "the PostgreSQL client library, for a PostgreSQL store or environment database",
	.package = "libpq5",
	.syms = pq_syms,
	.nsyms = sizeof(pq_syms) / sizeof(pq_syms[0]),
};

int ferry_pq_load(struct ferry_error *err)
{
	return ferry_dlib_load(&pq_lib, err);
}
