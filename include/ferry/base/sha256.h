/* SPDX-License-Identifier: MIT */
/* sha256.h: SHA-256 through OpenSSL's libcrypto (SHA-NI where the CPU has it: several
 * times libsodium's portable code on this machine's EPYC), for package, asset and file
 * hashes. libcrypto is loaded with dlopen on first use (base/dlib.h); when it cannot be,
 * libsodium's code gives the same digests. */
#ifndef FERRY_BASE_SHA256_H
#define FERRY_BASE_SHA256_H

#include <stddef.h>

struct ferry_sha256 {
	void *ctx;                  /* EVP_MD_CTX, or libsodium's state without libcrypto */
};

/* 0, or -1 when out of memory (h->ctx NULL: update and final do nothing). */
int ferry_sha256_init(struct ferry_sha256 *h);
void ferry_sha256_update(struct ferry_sha256 *h, const void *p, size_t n);
/* dst becomes a copy of src's state (dst initialised or zeroed); 0 or -1. */
int ferry_sha256_copy(struct ferry_sha256 *dst, const struct ferry_sha256 *src);
/* The digest as 64 lowercase hex digits; releases h. */
void ferry_sha256_final_hex(struct ferry_sha256 *h, char hex[65]);
void ferry_sha256_release(struct ferry_sha256 *h);

#endif
