/* SPDX-License-Identifier: MIT */
/* hotfix_package.c: loading a hotfix package: its archive extracted (regular files only,
 * no unsafe paths), the payload's hashes checked against the manifest, the patches it
 * carries listed, and the manifest read into struct ferry_hotfix. */
#include "ferry/lifecycle/hotfix.h"
#include "lifecycle/hotfix_int.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include "package/archive_sym.h"
#include <sodium.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hf_unsafe_path(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 1;
	for (; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL)
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return 1;
	return 0;
}

/* Extract a zip/tar archive into dest: regular files and directories only, no
 * absolute or ".." paths; *files gets every regular file's path. */
static int extract(const char *file, const char *dest, json_t *files, struct ferry_error *err)
{
	struct archive *a;
	struct archive_entry *e;
	int rc = 0, r;

	if ((rc = ferry_archive_load(err)))
		return rc;
	if (!(a = archive_read_new()))
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		rc = ferry_error_set(err, FERRY_EINVAL, "cannot read archive '%s': %s", file,
				     archive_error_string(a));
		goto out;
	}
	while (!rc && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		char *path, *slash;
		int fd;
		if (!strncmp(name, "./", 2))
			name += 2;
		if (!*name || archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG || hf_unsafe_path(name)) {
			rc = ferry_error_set(err, FERRY_EUNSAFE,
				"archive '%s': entry '%s' is not a plain file inside the package", file, name);
			break;
		}
		if (!(path = ferry_path_join(dest, name)))
			return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		slash = strrchr(path, '/');
		*slash = '\0';
		rc = ferry_mkdir_p(path, 0700, err);
		*slash = '/';
		fd = rc ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (!rc && fd < 0)
			rc = ferry_error_errno(err, FERRY_EUNSAFE, errno, "archive '%s': entry '%s'", file, name);
		if (!rc && archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
			rc = ferry_error_set(err, FERRY_EINVAL, "archive '%s': entry '%s': %s", file,
					     name, archive_error_string(a));
		if (fd >= 0)
			close(fd);
		json_array_append_new(files, json_string(name));
		free(path);
	}
	if (!rc && r != ARCHIVE_EOF)
		rc = ferry_error_set(err, FERRY_EINVAL, "archive '%s': %s", file, archive_error_string(a));
out:
	archive_read_free(a);
	return rc;
}

