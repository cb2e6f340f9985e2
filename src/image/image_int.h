/* Internals of the image module, shared between its files. */
#ifndef JF_IMAGE_INT_H
#define JF_IMAGE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "jmpflash/image.h"

/* ---- streaming decoders (decode.c) ---- */

typedef struct jf_image__dec jf_image__dec;

/* Receives each piece of decoded output; a negative return stops decoding
 * and is passed back by jf_image__dec_feed(). */
typedef int (*jf_image__sink)(void *user, const void *data, size_t len);

int jf_image__dec_new(jf_image__dec **out, jf_compression c, jf_err *err);
/* Decode @len more input bytes, handing the output to @sink. On a bad
 * stream, JF_EINTEGRITY with a short reason in @err ("xz: ...") that the
 * caller prefixes with the file's name. */
int jf_image__dec_feed(jf_image__dec *d, const void *in, size_t len, jf_image__sink sink,
                       void *user, jf_err *err);
/* The input has ended: JF_EINTEGRITY when the last stream is incomplete.
 * May still hand output to @sink (buffered bytes). */
int jf_image__dec_finish(jf_image__dec *d, jf_image__sink sink, void *user, jf_err *err);
void jf_image__dec_free(jf_image__dec *d);

/* ---- one pass over a file (pump.c) ---- */

/* Read @fd (the file @path, described by @st) to the end: hash it, decode
 * it when @decode, and give the raw bytes to @sink (may be NULL) as well
 * as hashing them. Fills @out (not from_cache). */
int jf_image__pump(jf_image_info *out, int fd, const char *path, const struct stat *st, bool decode,
                   const jf_image_inspect_opts *opts, jf_image__sink sink, void *sink_user,
                   jf_err *err);

/* True when @fd (>= 0) is readable now: the caller asked to stop. */
bool jf_image__canceled(int fd);

/* ---- sidecar cache (cache.c) ---- */

/* Look @st up in @cache_dir: 0 and @out filled on a hit that has what is
 * needed (raw when @want_raw), JF_ENOTFOUND on any miss. */
int jf_image__cache_get(jf_image_info *out, const char *cache_dir, const struct stat *st,
                        bool want_raw);
/* Remember @info for the file @st (atomic temp + rename). */
int jf_image__cache_put(const char *cache_dir, const char *path, const struct stat *st,
                        const jf_image_info *info, jf_err *err);

/* ---- files (stage.c) ---- */

/* mkstemp() in the directory of @path: "<dir>/.<base>.tmp-XXXXXX". *tmp is
 * malloc'd; returns the open fd or a negative JF_E*. */
int jf_image__tmpfile(char **tmp, const char *path, jf_err *err);
/* Write all of @len bytes. 0 or -errno. */
int jf_image__write_all(int fd, const void *data, size_t len);

#endif
