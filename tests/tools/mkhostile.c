/* SPDX-License-Identifier: MIT */
/* mkhostile.c: writes hostile or broken package archives for the intake tests.
 *   mkhostile KIND OUT     (OUT's suffix picks the container: .tar.gz, .tar.zst, .zip, .tar)
 * Every archive carries a manifest whose hashes are right unless KIND breaks them. */
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct archive *A;
static const char OK[] = "hello from ferry\n";

static void die(const char *what)
{
	fprintf(stderr, "mkhostile: %s: %s\n", what, A ? archive_error_string(A) : "");
	exit(1);
}

static void entry(const char *path, unsigned type, const void *data, size_t len, const char *link,
		  int hard, unsigned perm)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (link && hard)
		archive_entry_set_hardlink(e, link);
	else if (link)
		archive_entry_set_symlink(e, link);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, 0x0103);
	if (archive_write_header(A, e) != ARCHIVE_OK)
		die(path);
	if (type == AE_IFREG && len && archive_write_data(A, data, len) != (la_ssize_t)len)
		die(path);
	archive_entry_free(e);
}

static void file(const char *path, const void *data, size_t len)
{
	entry(path, AE_IFREG, data, len, NULL, 0, 0644);
}

static void hex_sha(const void *data, size_t len, char out[65])
{
	unsigned char md[32];

	crypto_hash_sha256(md, data, len);
	sodium_bin2hex(out, 65, md, 32);
}

/* A manifest listing `n` files (path, data, len); extra JSON fields in `more`. */
static char *manifest(int n, const char *const *paths, const void *const *data, const size_t *lens,
		      const char *more)
{
	static char buf[1 << 20];
	size_t off;
	int i;

	off = (size_t)snprintf(buf, sizeof(buf), "{\"format\": 1, \"name\": \"hostile\", \"version\": \"1.0.0\", "
			       "\"type\": \"customization\", \"product\": \"finance-operations\"%s, \"payload\": [",
			       more ? more : "");
	for (i = 0; i < n; i++) {
		char h[65];
		hex_sha(data[i], lens[i], h);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			"%s{\"path\": \"%s\", \"size\": %zu, \"sha256\": \"%s\"}", i ? ", " : "", paths[i], lens[i], h);
	}
	snprintf(buf + off, sizeof(buf) - off, "]}");
	return buf;
}

static void ok_manifest(void)
{
	const char *p[] = { "ok.txt" };
	const void *d[] = { OK };
	size_t l[] = { sizeof(OK) - 1 };
	char *m = manifest(1, p, d, l, NULL);

	file("manifest.json", m, strlen(m));
}

static void open_out(const char *out)
{
	size_t n = strlen(out);

	A = archive_write_new();
	if (n > 4 && !strcmp(out + n - 4, ".zip")) {
		archive_write_set_format_zip(A);
	} else {
		archive_write_set_format_pax_restricted(A);
		if (n > 7 && !strcmp(out + n - 7, ".tar.gz"))
			archive_write_add_filter_gzip(A);
		else if (n > 8 && !strcmp(out + n - 8, ".tar.zst"))
			archive_write_add_filter_zstd(A);
		else if (n > 8 && !strcmp(out + n - 8, ".tar.bz2"))
			archive_write_add_filter_bzip2(A);
	}
	archive_write_set_bytes_in_last_block(A, 1);
	if (archive_write_open_filename(A, out) != ARCHIVE_OK)
		die(out);
}

static void big(const char *kind, size_t size, int nfiles)
{
	char *z = calloc(1, size ? size : 1), names[64][32];
	const char *p[64] = { 0 };
	const void *d[64] = { 0 };
	size_t l[64] = { 0 };
	char *m;
	int i;

	for (i = 0; i < nfiles; i++) {
		snprintf(names[i], sizeof(names[i]), "f%02d.bin", i);
		p[i] = names[i];
		d[i] = z;
		l[i] = size;
	}
	m = manifest(nfiles, p, d, l, NULL);
	file("manifest.json", m, strlen(m));
	for (i = 0; i < nfiles; i++)
		file(p[i], z, size);
	free(z);
	(void)kind;
}

/* A bomb that an incompressible file before it hides from a whole-archive ratio;
 * last: the manifest comes at the end (read in two passes). */
static void bomb_padded(int last)
{
	size_t pad = (size_t)2 << 20, size = (size_t)48 << 20;
	char *r = malloc(pad), *z = calloc(1, size), *m;
	const char *p[] = { "pad.bin", "bomb.bin" };
	const void *d[2];
	size_t l[] = { pad, size };

	randombytes_buf(r, pad);
	d[0] = r;
	d[1] = z;
	m = manifest(2, p, d, l, NULL);
	if (!last)
		file("manifest.json", m, strlen(m));
	file(p[0], r, pad);
	file(p[1], z, size);
	if (last)
		file("manifest.json", m, strlen(m));
	free(r);
	free(z);
}

