/* SPDX-License-Identifier: MIT */
/* sha256.c: SHA-256 (OpenSSL EVP) for the hashes of packages, assets and files. */
#include "ferry/base/sha256.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int ferry_sha256_init(struct ferry_sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	h->ctx = c;
	return c ? 0 : -1;
}

void ferry_sha256_update(struct ferry_sha256 *h, const void *p, size_t n)
{
	if (h->ctx && n)
		EVP_DigestUpdate(h->ctx, p, n);
}

int ferry_sha256_copy(struct ferry_sha256 *dst, const struct ferry_sha256 *src)
{
	ferry_sha256_release(dst);
	if (!src->ctx || !(dst->ctx = EVP_MD_CTX_new()))
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
	if (h->ctx)
		EVP_DigestFinal_ex(h->ctx, md, &n);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	ferry_sha256_release(h);
}

void ferry_sha256_release(struct ferry_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}
