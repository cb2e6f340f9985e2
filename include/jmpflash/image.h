/* jmpflash — the image being flashed.
 *
 * What the flasher needs to know about an OS image before it writes it:
 * its compression (from magic bytes, never from the file name), its size and
 * sha256 as stored, and the size and sha256 of the raw (decompressed) bytes
 * that end up on the board's storage. Also: decompressing on the host what a
 * board's busybox cannot, staging a file into the HTTP server's root,
 * downloading an image (--force-exporter-http), and parsing checksum files.
 *
 * No function here prints; every failure is a JF_E* code and a one-line
 * message in @err that names the file (URLs without their credentials). */
#ifndef JMPFLASH_IMAGE_H
#define JMPFLASH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jmpflash/error.h"
#include "jmpflash/log.h"
#include "jmpflash/sha256.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum jf_compression {
	JF_COMP_NONE = 0,
	JF_COMP_GZIP,
	JF_COMP_XZ,
	JF_COMP_ZSTD,
	JF_COMP_BZIP2,
	JF_COMP_LZ4, /* the lz4 frame format; legacy (lz4 -l) is detected, not decoded */
} jf_compression;

/* How many leading bytes jf_image_detect() needs to see to decide. */
#define JF_IMAGE_MAGIC_LEN 6

/* The compression of data starting with @head (@len bytes, may be fewer
 * than JF_IMAGE_MAGIC_LEN: a short file is JF_COMP_NONE unless a magic
 * fits). Anything unrecognised is JF_COMP_NONE (a raw disk image). */
jf_compression jf_image_detect(const void *head, size_t len);

/* "none", "gzip", "xz", "zstd", "bzip2", "lz4". */
const char *jf_compression_name(jf_compression c);

/* The busybox (1.35) command a board runs in a pipe to decompress a stream
 * of this kind from stdin to stdout: "zcat", "xzcat", "bzcat". NULL for
 * JF_COMP_NONE (nothing to do) and for zstd and lz4, which busybox 1.35
 * lacks: the host then decompresses (jf_image_decompress_to) and serves the
 * raw image. */
const char *jf_compression_board_cmd(jf_compression c);

/* True when the board cannot decompress @c itself (zstd, lz4). */
bool jf_compression_host_only(jf_compression c);

typedef struct jf_image_info {
	jf_compression compression;
	uint64_t size;                      /* bytes as stored */
	char sha256[JF_SHA256_HEX_LEN + 1]; /* of the bytes as stored */
	bool has_raw;                       /* raw_* below are valid */
	uint64_t raw_size;                  /* decompressed bytes */
	char raw_sha256[JF_SHA256_HEX_LEN + 1];
	bool from_cache; /* answered by the sidecar cache */
} jf_image_info;

/* Bytes done out of @total (0 when unknown). Called from the caller's thread,
 * about once per MiB read. */
typedef void (*jf_image_progress_cb)(void *user, uint64_t done, uint64_t total);

typedef struct jf_image_inspect_opts {
	unsigned version;
	bool raw;              /* also decompress: raw size and sha256 */
	const char *cache_dir; /* results kept in <cache_dir>/images/; NULL: no cache */
	jf_image_progress_cb progress;
	void *progress_user;
	int cancel_fd; /* readable => stop with JF_ECANCELED; -1: none */
	jf_log *log;   /* may be NULL: a cache that cannot be written is a warning here */
} jf_image_inspect_opts;

#define JF_IMAGE_INSPECT_OPTS_VERSION 1
#define JF_IMAGE_INSPECT_OPTS_INIT                                                                 \
	{                                                                                          \
		.version = JF_IMAGE_INSPECT_OPTS_VERSION, .raw = true, .cancel_fd = -1             \
	}

/* Read the local file @path once, in large sequential reads, and fill @out:
 * compression, size, sha256 as stored and, with opts->raw (or when the file
 * is not compressed), the raw size and sha256. @opts may be NULL (raw, no
 * cache, no progress, no cancel).
 *
 * Concatenated gzip, xz, zstd, bzip2 and lz4 streams are decoded as the
 * command-line tools do (zero bytes after a gzip member are ignored, as gzip
 * does; xz stream padding is valid). A truncated stream, a bad CRC or other
 * corruption, or trailing garbage after the last stream is JF_EINTEGRITY
 * ("image 'PATH' is truncated or corrupt: ..."). A file that changes while
 * it is read is JF_EIO; a missing one JF_ENOTFOUND; cancel JF_ECANCELED.
 *
 * With opts->cache_dir the result is remembered in
 * <cache_dir>/images/<sha256 of the key>.json, keyed by the file's (device,
 * inode, size, mtime in ns), written atomically; a later call for the same
 * unchanged file answers from it (out->from_cache) without reading the file.
 * Changing the file (size or mtime) invalidates the entry. A cache that
 * cannot be read is a miss; one that cannot be written is logged at WARN
 * and otherwise ignored. */
int jf_image_inspect(jf_image_info *out, const char *path, const jf_image_inspect_opts *opts,
                     jf_err *err);

