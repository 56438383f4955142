/* SPDX-License-Identifier: MIT */
/* sha256.c: SHA-256 for the hashes of packages, assets and files: OpenSSL's libcrypto
 * (EVP, SHA-NI where the CPU has it), loaded with dlopen on first use (base/dlib.h);
 * libsodium's portable code when libcrypto cannot be loaded (the same digests, slower). */
#include "ferry/base/sha256.h"
#include "ferry/base/dlib.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRYPTO_SYMS(X) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate) \
	X(EVP_MD_CTX_copy_ex) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_sha256)

CRYPTO_SYMS(FERRY_DLSYM_DECLARE)
CRYPTO_SYMS(FERRY_DLSYM_DEFINE)

static const struct ferry_dlsym crypto_syms[] = { CRYPTO_SYMS(FERRY_DLSYM_ROW) };

static struct ferry_dlib crypto_lib = {
	.soname = "libcrypto.so.3",
	.what = "OpenSSL's libcrypto, for fast SHA-256",
	.package = "libssl3",
	.syms = crypto_syms,
	.nsyms = sizeof(crypto_syms) / sizeof(crypto_syms[0]),
};

/* Calls of these names go through the table. */
#define EVP_DigestFinal_ex ferry_sym_EVP_DigestFinal_ex
#define EVP_DigestInit_ex ferry_sym_EVP_DigestInit_ex
#define EVP_DigestUpdate ferry_sym_EVP_DigestUpdate
#define EVP_MD_CTX_copy_ex ferry_sym_EVP_MD_CTX_copy_ex
#define EVP_MD_CTX_free ferry_sym_EVP_MD_CTX_free
#define EVP_MD_CTX_new ferry_sym_EVP_MD_CTX_new
#define EVP_sha256 ferry_sym_EVP_sha256

/* 1 when libcrypto is loaded (decided once per process: every context of the process
 * is of the same kind), 0 for libsodium. */
static int evp(void)
{
	return ferry_dlib_load(&crypto_lib, NULL) == 0;
}

int ferry_sha256_init(struct ferry_sha256 *h)
{
	EVP_MD_CTX *c;
	crypto_hash_sha256_state *s;

	h->ctx = NULL;
	if (!evp()) {
		if ((s = malloc(sizeof(*s))))
			crypto_hash_sha256_init(s);
		h->ctx = s;
		return s ? 0 : -1;
	}
	c = EVP_MD_CTX_new();
	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	h->ctx = c;
	return c ? 0 : -1;
}

void ferry_sha256_update(struct ferry_sha256 *h, const void *p, size_t n)
{
	if (!h->ctx || !n)
		return;
	if (evp())
		EVP_DigestUpdate(h->ctx, p, n);
	else
		crypto_hash_sha256_update(h->ctx, p, n);
}

int ferry_sha256_copy(struct ferry_sha256 *dst, const struct ferry_sha256 *src)
{
	ferry_sha256_release(dst);
	if (!src->ctx)
		return -1;
	if (!evp()) {
		if (!(dst->ctx = malloc(sizeof(crypto_hash_sha256_state))))
			return -1;
		memcpy(dst->ctx, src->ctx, sizeof(crypto_hash_sha256_state));
		return 0;
	}
	if (!(dst->ctx = EVP_MD_CTX_new()))
		return -1;
	if (EVP_MD_CTX_copy_ex(dst->ctx, src->ctx) != 1) {
		ferry_sha256_release(dst);
		return -1;
	}
	return 0;
}

void ferry_sha256_final_hex(struct ferry_sha256 *h, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	memset(md, 0, sizeof(md));
	if (h->ctx && evp())
		EVP_DigestFinal_ex(h->ctx, md, &n);
	else if (h->ctx)
		crypto_hash_sha256_final(h->ctx, md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	ferry_sha256_release(h);
}

void ferry_sha256_release(struct ferry_sha256 *h)
{
	if (h->ctx && evp())
		EVP_MD_CTX_free(h->ctx);
	else
		free(h->ctx);
	h->ctx = NULL;
}
