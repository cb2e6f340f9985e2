/* The sidecar cache: what one pass over an image computed, kept in
 * <cache_dir>/images/<sha256 of the key>.json so that flashing the same
 * file again skips the pass. The key is the file's identity and version:
 * (device, inode, size, mtime in ns). Not ctime: staging hard-links the
 * image, which changes its ctime but not its bytes. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_int.h"
#include "jmpflash/fs.h"

#define CACHE_VERSION 1

static int key_of(char *buf, size_t size, const struct stat *st)
{
	int n = snprintf(buf, size, "%ju:%ju:%jd:%jd%09ld", (uintmax_t)st->st_dev,
	                 (uintmax_t)st->st_ino, (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
	                 (long)st->st_mtim.tv_nsec);

	return n > 0 && (size_t)n < size ? 0 : JF_EINVAL;
}

static int entry_path(char *buf, size_t size, const char *cache_dir, const struct stat *st)
{
	char key[128], hex[JF_SHA256_HEX_LEN + 1];
	int n;

	if (key_of(key, sizeof(key), st) < 0 || jf_sha256_buf(hex, key, strlen(key)) < 0)
		return JF_EINVAL;
	n = snprintf(buf, size, "%s/images/%s.json", cache_dir, hex);
	return n > 0 && (size_t)n < size ? 0 : JF_EINVAL;
}

static int comp_parse(jf_compression *out, const char *name)
{
	for (int c = JF_COMP_NONE; c <= JF_COMP_LZ4; c++)
		if (!strcmp(name, jf_compression_name((jf_compression)c))) {
			*out = (jf_compression)c;
			return 0;
		}
	return JF_EINVAL;
}

static bool hex_ok(const char *s)
{
	return s && jf_sha256_hex_valid(s);
}

int jf_image__cache_get(jf_image_info *out, const char *cache_dir, const struct stat *st,
                        bool want_raw)
{
	char path[4096], key[128];
	const char *k = NULL, *comp = NULL, *sha = NULL, *raw_sha = NULL;
	json_int_t size = -1, raw_size = -1;
	json_t *j = NULL;
	jf_image_info info;
	int error = JF_ENOTFOUND;

	memset(&info, 0, sizeof(info));
	if (entry_path(path, sizeof(path), cache_dir, st) < 0 || key_of(key, sizeof(key), st) < 0 ||
	    !(j = json_load_file(path, 0, NULL)))
		goto done;
	if (json_integer_value(json_object_get(j, "version")) != CACHE_VERSION ||
	    json_unpack(j, "{s:s, s:s, s:I, s:s}", "key", &k, "compression", &comp, "size", &size,
	                "sha256", &sha) < 0 ||
	    strcmp(k, key) || comp_parse(&info.compression, comp) < 0 ||
	    size != (json_int_t)st->st_size || !hex_ok(sha))
		goto done;
	info.size = (uint64_t)size;
	memcpy(info.sha256, sha, JF_SHA256_HEX_LEN + 1);
	if (!json_unpack(j, "{s:I, s:s}", "raw_size", &raw_size, "raw_sha256", &raw_sha) &&
	    raw_size >= 0 && hex_ok(raw_sha)) {
		info.has_raw = true;
		info.raw_size = (uint64_t)raw_size;
		memcpy(info.raw_sha256, raw_sha, JF_SHA256_HEX_LEN + 1);
	}
	if (want_raw && !info.has_raw)
		goto done;
	*out = info;
	error = 0;
done:
	json_decref(j);
	return error;
}

int jf_image__cache_put(const char *cache_dir, const char *path, const struct stat *st,
                        const jf_image_info *info, jf_err *err)
{
	char file[4096], dir[4096], key[128];
	char *tmp = NULL;
	json_t *j = NULL;
	int fd = -1, error, n;

	n = snprintf(dir, sizeof(dir), "%s/images", cache_dir);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    entry_path(file, sizeof(file), cache_dir, st) < 0 || key_of(key, sizeof(key), st) < 0)
		return jf_err_set(err, JF_EINVAL, "cache directory name too long");
	if ((error = jf_mkdirs(dir, err)) < 0)
		return error;
	j = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s}", "version", CACHE_VERSION, "key", key,
	              "path", path, "compression", jf_compression_name(info->compression), "size",
	              (json_int_t)info->size, "sha256", info->sha256);
	if (j && info->has_raw &&
	    (json_object_set_new(j, "raw_size", json_integer((json_int_t)info->raw_size)) < 0 ||
	     json_object_set_new(j, "raw_sha256", json_string(info->raw_sha256)) < 0)) {
		json_decref(j);
		j = NULL;
	}
	if (!j) {
		error = jf_err_set(err, JF_ENOMEM, "out of memory for the image cache");
		goto done;
	}
	if ((fd = jf_image__tmpfile(&tmp, file, err)) < 0) {
		error = fd;
		goto done;
	}
	if (json_dumpfd(j, fd, JSON_INDENT(2)) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot write '%s'", tmp);
		goto done;
	}
	n = close(fd);
	fd = -1;
	if (n < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot write '%s'", tmp);
		goto done;
	}
	if (rename(tmp, file) < 0) {
		error = jf_err_sys(err, JF_EIO, errno, "cannot rename '%s' to '%s'", tmp, file);
		goto done;
	}
	free(tmp);
	tmp = NULL;
done:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	json_decref(j);
	return error;
}
