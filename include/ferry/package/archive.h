/* SPDX-License-Identifier: MIT */
/* archive.h: safe intake of package archives (zip, tar.gz, tar.zst) with libarchive:
 * every entry checked against the manifest, limits enforced, atomic extraction. */
#ifndef FERRY_ARCHIVE_H
#define FERRY_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

struct archive;
struct ferry_error;
struct ferry_manifest;
struct ferry_settings;

/* Limits on what an archive may make ferry read. Defaults (ferry_settings_init):
 * 100000 entries, 8 GiB of payload, a 200:1 decompression ratio checked once more
 * than 8 MiB are decompressed. The settings max_entries, max_bytes and max_ratio
 * change them (the faces read FERRY_MAX_ENTRIES, FERRY_MAX_BYTES, FERRY_MAX_RATIO). */
struct ferry_intake_limits {
	uint64_t max_entries;
	uint64_t max_bytes;
	uint64_t max_ratio;
	uint64_t ratio_floor;
};

/* The limits of settings s (NULL: the defaults). */
void ferry_intake_limits_init(struct ferry_intake_limits *l, const struct ferry_settings *s);

/* What intake learned about a package. Caller frees with ferry_intake_free(). */
struct ferry_intake {
	struct ferry_manifest *manifest;
	char *manifest_bytes;        /* exact bytes of manifest.json (signed) */
	size_t manifest_len;
	char *sig_bytes;             /* manifest.sig, NULL when unsigned */
	size_t sig_len;
	char container[16];          /* "zip", "tar.gz", "tar.zst" */
	uint64_t entries;            /* entries read */
	uint64_t bytes;              /* payload bytes read and hashed */
};

/* Called once manifest.json (and manifest.sig) are read and the manifest is valid,
 * before any payload byte is written: return non-zero (and fill err) to refuse. */
typedef int (*ferry_intake_check_fn)(void *arg, const struct ferry_intake *in,
				     struct ferry_error *err);

struct ferry_intake_opts {
	struct ferry_intake_limits limits;
	ferry_intake_check_fn check;  /* may be NULL */
	void *check_arg;
	int manifest_only;            /* stop once the manifest is read (inspect) */
};

/* Read the package at path (or the bytes mem/len when path is NULL). Every entry
 * must be a regular file or directory with a safe relative path that manifest.json
 * lists, once; each file's size and SHA-256 must match the manifest.
 *
 * dest NULL: verify only, nothing is written. dest set: extract atomically into
 * dest, which must not exist and whose parent must: files go to a temporary
 * directory beside it (through directory descriptors, O_NOFOLLOW, O_EXCL), are
 * synced, and the directory is renamed to dest only when everything verified.
 * manifest.json and manifest.sig are written into dest too. On failure nothing
 * is left behind and the message names the entry and the reason.
 * *out (may be NULL) receives what was learned; caller frees it. */
int ferry_archive_intake(const char *path, const void *mem, size_t len, const char *dest,
			 const struct ferry_intake_opts *opts, struct ferry_intake **out,
			 struct ferry_error *err);
void ferry_intake_free(struct ferry_intake *in);

/* The container a file name asks for by its suffix ("zip", "tar.gz", "tar.zst"), or NULL. */
const char *ferry_archive_container_for(const char *filename);

/* Writers in ferry's canonical form:
 * pax-restricted tar, no padding after the compressed stream, gzip without a
 * timestamp. */
int ferry_archive_writer_setup(struct archive *a, const char *container, struct ferry_error *err);
/* Write one canonical header: mtime 0, uid/gid 0, no owner names. */
int ferry_archive_write_header(struct archive *a, const char *path, int is_dir, uint64_t size,
			       unsigned mode, struct ferry_error *err);

#endif
