/* Streaming decoders for gzip (zlib), xz (liblzma), zstd (libzstd), bzip2
 * (libbz2) and lz4 frames (liblz4) behind one feed/finish interface.
 *
 * Concatenated streams are decoded as the command-line tools do: gzip
 * members and bzip2 streams one after another (zero bytes after a gzip
 * member are ignored, as gzip does), xz streams with stream padding
 * (LZMA_CONCATENATED), zstd and lz4 frames including skippable frames.
 * Anything else after the last stream is trailing garbage: an error, since
 * it usually means a damaged or wrongly assembled image. */
#include <bzlib.h>
#include <limits.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "image_int.h"

#define OUT_CAP (256u * 1024u)

struct jf_image__dec {
	jf_compression c;
	unsigned char *out;
	bool inited;  /* the library's state is allocated */
	bool between; /* gzip/bzip2: a stream ended, the next byte decides */
	bool zeros;   /* gzip: zero padding seen after a member */
	bool at_end;  /* zstd/lz4: the last frame is complete */
	bool started; /* lz4: the first bytes were checked */
	z_stream z;
	lzma_stream x;
	ZSTD_DCtx *zs;
	bz_stream b;
	LZ4F_dctx *l;
};

static int corrupt(jf_err *err, const char *what, const char *why)
{
	return jf_err_set(err, JF_EINTEGRITY, "%s: %s", what, why);
}

static int truncated(jf_err *err, const char *what)
{
	return jf_err_set(err, JF_EINTEGRITY, "%s: the compressed data ends early", what);
}

static int garbage(jf_err *err, const char *what)
{
	return jf_err_set(err, JF_EINTEGRITY, "%s: unexpected data after the end of the stream",
	                  what);
}

static int emit(jf_image__dec *d, size_t n, jf_image__sink sink, void *user)
{
	return n && sink ? sink(user, d->out, n) : 0;
}

/* liblzma's multi-threaded decoder where the stream has blocks with sizes
 * in their headers (`xz -T0` writes them), one thread per CPU; it decodes a
 * single-block stream in one thread like the plain decoder. */
static lzma_ret xz_init(lzma_stream *x)
{
#if LZMA_VERSION >= 50040000
	lzma_mt mt = {
	    .flags = LZMA_CONCATENATED,
	    .threads = lzma_cputhreads() ? lzma_cputhreads() : 1,
	    .memlimit_threading = 256u << 20, /* above it: one thread */
	    .memlimit_stop = UINT64_MAX,
	};

	if (mt.threads > 8)
		mt.threads = 8;
	return lzma_stream_decoder_mt(x, &mt);
#else
	return lzma_stream_decoder(x, UINT64_MAX, LZMA_CONCATENATED);
#endif
}

int jf_image__dec_new(jf_image__dec **out, jf_compression c, jf_err *err)
{
	jf_image__dec *d = calloc(1, sizeof(*d));
	int ok = 0;

	*out = NULL;
	if (!d || !(d->out = malloc(OUT_CAP))) {
		free(d);
		return jf_err_set(err, JF_ENOMEM, "out of memory for a %s decoder",
		                  jf_compression_name(c));
	}
	d->c = c;
	d->x = (lzma_stream)LZMA_STREAM_INIT;
	switch (c) {
	case JF_COMP_GZIP: /* 16 + 15: gzip wrapper only, the largest window */
		ok = inflateInit2(&d->z, 16 + MAX_WBITS) == Z_OK;
		break;
	case JF_COMP_XZ:
		ok = xz_init(&d->x) == LZMA_OK;
		break;
	case JF_COMP_ZSTD:
		ok = (d->zs = ZSTD_createDCtx()) != NULL;
		break;
	case JF_COMP_BZIP2:
		ok = BZ2_bzDecompressInit(&d->b, 0, 0) == BZ_OK;
		break;
	case JF_COMP_LZ4:
		ok = !LZ4F_isError(LZ4F_createDecompressionContext(&d->l, LZ4F_VERSION));
		break;
	case JF_COMP_NONE:
		ok = 1;
		break;
	}
	d->inited = ok;
	if (!ok) {
		jf_image__dec_free(d);
		return jf_err_set(err, JF_ENOMEM, "cannot start a %s decoder",
		                  jf_compression_name(c));
	}
	*out = d;
	return 0;
}

