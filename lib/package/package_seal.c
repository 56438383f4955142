/* SPDX-License-Identifier: MIT */
/* package_seal.c: the seal ferry appends to the packages it builds: a fixed-size
 * trailer, ignored by every reader of the container, that signs (or, unsigned, sums)
 * every other byte of the file, so no byte can change unnoticed. */
#include "ferry/package/package.h"
#include "ferry/base/error.h"
#include "ferry/package/keys.h"
#include "ferry/base/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "FERRYSEAL1 <key id:16 hex> <sha256:64 hex> <signature:128 hex>\n"; the signed
 * message is everything before the second space after the hash. Unsigned seals
 * have a key id and a signature of zeros. */
#define SEAL_MAGIC "FERRYSEAL1 "
#define SEAL_MSG_LEN (11 + 16 + 1 + 64)
#define SEAL_LEN (SEAL_MSG_LEN + 1 + 128 + 1)
#define SEAL_TRAILER_MAX (SEAL_LEN + 32)
#define ZERO_ID "0000000000000000"

static void le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

/* The container's trailer holding rec: a zstd skippable frame, an empty gzip member
 * whose extra field holds rec, or (zip) the end-of-central-directory comment. */
static size_t trailer_build(const char *container, const char *rec, unsigned char *out)
{
	size_t n = 0;

	if (!strcmp(container, "tar.zst")) {
		le32(out, 0x184D2A5E);
		le32(out + 4, SEAL_LEN);
		n = 8;
	} else if (!strcmp(container, "tar.gz")) {
		static const unsigned char head[10] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3 };
		memcpy(out, head, 10);
		le16(out + 10, SEAL_LEN + 4);
		out[12] = 'F';
		out[13] = 'S';
		le16(out + 14, SEAL_LEN);
		n = 16;
	}
	memcpy(out + n, rec, SEAL_LEN);
	n += SEAL_LEN;
	if (!strcmp(container, "tar.gz")) {
		static const unsigned char tail[10] = { 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
		memcpy(out + n, tail, sizeof(tail));
		n += sizeof(tail);
	}
	return n;
}

size_t ferry_seal_trailer_len(const char *container)
{
	unsigned char buf[SEAL_TRAILER_MAX];
	char rec[SEAL_LEN];

	memset(rec, 0, sizeof(rec));
	return trailer_build(container, rec, buf);
}

static int hash_prefix(int fd, off_t len, char hex[65])
{
	struct ferry_sha256 h;
	static unsigned char buf[1 << 17];
	off_t off = 0;

	if (ferry_sha256_init(&h))
		return -1;
	while (off < len) {
		size_t want = (size_t)(len - off) < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			ferry_sha256_release(&h);
			return -1;
		}
		ferry_sha256_update(&h, buf, (size_t)n);
		off += n;
	}
	ferry_sha256_final_hex(&h, hex);
	return 0;
}

int ferry_seal_append(struct ferry_ctx *ctx, const char *path, const char *container,
		      const char *key, struct ferry_error *err)
{
	unsigned char trailer[SEAL_TRAILER_MAX], sig[64], eocd[22];
	char rec[SEAL_LEN + 1], sha[65], sighex[129];
	struct ferry_key k;
	struct stat st;
	size_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", path);
		goto out;
	}
	if (!strcmp(container, "zip")) {   /* the seal becomes the archive comment */
		if (st.st_size < 22 || pread(fd, eocd, 22, st.st_size - 22) != 22 ||
		    memcmp(eocd, "PK\5\6", 4) || eocd[20] || eocd[21]) {
			rc = ferry_error_set(err, FERRY_EIO, "%s: no end-of-central-directory to seal", path);
			goto out;
		}
		le16(eocd + 20, SEAL_LEN);
		if (pwrite(fd, eocd + 20, 2, st.st_size - 2) != 2) {
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write %s", path);
			goto out;
		}
	}
	if (hash_prefix(fd, st.st_size, sha)) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", path);
		goto out;
	}
	snprintf(rec, sizeof(rec), SEAL_MAGIC "%s %s ", key ? "" : ZERO_ID, sha);
	if (key) {
		char msg[SEAL_MSG_LEN + 1];
		if ((rc = ferry_key_get(ctx, key, &k, err)))
			goto out;
		snprintf(msg, sizeof(msg), SEAL_MAGIC "%s %s", k.key_id, sha);
		if ((rc = ferry_key_sign_raw(ctx, key, msg, SEAL_MSG_LEN, sig, &k, err)))
			goto out;
		sodium_bin2hex(sighex, sizeof(sighex), sig, sizeof(sig));
		snprintf(rec, sizeof(rec), "%s %s\n", msg, sighex);
	} else {
		memset(sighex, '0', 128);
		sighex[128] = '\0';
		snprintf(rec, sizeof(rec), SEAL_MAGIC ZERO_ID " %s %s\n", sha, sighex);
	}
	n = trailer_build(container, rec, trailer);
	if (pwrite(fd, trailer, n, st.st_size) != (ssize_t)n)
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write the seal to %s", path);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The record must be exactly in the form ferry writes. */
static int rec_wellformed(const char *r)
{
	return !memcmp(r, SEAL_MAGIC, 11) && all_hex(r + 11, 16) && r[27] == ' ' &&
	       all_hex(r + 28, 64) && r[92] == ' ' && all_hex(r + 93, 128) && r[221] == '\n';
}