int main(int argc, char **argv)
{
	const char *k;

	if (argc != 3) {
		fprintf(stderr, "usage: mkhostile KIND OUT\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	k = argv[1];
	open_out(argv[2]);
	if (!strcmp(k, "good")) {
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "manifest-last")) {       /* accepted: read in two passes */
		file("ok.txt", OK, sizeof(OK) - 1);
		ok_manifest();
	} else if (!strcmp(k, "traversal")) {
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
		file("../evil.txt", "pwned\n", 6);
	} else if (!strcmp(k, "traversal-deep")) {
		ok_manifest();
		file("ok/../../evil.txt", "pwned\n", 6);
	} else if (!strcmp(k, "absolute")) {
		ok_manifest();
		file("/tmp/ferry-hostile-evil.txt", "pwned\n", 6);
	} else if (!strcmp(k, "symlink-out")) {
		ok_manifest();
		entry("ok.txt", AE_IFLNK, NULL, 0, "/etc/passwd", 0, 0777);
	} else if (!strcmp(k, "symlink-dir-out")) {
		ok_manifest();
		entry("sub", AE_IFLNK, NULL, 0, "../..", 0, 0777);
		file("sub/evil.txt", "pwned\n", 6);
	} else if (!strcmp(k, "symlink-in")) {
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
		entry("alias", AE_IFLNK, NULL, 0, "ok.txt", 0, 0777);
	} else if (!strcmp(k, "hardlink")) {
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
		entry("hl", AE_IFREG, NULL, 0, "ok.txt", 1, 0644);
	} else if (!strcmp(k, "hardlink-out")) {
		ok_manifest();
		entry("ok.txt", AE_IFREG, NULL, 0, "/etc/shadow", 1, 0644);
	} else if (!strcmp(k, "device")) {
		ok_manifest();
		entry("ok.txt", AE_IFCHR, NULL, 0, NULL, 0, 0666);
	} else if (!strcmp(k, "blockdev")) {
		ok_manifest();
		entry("disk", AE_IFBLK, NULL, 0, NULL, 0, 0666);
	} else if (!strcmp(k, "fifo")) {
		ok_manifest();
		entry("ok.txt", AE_IFIFO, NULL, 0, NULL, 0, 0644);
	} else if (!strcmp(k, "bomb-ratio")) {
		big(k, (size_t)48 << 20, 1);       /* 48 MiB of zeros: ratio ~1000:1 */
	} else if (!strcmp(k, "bomb-padded")) {
		bomb_padded(0);
	} else if (!strcmp(k, "bomb-padded-last")) {
		bomb_padded(1);
	} else if (!strcmp(k, "sig-first")) {      /* manifest.sig before manifest.json */
		file("manifest.sig", "{}", 2);
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "sig-late")) {       /* manifest.sig after the payload */
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
		file("manifest.sig", "{}", 2);
	} else if (!strcmp(k, "bomb-size")) {
		big(k, (size_t)2 << 20, 4);        /* 8 MiB; the test sets FERRY_MAX_BYTES=4 MiB */
	} else if (!strcmp(k, "many-entries")) {
		big(k, 16, 40);                    /* the test sets FERRY_MAX_ENTRIES=20 */
	} else if (!strcmp(k, "wrong-hash")) {
		ok_manifest();
		file("ok.txt", "hellO from ferry\n", sizeof(OK) - 1);
	} else if (!strcmp(k, "wrong-size")) {
		ok_manifest();
		file("ok.txt", "hello from ferry!!\n", sizeof(OK) + 1);
	} else if (!strcmp(k, "unlisted")) {
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
		file("extra.sh", "rm -rf /\n", 9);
	} else if (!strcmp(k, "unlisted-dir")) {
		ok_manifest();
		entry("etc", AE_IFDIR, NULL, 0, NULL, 0, 0755);
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "missing-file")) {
		ok_manifest();
	} else if (!strcmp(k, "no-manifest")) {
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "empty")) {
		/* nothing */
	} else if (!strcmp(k, "manifest-invalid-json")) {
		file("manifest.json", "{\"format\": 1, \"name\": ", 22);
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "manifest-missing-field")) {
		const char *m = "{\"format\": 1, \"name\": \"x\", \"type\": \"isv\", \"product\": \"p\", \"payload\": []}";
		file("manifest.json", m, strlen(m));
	} else if (!strcmp(k, "manifest-unsafe-path")) {
		const char *m = "{\"format\": 1, \"name\": \"x\", \"version\": \"1.0\", \"type\": \"isv\", \"product\": \"p\", "
			"\"payload\": [{\"path\": \"../../etc/cron.d/x\", \"size\": 1, \"sha256\": "
			"\"0000000000000000000000000000000000000000000000000000000000000000\"}]}";
		file("manifest.json", m, strlen(m));
	} else if (!strcmp(k, "duplicate")) {
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "duplicate-manifest")) {
		ok_manifest();
		ok_manifest();
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "bad-signature")) {
		unsigned char pk[32], sk[64], sig[64];
		char *m, doc[512], pkb[64], sigb[128], id[17];
		unsigned char md[32];
		ok_manifest();
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, (const unsigned char *)"something else", 14, sk);
		crypto_hash_sha256(md, pk, 32);
		sodium_bin2hex(id, sizeof(id), md, 8);
		sodium_bin2base64(pkb, sizeof(pkb), pk, 32, sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(sigb, sizeof(sigb), sig, 64, sodium_base64_VARIANT_ORIGINAL);
		snprintf(doc, sizeof(doc), "{\"key_id\": \"%s\", \"public_key\": \"%s\", \"signature\": \"%s\"}",
			 id, pkb, sigb);
		m = doc;
		file("manifest.sig", m, strlen(m));
		file("ok.txt", OK, sizeof(OK) - 1);
	} else if (!strcmp(k, "garbage-signature")) {
		ok_manifest();
		file("manifest.sig", "not json", 8);
		file("ok.txt", OK, sizeof(OK) - 1);
	} else {
		fprintf(stderr, "mkhostile: unknown kind '%s'\n", k);
		return 2;
	}
	if (archive_write_close(A) != ARCHIVE_OK)
		die("close");
	archive_write_free(A);
	return 0;
}