void jf_image__dec_free(jf_image__dec *d)
{
	if (!d)
		return;
	if (d->inited) {
		switch (d->c) {
		case JF_COMP_GZIP:
			inflateEnd(&d->z);
			break;
		case JF_COMP_XZ:
			lzma_end(&d->x);
			break;
		case JF_COMP_ZSTD:
			ZSTD_freeDCtx(d->zs);
			break;
		case JF_COMP_BZIP2:
			BZ2_bzDecompressEnd(&d->b);
			break;
		case JF_COMP_LZ4:
			LZ4F_freeDecompressionContext(d->l);
			break;
		case JF_COMP_NONE:
			break;
		}
	}
	free(d->out);
	free(d);
}

/* After a gzip member or bzip2 stream: skip what may follow (gzip: zero
 * padding), reject garbage, or restart for the next stream. Returns 1 when
 * the input is used up. */
static int next_stream(jf_image__dec *d, const unsigned char *p, size_t len, size_t *pos,
                       jf_err *err)
{
	const char *what = jf_compression_name(d->c);

	while (*pos < len && d->c == JF_COMP_GZIP && p[*pos] == 0) {
		d->zeros = true;
		(*pos)++;
	}
	if (*pos == len)
		return 1;
	if (d->c == JF_COMP_GZIP) {
		if (d->zeros || p[*pos] != 0x1f)
			return garbage(err, what);
		if (inflateReset(&d->z) != Z_OK)
			return corrupt(err, what, "cannot restart the decoder");
	} else {
		if (p[*pos] != 'B')
			return garbage(err, what);
		BZ2_bzDecompressEnd(&d->b);
		memset(&d->b, 0, sizeof(d->b));
		if (BZ2_bzDecompressInit(&d->b, 0, 0) != BZ_OK) {
			d->inited = false; /* nothing left to end */
			return jf_err_set(err, JF_ENOMEM, "bzip2: cannot restart the decoder");
		}
	}
	d->between = false;
	return 0;
}

static int gzip_feed(jf_image__dec *d, const unsigned char *p, size_t len, jf_image__sink sink,
                     void *user, jf_err *err)
{
	size_t pos = 0;
	int rc, error;

	while (pos < len) {
		if (d->between && (rc = next_stream(d, p, len, &pos, err)) != 0)
			return rc < 0 ? rc : 0;
		d->z.next_in = (unsigned char *)p + pos;
		d->z.avail_in = (uInt)(len - pos > UINT_MAX ? UINT_MAX : len - pos);
		for (;;) {
			d->z.next_out = d->out;
			d->z.avail_out = OUT_CAP;
			rc = inflate(&d->z, Z_NO_FLUSH);
			if ((error = emit(d, OUT_CAP - d->z.avail_out, sink, user)) < 0)
				return error;
			if (rc == Z_STREAM_END) {
				d->between = true;
				break;
			}
			if (rc != Z_OK && rc != Z_BUF_ERROR)
				return corrupt(err, "gzip", d->z.msg ? d->z.msg : "invalid data");
			if (d->z.avail_out != 0)
				break; /* input used up, output flushed */
		}
		pos = (size_t)(d->z.next_in - p);
	}
	return 0;
}

static int bzip2_feed(jf_image__dec *d, const unsigned char *p, size_t len, jf_image__sink sink,
                      void *user, jf_err *err)
{
	size_t pos = 0;
	int rc, error;

	while (pos < len) {
		if (d->between && (rc = next_stream(d, p, len, &pos, err)) != 0)
			return rc < 0 ? rc : 0;
		d->b.next_in = (char *)p + pos;
		d->b.avail_in = (unsigned)(len - pos > UINT_MAX ? UINT_MAX : len - pos);
		for (;;) {
			d->b.next_out = (char *)d->out;
			d->b.avail_out = OUT_CAP;
			rc = BZ2_bzDecompress(&d->b);
			if ((error = emit(d, OUT_CAP - d->b.avail_out, sink, user)) < 0)
				return error;
			if (rc == BZ_STREAM_END) {
				d->between = true;
				break;
			}
			if (rc != BZ_OK)
				return corrupt(err, "bzip2",
				               rc == BZ_DATA_ERROR_MAGIC ? "not bzip2 data"
				                                         : "invalid data (CRC)");
			if (d->b.avail_out != 0)
				break;
		}
		pos = (size_t)((const unsigned char *)d->b.next_in - p);
	}
	return 0;
}

static const char *lzma_why(lzma_ret rc)
{
	switch (rc) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_FORMAT_ERROR:
		return "not xz data";
	case LZMA_OPTIONS_ERROR:
		return "unsupported options";
	case LZMA_BUF_ERROR:
		return "the compressed data ends early";
	default:
		return "invalid data (CRC or trailing garbage)";
	}
}