static int sha256_file(const char *path, char hex[65])
{
	struct ferry_buf b = FERRY_BUF_INIT;
	unsigned char h[crypto_hash_sha256_BYTES];

	if (ferry_buf_read_file(&b, path)) {
		ferry_buf_release(&b);
		return -1;
	}
	crypto_hash_sha256(h, (const unsigned char *)(b.data ? b.data : ""), b.len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	ferry_buf_release(&b);
	return 0;
}

int hf_in_array(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return 1;
	return 0;
}

/* Check the payload's hashes; an archive may hold nothing it does not list. */
static int verify_payload(const char *dir, const json_t *man, const json_t *files,
			  struct ferry_error *err)
{
	const json_t *payload = json_object_get(man, "payload"), *p, *f;
	json_t *listed = json_array();
	size_t i;
	int rc = 0;

	json_array_foreach(payload, i, p) {
		const char *path = json_string_value(json_object_get(p, "path"));
		const char *want = json_string_value(json_object_get(p, "sha256"));
		char hex[65], *full;
		if (!path || !want || hf_unsafe_path(path)) {
			rc = ferry_error_set(err, FERRY_EUNSAFE, "manifest: payload[%zu] is malformed", i);
			break;
		}
		json_array_append_new(listed, json_string(path));
		full = ferry_path_join(dir, path);
		if (!full || sha256_file(full, hex) || strcmp(hex, want))
			rc = ferry_error_set(err, FERRY_EVERIFY,
				"payload file '%s' is missing or its SHA-256 does not match the manifest", path);
		free(full);
		if (rc)
			break;
	}
	json_array_foreach(files, i, f) {
		const char *name = json_string_value(f);
		if (rc || !strcmp(name, "manifest.json") || !strcmp(name, "manifest.sig"))
			continue;
		if (!hf_in_array(listed, name))
			rc = ferry_error_set(err, FERRY_EUNSAFE,
				"archive holds '%s', which the manifest's payload does not list", name);
	}
	json_decref(listed);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static int has_patch_suffix(const char *p)
{
	size_t n = strlen(p);

	return (n > 5 && !strcmp(p + n - 5, ".diff")) || (n > 6 && !strcmp(p + n - 6, ".patch"));
}

static void walk_files(const char *root, const char *rel, json_t *out, int depth)
{
	char *dir = *rel ? ferry_path_join(root, rel) : strdup(root);
	struct dirent *de;
	DIR *d = dir && depth < 8 ? opendir(dir) : NULL;

	while (d && (de = readdir(d))) {
		char *sub, *full;
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		sub = *rel ? ferry_path_join(rel, de->d_name) : strdup(de->d_name);
		full = sub ? ferry_path_join(root, sub) : NULL;
		if (full && lstat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk_files(root, sub, out, depth + 1);
			else if (S_ISREG(st.st_mode))
				json_array_append_new(out, json_string(sub));
		}
		free(sub);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* The package's patch paths, in order. */
static json_t *patch_list(const char *dir, const json_t *man, const json_t *hot)
{
	const json_t *given = json_object_get(hot, "patches"), *p;
	json_t *all = json_array(), *out = json_array(), **v;
	size_t i, n;

	if (json_is_array(given)) {
		json_decref(all);
		json_decref(out);
		return json_deep_copy(given);
	}
	if (json_is_array(json_object_get(man, "payload")))
		json_array_foreach(json_object_get(man, "payload"), i, p)
			json_array_append(all, json_object_get(p, "path"));
	else
		walk_files(dir, "", all, 0);
	n = json_array_size(all);
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; v && i < n; i++)
		v[i] = json_array_get(all, i);
	if (v)
		qsort(v, n, sizeof(*v), by_string);
	for (i = 0; v && i < n; i++)
		if (json_is_string(v[i]) && has_patch_suffix(json_string_value(v[i])))
			json_array_append(out, v[i]);
	free(v);
	json_decref(all);
	return out;
}

static int read_manifest(struct ferry_hotfix *hf, const char *dir, const json_t *files,
			 struct ferry_error *err)
{
	char *mpath = ferry_path_join(dir, "manifest.json");
	json_t *man, *hot, *patches = NULL, *p;
	json_error_t jerr;
	size_t i;
	int rc = 0;

	man = mpath ? json_load_file(mpath, 0, &jerr) : NULL;
	free(mpath);
	if (!man)
		return ferry_error_set(err, FERRY_EINVAL, "manifest.json: %s",
				       ferry_path_exists(dir) ? jerr.text : "missing");
	hot = json_object_get(man, "hotfix");
	if (strcmp(json_string_value(json_object_get(man, "type")) ?: "", "hotfix")) {
		rc = ferry_error_set(err, FERRY_EINVAL, "not a hotfix package (manifest type is '%s')",
				     json_string_value(json_object_get(man, "type")) ?: "missing");
		goto out;
	}
	if (!json_is_string(json_object_get(hot, "id"))) {
		rc = ferry_error_set(err, FERRY_EINVAL, "manifest.json: needs \"hotfix\": {\"id\": ...}");
		goto out;
	}
	if ((rc = ferry_name_check(json_string_value(json_object_get(hot, "id")), "hotfix", err)) ||
	    (rc = verify_payload(dir, man, files, err)))
		goto out;
	hf->id = strdup(json_string_value(json_object_get(hot, "id")));
	hf->title = strdup(json_string_value(json_object_get(man, "description")) ?: "");
	hf->releases = json_deep_copy(json_object_get(json_object_get(man, "applies_to"), "releases"));
	if (!hf->releases)
		hf->releases = json_pack("[s]", "*");
	hf->prerequisites = json_deep_copy(json_object_get(hot, "prerequisites"));
	if (!hf->prerequisites)
		hf->prerequisites = json_array();
	patches = patch_list(dir, man, hot);
	if (!json_array_size(patches))
		rc = ferry_error_set(err, FERRY_EINVAL, "the package holds no patch (*.diff)");
	json_array_foreach(patches, i, p) {
		struct ferry_buf raw = FERRY_BUF_INIT;
		const char *rel = json_string_value(p);
		char *full = rel && !hf_unsafe_path(rel) ? ferry_path_join(dir, rel) : NULL;
		if (rc)
			break;
		if (!full || ferry_buf_read_file(&raw, full))
			rc = ferry_error_set(err, FERRY_EINVAL, "patch '%s' is missing", rel ? rel : "?");
		else if ((rc = ferry_patch_normalize(raw.data ? raw.data : "", raw.len, &hf->patch, err)))
			ferry_error_prefix(err, "patch '%s'", rel);
		ferry_buf_release(&raw);
		free(full);
	}
out:
	json_decref(patches);
	json_decref(man);
	return rc;
}

void ferry_hotfix_free(struct ferry_hotfix *hf)
{
	if (!hf)
		return;
	if (hf->tmpdir)
		ferry_rm_rf(hf->tmpdir, NULL);
	free(hf->tmpdir);
	free(hf->id);
	free(hf->title);
	free(hf->origin);
	json_decref(hf->releases);
	json_decref(hf->prerequisites);
	ferry_buf_release(&hf->patch);
	free(hf);
}

int ferry_hotfix_load(const char *path, const struct ferry_settings *s, struct ferry_hotfix **out,
		      struct ferry_error *err)
{
	struct ferry_hotfix *hf = calloc(1, sizeof(*hf));
	const char *dir = path;
	json_t *files = json_array();
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!hf || !files) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto out;
	}
	hf->origin = strdup(path);
	if (stat(path, &st) < 0) {
		rc = ferry_error_errno(err, FERRY_ENOTFOUND, errno, "no hotfix package at '%s'", path);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		char *base = ferry_path_join(ferry_settings_tmp_dir(s), "ferry-hotfix.XXXXXX");
		if (!base || !mkdtemp(base)) {
			free(base);
			rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot create a temporary directory");
			goto out;
		}
		hf->tmpdir = base;
		if ((rc = extract(path, hf->tmpdir, files, err)))
			goto out;
		dir = hf->tmpdir;
	}
	rc = read_manifest(hf, dir, S_ISDIR(st.st_mode) ? NULL : files, err);
out:
	json_decref(files);
	if (rc) {
		ferry_error_prefix(err, "hotfix package '%s'", path);
		ferry_hotfix_free(hf);
		return rc;
	}
	*out = hf;
	return 0;
}