int ferry_seal_check(const char *path, const char *container, const struct ferry_sig *sig,
		     const char **state, struct ferry_error *err)
{
	return ferry_seal_check_hashed(path, container, sig, NULL, state, err);
}

int ferry_seal_check_hashed(const char *path, const char *container, const struct ferry_sig *sig,
			    const char *prefix_sha, const char **state, struct ferry_error *err)
{
	unsigned char tail[SEAL_TRAILER_MAX], want[SEAL_TRAILER_MAX], eocd[22], bin[64];
	size_t tl = ferry_seal_trailer_len(container), off;
	char rec[SEAL_LEN + 1], sha[65];
	struct stat st;
	int fd, rc = 0;

	*state = "none";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot open %s", path);
		goto out;
	}
	if ((size_t)st.st_size < tl + 22 || pread(fd, tail, tl, st.st_size - (off_t)tl) != (ssize_t)tl)
		goto out;
	off = !strcmp(container, "tar.zst") ? 8 : !strcmp(container, "tar.gz") ? 16 : 0;
	if (memcmp(tail + off, SEAL_MAGIC, 11))
		goto out;   /* not sealed */
	memcpy(rec, tail + off, SEAL_LEN);
	rec[SEAL_LEN] = '\0';
	if (!rec_wellformed(rec) || trailer_build(container, rec, want) != tl || memcmp(tail, want, tl)) {
		rc = ferry_error_set(err, FERRY_EVERIFY, "seal: the trailer at the end of the file is damaged");
		goto out;
	}
	if (!strcmp(container, "zip") &&
	    (pread(fd, eocd, 22, st.st_size - (off_t)tl - 22) != 22 || memcmp(eocd, "PK\5\6", 4) ||
	     eocd[20] != (SEAL_LEN & 0xff) || eocd[21] != (SEAL_LEN >> 8))) {
		rc = ferry_error_set(err, FERRY_EVERIFY, "seal: the zip end-of-central-directory is damaged");
		goto out;
	}
	if (prefix_sha)
		memcpy(sha, prefix_sha, 65);
	else if (hash_prefix(fd, st.st_size - (off_t)tl, sha)) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", path);
		goto out;
	}
	if (memcmp(sha, rec + 28, 64)) {
		rc = ferry_error_set(err, FERRY_EVERIFY,
			"seal: the archive bytes were altered (their SHA-256 is %s, the seal records %.64s)",
			sha, rec + 28);
		goto out;
	}
	if (!memcmp(rec + 11, ZERO_ID, 16)) {
		size_t i;
		for (i = 93; i < 221; i++)
			if (rec[i] != '0') {
				rc = ferry_error_set(err, FERRY_EVERIFY, "seal: an unsigned seal carries a signature");
				goto out;
			}
		if (sig) {
			rc = ferry_error_set(err, FERRY_EVERIFY, "seal: unsigned, but the package is signed");
			goto out;
		}
		*state = "checksum";
		goto out;
	}
	if (!sig || memcmp(rec + 11, sig->key_id, 16)) {
		rc = ferry_error_set(err, FERRY_EVERIFY, "seal: signed by key %.16s, but manifest.sig %s%s",
				     rec + 11, sig ? "names key " : "is missing", sig ? sig->key_id : "");
		goto out;
	}
	if (sodium_hex2bin(bin, sizeof(bin), rec + 93, 128, NULL, NULL, NULL) ||
	    crypto_sign_verify_detached(bin, (const unsigned char *)rec, SEAL_MSG_LEN, sig->pk)) {
		rc = ferry_error_set(err, FERRY_EVERIFY, "seal: the signature by key %s does not verify", sig->key_id);
		goto out;
	}
	*state = "signed";
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