static int xz_code(jf_image__dec *d, const void *p, size_t len, lzma_action act,
                   jf_image__sink sink, void *user, jf_err *err)
{
	lzma_ret rc;
	int error;

	d->x.next_in = p;
	d->x.avail_in = len;
	for (;;) {
		d->x.next_out = d->out;
		d->x.avail_out = OUT_CAP;
		rc = lzma_code(&d->x, act);
		if ((error = emit(d, OUT_CAP - d->x.avail_out, sink, user)) < 0)
			return error;
		if (rc == LZMA_STREAM_END)
			return 0;
		if (rc != LZMA_OK && !(rc == LZMA_BUF_ERROR && act == LZMA_RUN))
			return rc == LZMA_MEM_ERROR
			           ? jf_err_set(err, JF_ENOMEM, "xz: out of memory")
			           : corrupt(err, "xz", lzma_why(rc));
		if (act == LZMA_RUN && d->x.avail_out != 0)
			return 0; /* all input taken, all output flushed */
	}
}

static int zstd_feed(jf_image__dec *d, const void *p, size_t len, jf_image__sink sink, void *user,
                     jf_err *err)
{
	ZSTD_inBuffer in = {p, len, 0};
	ZSTD_outBuffer o;
	int error;

	do {
		size_t r;

		o = (ZSTD_outBuffer){d->out, OUT_CAP, 0};
		r = ZSTD_decompressStream(d->zs, &o, &in);
		if (ZSTD_isError(r))
			return corrupt(err, "zstd", ZSTD_getErrorName(r));
		if ((error = emit(d, o.pos, sink, user)) < 0)
			return error;
		d->at_end = r == 0;
	} while (in.pos < in.size || o.pos == o.size);
	return 0;
}

static int lz4_feed(jf_image__dec *d, const unsigned char *p, size_t len, jf_image__sink sink,
                    void *user, jf_err *err)
{
	size_t pos = 0;
	int error;

	if (!d->started && len >= 4) {
		d->started = true;
		if (!memcmp(p, "\x02\x21\x4c\x18", 4))
			return jf_err_set(err, JF_EINVAL,
			                  "lz4: the legacy format (lz4 -l) is "
			                  "not supported; recompress without -l");
	}
	for (;;) {
		size_t dst = OUT_CAP, src = len - pos;
		size_t r = LZ4F_decompress(d->l, d->out, &dst, p + pos, &src, NULL);

		if (LZ4F_isError(r))
			return corrupt(err, "lz4", LZ4F_getErrorName(r));
		pos += src;
		if ((error = emit(d, dst, sink, user)) < 0)
			return error;
		d->at_end = r == 0;
		if (pos >= len && dst < OUT_CAP)
			return 0;
		if (!src && !dst)
			return corrupt(err, "lz4", "the decoder makes no progress");
	}
}

int jf_image__dec_feed(jf_image__dec *d, const void *in, size_t len, jf_image__sink sink,
                       void *user, jf_err *err)
{
	if (!len)
		return 0;
	switch (d->c) {
	case JF_COMP_GZIP:
		return gzip_feed(d, in, len, sink, user, err);
	case JF_COMP_XZ:
		return xz_code(d, in, len, LZMA_RUN, sink, user, err);
	case JF_COMP_ZSTD:
		return zstd_feed(d, in, len, sink, user, err);
	case JF_COMP_BZIP2:
		return bzip2_feed(d, in, len, sink, user, err);
	case JF_COMP_LZ4:
		return lz4_feed(d, in, len, sink, user, err);
	case JF_COMP_NONE:
		return sink ? sink(user, in, len) : 0;
	}
	return jf_err_set(err, JF_EINVAL, "unknown compression %d", (int)d->c);
}

int jf_image__dec_finish(jf_image__dec *d, jf_image__sink sink, void *user, jf_err *err)
{
	const char *what = jf_compression_name(d->c);

	switch (d->c) {
	case JF_COMP_GZIP:
	case JF_COMP_BZIP2:
		return d->between ? 0 : truncated(err, what);
	case JF_COMP_XZ:
		return xz_code(d, NULL, 0, LZMA_FINISH, sink, user, err);
	case JF_COMP_ZSTD:
	case JF_COMP_LZ4:
		return d->at_end ? 0 : truncated(err, what);
	case JF_COMP_NONE:
		return 0;
	}
	return 0;
}