/* Decompress @src into @dst_path in one pass (written to a temp file in the
 * same directory, renamed into place only when the whole stream decoded
 * correctly; removed on any failure), hashing both sides on the way: @out is
 * filled as jf_image_inspect() with raw set, and the result also goes to
 * the cache when opts->cache_dir is set. For an uncompressed @src this is a
 * plain copy. @opts may be NULL. Meant for zstd and lz4, which a board
 * cannot decompress. */
int jf_image_decompress_to(jf_image_info *out, const char *src, const char *dst_path,
                           const jf_image_inspect_opts *opts, jf_err *err);

/* Make the file @path available in the HTTP server's root directory
 * @http_root under a new name, returned in *served_name (caller frees): a
 * single file name (no '/', never "." or "..", no leading '.') made of a
 * unique prefix and the sanitised base name of @path, so it keeps its
 * extension ("3f9a01c2-disk.img.xz"). On the same filesystem the name is a
 * hard link (the file is streamed from where it is, never copied); across
 * filesystems (or where links are refused) it is a copy written to a temp
 * file and renamed. Symbolic links in @path are followed. */
int jf_image_stage(char **served_name, const char *path, const char *http_root, jf_err *err);

/* Put @path at exactly @dst, replacing what is there: a hard link where the
 * filesystem allows, else a copy, made under a temp name beside @dst and
 * renamed into place, so a reader (U-Boot over TFTP) never sees a
 * half-written file. */
int jf_image_place(const char *path, const char *dst, jf_err *err);

/* Remove what jf_image_stage() put into @http_root. A name that is already
 * gone is not an error; an unsafe name (with '/', "..") is JF_EINVAL. */
int jf_image_unstage(const char *served_name, const char *http_root, jf_err *err);

typedef struct jf_image_fetch_opts {
	unsigned version;
	const char *const *headers; /* NULL-terminated "Key: Value" list, or NULL */
	const char *bearer;         /* "Authorization: Bearer ..." token, or NULL */
	const char *cacert;         /* a CA bundle file for https, or NULL */
	bool insecure_tls;          /* do not verify the server's certificate */
	jf_image_progress_cb progress;
	void *progress_user;
	int cancel_fd;                    /* readable => stop with JF_ECANCELED; -1: none */
	unsigned long connect_timeout_ms; /* 0: 30 s */
	unsigned long stall_timeout_ms;   /* no byte for this long fails; 0: 60 s */
	jf_log *log;                      /* secrets are registered here; may be NULL */
} jf_image_fetch_opts;

#define JF_IMAGE_FETCH_OPTS_VERSION 1
#define JF_IMAGE_FETCH_OPTS_INIT                                                                   \
	{                                                                                          \
		.version = JF_IMAGE_FETCH_OPTS_VERSION, .cancel_fd = -1                            \
	}

/* Check one "--header" value: "Key: Value" where Key is an HTTP token and
 * Value is non-empty without CR, LF or NUL. The message names the key only
 * (values may be secrets). 0 or JF_EINVAL. */
int jf_image_header_check(const char *header, jf_err *err);

/* Register the value of a checked @header with @log (may be NULL) as a
 * secret: headers carry tokens (Authorization, X-Auth-Token, PRIVATE-TOKEN).
 * A value shorter than JF_REDACT_MIN_LEN is no secret and would mask that
 * text everywhere: it is not registered. 0 or JF_ENOMEM. */
int jf_image_header_secret(jf_log *log, const char *header);

/* Download the http(s) @url into @dst_path (via a temp file in the same
 * directory and a rename; nothing is left behind on failure), following
 * redirects (http and https only), hashing while writing. @out (may be
 * NULL) gets size, sha256 and the compression detected from the first bytes
 * (raw_* only for an uncompressed download). Every header is validated
 * first. HTTP 404/410 is JF_ENOTFOUND, 401/403 JF_EPERM, any other non-2xx
 * JF_EPROTO; an unreachable server JF_EUNREACHABLE; a stall JF_ETIMEOUT.
 * Messages print the URL without credentials and never a header value or
 * token; those (and a URL password) are registered with opts->log. */
int jf_image_fetch(jf_image_info *out, const char *url, const char *dst_path,
                   const jf_image_fetch_opts *opts, jf_err *err);

/* Find the sha256 in the text of a checksum option or file: a bare 64-hex
 * digest, sha256sum output ("HASH  name" or "HASH *name", one or more lines;
 * with several, the line whose file name matches the base name of
 * @filename_hint), or BSD style "SHA256 (name) = HASH". Blank lines and
 * '#' comments are skipped. @out gets the digest in lowercase. Anything else
 * (other digests, malformed lines, no or ambiguous match) is JF_EINVAL with
 * a message saying what was expected. @filename_hint may be NULL. */
int jf_checksum_parse(char out[JF_SHA256_HEX_LEN + 1], const char *text, const char *filename_hint,
                      jf_err *err);

#ifdef __cplusplus
}
#endif

#endif
