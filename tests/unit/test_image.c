/* Unit tests for the image module: inputs are made by the real gzip, xz,
 * zstd, bzip2 and lz4 tools, and every computed digest is compared with
 * sha256sum's. Downloads are in test_image_fetch.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "jmpflash/image.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX64     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Made once for all cases by group_setup: "orig" (1 MiB random, 2 MiB of
 * zeros, some text) and its compressed forms. */
static char *g_dir;
static char g_orig_sha[65];
static uint64_t g_orig_size;

static const struct fmt {
	jf_compression c;
	const char *ext;
} fmts[] = {
    {JF_COMP_GZIP, "gz"},   {JF_COMP_XZ, "xz"},   {JF_COMP_ZSTD, "zst"},
    {JF_COMP_BZIP2, "bz2"}, {JF_COMP_LZ4, "lz4"},
};
#define NFMTS (sizeof(fmts) / sizeof(fmts[0]))

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc, n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	if ((rc = system(cmd)) != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* A path under g_dir; four rotating buffers so a call can use several. */
static const char *P(const char *name)
{
	static char bufs[4][4096];
	static int i;
	char *b = bufs[i++ % 4];

	snprintf(b, 4096, "%s/%s", g_dir, name);
	return b;
}

static void sha256sum(char out[65], const char *path)
{
	char cmd[4200];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "sha256sum < '%s'", path);
	assert_non_null(f = popen(cmd, "r"));
	assert_non_null(fgets(out, 65, f));
	assert_int_equal(strlen(out), 64);
	assert_int_equal(pclose(f), 0);
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static int group_setup(void **state)
{
	(void)state;
	g_dir = test_tmpdir();
	sh("cd %s && head -c 1048576 /dev/urandom > orig && head -c 2097152 /dev/zero >> orig"
	   " && seq 1 20000 >> orig && gzip -kn orig && xz -k -T1 orig && zstd -q orig -o orig.zst"
	   " && bzip2 -k orig && lz4 -q orig orig.lz4",
	   g_dir);
	sha256sum(g_orig_sha, P("orig"));
	g_orig_size = file_size(P("orig"));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	test_tmpdir_remove(g_dir);
	return 0;
}

static int inspect(jf_image_info *info, const char *path, jf_err *err)
{
	jf_image_inspect_opts o = JF_IMAGE_INSPECT_OPTS_INIT;

	return jf_image_inspect(info, path, &o, err);
}

/* Inspect @name and check every field against the tools' answers. */
static void expect_image(const char *name, jf_compression c, const char *raw_sha, uint64_t raw_size)
{
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	char sha[65];

	if (inspect(&info, P(name), &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	sha256sum(sha, P(name));
	assert_int_equal(info.compression, c);
	assert_string_equal(info.sha256, sha);
	assert_int_equal(info.size, file_size(P(name)));
	assert_true(info.has_raw);
	assert_string_equal(info.raw_sha256, raw_sha);
	assert_int_equal(info.raw_size, raw_size);
	assert_false(info.from_cache);
}

static void test_image_detect_magic(void **s)
{
	(void)s;
	assert_int_equal(jf_image_detect("\x1f\x8b\x08\0", 4), JF_COMP_GZIP);
	assert_int_equal(jf_image_detect("\xfd"
	                                 "7zXZ\0\0",
	                                 7),
	                 JF_COMP_XZ);
	assert_int_equal(jf_image_detect("\xfd"
	                                 "7zX",
	                                 4),
	                 JF_COMP_NONE); /* too short */
	assert_int_equal(jf_image_detect("\x28\xb5\x2f\xfd\0", 5), JF_COMP_ZSTD);
	assert_int_equal(jf_image_detect("BZh9\x31\x41", 6), JF_COMP_BZIP2);
	assert_int_equal(jf_image_detect("BZh0", 4), JF_COMP_NONE);
	assert_int_equal(jf_image_detect("\x04\x22\x4d\x18", 4), JF_COMP_LZ4);
	assert_int_equal(jf_image_detect("\xeb\x3c\x90mkfs", 7), JF_COMP_NONE);
	assert_int_equal(jf_image_detect("", 0), JF_COMP_NONE);
}

static void test_image_names_and_board_cmds(void **s)
{
	(void)s;
	assert_string_equal(jf_compression_name(JF_COMP_XZ), "xz");
	assert_string_equal(jf_compression_name(JF_COMP_BZIP2), "bzip2");
	assert_string_equal(jf_compression_board_cmd(JF_COMP_GZIP), "zcat");
	assert_string_equal(jf_compression_board_cmd(JF_COMP_XZ), "xzcat");
	assert_string_equal(jf_compression_board_cmd(JF_COMP_BZIP2), "bzcat");
	assert_null(jf_compression_board_cmd(JF_COMP_NONE));
	assert_null(jf_compression_board_cmd(JF_COMP_ZSTD));
	assert_null(jf_compression_board_cmd(JF_COMP_LZ4));
	assert_true(jf_compression_host_only(JF_COMP_ZSTD));
	assert_true(jf_compression_host_only(JF_COMP_LZ4));
	assert_false(jf_compression_host_only(JF_COMP_XZ));
}

static void test_image_inspect_each_format(void **s)
{
	char name[32];

	(void)s;
	expect_image("orig", JF_COMP_NONE, g_orig_sha, g_orig_size);
	for (size_t i = 0; i < NFMTS; i++) {
		snprintf(name, sizeof(name), "orig.%s", fmts[i].ext);
		expect_image(name, fmts[i].c, g_orig_sha, g_orig_size);
	}
}

static void test_image_detects_by_magic_not_name(void **s)
{
	(void)s;
	sh("cd %s && cp orig.xz lies.img.gz && cp orig.gz lies.zst && cp orig plain.img.xz", g_dir);
	expect_image("lies.img.gz", JF_COMP_XZ, g_orig_sha, g_orig_size);
	expect_image("lies.zst", JF_COMP_GZIP, g_orig_sha, g_orig_size);
	expect_image("plain.img.xz", JF_COMP_NONE, g_orig_sha, g_orig_size);
}

static void test_image_inspect_without_raw(void **s)
{
	jf_image_inspect_opts o = JF_IMAGE_INSPECT_OPTS_INIT;
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	char sha[65];

	(void)s;
	o.raw = false;
	assert_int_equal(jf_image_inspect(&info, P("orig.xz"), &o, &err), 0);
	sha256sum(sha, P("orig.xz"));
	assert_string_equal(info.sha256, sha);
	assert_int_equal(info.compression, JF_COMP_XZ);
	assert_false(info.has_raw);
	/* uncompressed: raw comes for free */
	assert_int_equal(jf_image_inspect(&info, P("orig"), &o, &err), 0);
	assert_true(info.has_raw);
	assert_string_equal(info.raw_sha256, g_orig_sha);
}

static void expect_bad(const char *name, const char *what)
{
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	int rc = inspect(&info, P(name), &err);

	if (rc != JF_EINTEGRITY)
		fail_msg("%s (%s): expected JF_EINTEGRITY, got %d: %s", name, what, rc, err.msg);
	assert_non_null(strstr(err.msg, P(name)));
	assert_non_null(strstr(err.msg, "is truncated or corrupt"));
	assert_null(strchr(err.msg, '\n'));
}

static void test_image_truncated_streams(void **s)
{
	char name[32];

	(void)s;
	for (size_t i = 0; i < NFMTS; i++) {
		uint64_t half;

		snprintf(name, sizeof(name), "orig.%s", fmts[i].ext);
		half = file_size(P(name)) / 2;
		sh("cd %s && head -c %ju %s > half.%s && head -c 12 %s > head.%s && "
		   "head -c -1 %s > less1.%s",
		   g_dir, (uintmax_t)half, name, fmts[i].ext, name, fmts[i].ext, name, fmts[i].ext);
		snprintf(name, sizeof(name), "half.%s", fmts[i].ext);
		expect_bad(name, "cut in half");
		snprintf(name, sizeof(name), "head.%s", fmts[i].ext);
		expect_bad(name, "header only");
		snprintf(name, sizeof(name), "less1.%s", fmts[i].ext);
		expect_bad(name, "last byte missing");
	}
}

/* Overwrite one byte of a copy of orig.<ext> at @off (negative: from the
 * end) with its complement. */
static void corrupt(const char *ext, long off)
{
	char name[32];
	unsigned char b;
	int fd;

	sh("cd %s && cp orig.%s bad.%s", g_dir, ext, ext);
	snprintf(name, sizeof(name), "bad.%s", ext);
	assert_true((fd = open(P(name), O_RDWR)) >= 0);
	if (off < 0)
		off += (long)file_size(P(name));
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b = (unsigned char)~b;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
	expect_bad(name, "corrupted");
}

static void test_image_corrupt_streams(void **s)
{
	(void)s;
	corrupt("gz", -8);    /* the CRC32 in the trailer */
	corrupt("gz", 40000); /* deflate data */
	corrupt("xz", 40000);
	corrupt("zst", -1);    /* the content checksum */
	corrupt("bz2", 40000); /* a block (CRC'd) */
	corrupt("lz4", -1);    /* the content checksum */
	corrupt("lz4", 40000);
}

static void test_image_trailing_garbage(void **s)
{
	char name[32];

	(void)s;
	for (size_t i = 0; i < NFMTS; i++) {
		sh("cd %s && (cat orig.%s; echo junk) > junk.%s", g_dir, fmts[i].ext, fmts[i].ext);
		snprintf(name, sizeof(name), "junk.%s", fmts[i].ext);
		expect_bad(name, "trailing garbage");
	}
	/* gzip itself ignores zero padding after a member; so do we */
	sh("cd %s && (cat orig.gz; head -c 100 /dev/zero) > zeros.gz", g_dir);
	expect_image("zeros.gz", JF_COMP_GZIP, g_orig_sha, g_orig_size);
	/* ... but not data after the zeros */
	sh("cd %s && (cat zeros.gz orig.gz) > zerosdata.gz", g_dir);
	expect_bad("zerosdata.gz", "data after padding");
}

static void test_image_concatenated_streams(void **s)
{
	char two_sha[65], name[32];
	uint64_t two_size;

	(void)s;
	sh("cd %s && printf 'second part\\n' > part2 && cat orig part2 > two", g_dir);
	sha256sum(two_sha, P("two"));
	two_size = file_size(P("two"));
	sh("cd %s && gzip -c part2 > p2.gz && xz -c part2 > p2.xz && zstd -qc part2 > p2.zst && "
	   "bzip2 -c part2 > p2.bz2 && lz4 -qc part2 > p2.lz4",
	   g_dir);
	for (size_t i = 0; i < NFMTS; i++) {
		sh("cd %s && cat orig.%s p2.%s > two.%s", g_dir, fmts[i].ext, fmts[i].ext,
		   fmts[i].ext);
		snprintf(name, sizeof(name), "two.%s", fmts[i].ext);
		expect_image(name, fmts[i].c, two_sha, two_size);
	}
	/* xz stream padding (multiples of four zero bytes) between streams */
	sh("cd %s && (cat orig.xz; head -c 8 /dev/zero; cat p2.xz) > padded.xz", g_dir);
	expect_image("padded.xz", JF_COMP_XZ, two_sha, two_size);
}

static void test_image_empty_inputs(void **s)
{
	char name[32];

	(void)s;
	sh("cd %s && : > empty && gzip -c empty > empty.gz && xz -c empty > empty.xz && "
	   "zstd -qc empty > empty.zst && bzip2 -c empty > empty.bz2 && lz4 -qc empty > empty.lz4",
	   g_dir);
	expect_image("empty", JF_COMP_NONE, EMPTY_SHA, 0);
	for (size_t i = 0; i < NFMTS; i++) {
		snprintf(name, sizeof(name), "empty.%s", fmts[i].ext);
		expect_image(name, fmts[i].c, EMPTY_SHA, 0);
	}
}

static void test_image_missing_and_not_regular(void **s)
{
	jf_image_info info;
	jf_err err = JF_ERR_INIT;

	(void)s;
	assert_int_equal(inspect(&info, P("nonexistent.img"), &err), JF_ENOTFOUND);
	assert_non_null(strstr(err.msg, "nonexistent.img"));
	assert_int_equal(inspect(&info, g_dir, &err), JF_EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	sh("cd %s && rm -f fifo && mkfifo fifo", g_dir);
	assert_int_equal(inspect(&info, P("fifo"), &err), JF_EINVAL); /* and does not hang */
	/* the legacy lz4 format is recognised and refused with advice */
	sh("cd %s && lz4 -lqf orig legacy.lz4", g_dir);
	assert_int_equal(inspect(&info, P("legacy.lz4"), &err), JF_EINVAL);
	assert_non_null(strstr(err.msg, "legacy.lz4"));
	assert_non_null(strstr(err.msg, "recompress without -l"));
}

typedef struct prog {
	uint64_t last, total;
	int calls;
} prog;

static void on_progress(void *user, uint64_t done, uint64_t total)
{
	prog *p = user;

	assert_true(done >= p->last);
	p->last = done;
	p->total = total;
	p->calls++;
}

static void test_image_progress_and_cancel(void **s)
{
	jf_image_inspect_opts o = JF_IMAGE_INSPECT_OPTS_INIT;
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	prog p = {0, 0, 0};
	int fds[2];

	(void)s;
	o.progress = on_progress;
	o.progress_user = &p;
	assert_int_equal(jf_image_inspect(&info, P("orig"), &o, &err), 0);
	assert_true(p.calls >= 3); /* a call per MiB */
	assert_int_equal(p.last, g_orig_size);
	assert_int_equal(p.total, g_orig_size);

	assert_int_equal(pipe(fds), 0);
	o.progress = NULL;
	o.cancel_fd = fds[0];
	assert_int_equal(jf_image_inspect(&info, P("orig.xz"), &o, &err), 0); /* not readable */
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(jf_image_inspect(&info, P("orig.xz"), &o, &err), JF_ECANCELED);
	assert_non_null(strstr(err.msg, "canceled"));
	close(fds[0]);
	close(fds[1]);
}

static int count_files(const char *dir)
{
	char cmd[4200];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f | wc -l", dir);
	assert_non_null(f = popen(cmd, "r"));
	assert_int_equal(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

/* Invert the byte at @off of @path (setting it to a value could leave
 * random data as it was, 1 time in 256). */
static void flip_byte(const char *path, off_t off)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	unsigned char b;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0xff;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

static void test_image_cache_hit_miss_invalidate(void **s)
{
	jf_image_inspect_opts o = JF_IMAGE_INSPECT_OPTS_INIT;
	jf_image_info a, b;
	jf_err err = JF_ERR_INIT;
	struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 5}};
	char sha[65];

	(void)s;
	char cache[4096];

	sh("cd %s && rm -rf cache && cp orig.zst c.zst", g_dir);
	snprintf(cache, sizeof(cache), "%s", P("cache")); /* P's buffers rotate */
	o.cache_dir = cache;
	o.raw = false;
	assert_int_equal(jf_image_inspect(&a, P("c.zst"), &o, &err), 0);
	assert_false(a.from_cache);
	assert_int_equal(count_files(P("cache/images")), 1);
	/* a raw request is a miss: the entry has no raw digest yet */
	o.raw = true;
	assert_int_equal(jf_image_inspect(&b, P("c.zst"), &o, &err), 0);
	assert_false(b.from_cache);
	assert_string_equal(b.raw_sha256, g_orig_sha);
	/* now everything is known: a hit, raw or not */
	assert_int_equal(jf_image_inspect(&b, P("c.zst"), &o, &err), 0);
	assert_true(b.from_cache);
	assert_string_equal(b.sha256, a.sha256);
	assert_string_equal(b.raw_sha256, g_orig_sha);
	assert_int_equal(b.raw_size, g_orig_size);
	assert_int_equal(b.compression, JF_COMP_ZSTD);
	assert_int_equal(count_files(P("cache/images")), 1); /* rewritten, no temp left */

	/* same size, other bytes, other mtime: a miss, so the damage is seen */
	sh("cd %s && cp orig.zst c2", g_dir);
	flip_byte(P("c2"), 100);
	sh("cd %s && cat c2 > c.zst", g_dir);
	assert_int_equal(utimensat(AT_FDCWD, P("c.zst"), times, 0), 0);
	assert_int_equal(jf_image_inspect(&b, P("c.zst"), &o, &err), JF_EINTEGRITY);
	/* a changed size: a miss */
	sh("cd %s && cp orig.gz c.zst", g_dir);
	assert_int_equal(jf_image_inspect(&b, P("c.zst"), &o, &err), 0);
	assert_false(b.from_cache);
	assert_int_equal(b.compression, JF_COMP_GZIP);
	sha256sum(sha, P("c.zst"));
	assert_string_equal(b.sha256, sha);

	/* a damaged entry is a miss, then repaired */
	sh("cd %s && for f in cache/images/*.json; do echo '{\"version\": 1' > $f; done", g_dir);
	assert_int_equal(jf_image_inspect(&b, P("c.zst"), &o, &err), 0);
	assert_false(b.from_cache);
	assert_int_equal(jf_image_inspect(&b, P("c.zst"), &o, &err), 0);
	assert_true(b.from_cache);
	assert_string_equal(b.sha256, sha);
}

static void test_image_no_cache_dir_no_files(void **s)
{
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	int before = count_files(g_dir);

	(void)s;
	assert_int_equal(jf_image_inspect(&info, P("orig.gz"), NULL, &err), 0);
	assert_false(info.from_cache);
	assert_int_equal(jf_image_inspect(&info, P("orig.gz"), NULL, &err), 0);
	assert_false(info.from_cache);
	assert_int_equal(count_files(g_dir), before);
}

static void test_image_decompress_to(void **s)
{
	jf_image_inspect_opts o = JF_IMAGE_INSPECT_OPTS_INIT;
	jf_image_info info;
	jf_err err = JF_ERR_INIT;
	char sha[65], zsha[65];
	struct stat st;

	(void)s;
	char cache[4096];

	sh("cd %s && rm -rf out && mkdir out", g_dir);
	snprintf(cache, sizeof(cache), "%s", P("dcache")); /* P's buffers rotate */
	o.cache_dir = cache;
	for (size_t i = 0; i < NFMTS; i++) {
		char src[32];

		snprintf(src, sizeof(src), "orig.%s", fmts[i].ext);
		if (jf_image_decompress_to(&info, P(src), P("out/raw.img"), &o, &err) < 0)
			fail_msg("%s: %s", src, err.msg);
		sha256sum(sha, P("out/raw.img"));
		sha256sum(zsha, P(src));
		assert_string_equal(sha, g_orig_sha);
		assert_string_equal(info.raw_sha256, g_orig_sha);
		assert_string_equal(info.sha256, zsha);
		assert_int_equal(info.raw_size, g_orig_size);
		assert_int_equal(file_size(P("out/raw.img")), g_orig_size);
	}
	/* an uncompressed source is copied */
	assert_int_equal(jf_image_decompress_to(&info, P("orig"), P("out/raw.img"), NULL, &err), 0);
	sha256sum(sha, P("out/raw.img"));
	assert_string_equal(sha, g_orig_sha);
	assert_string_equal(info.raw_sha256, g_orig_sha);
	/* the 2 MiB of zeros became a hole */
	assert_int_equal(stat(P("out/raw.img"), &st), 0);
	assert_true((uint64_t)st.st_blocks * 512 < g_orig_size);
	/* the result was remembered for the source */
	assert_int_equal(jf_image_inspect(&info, P("orig.lz4"), &o, &err), 0);
	assert_true(info.from_cache);
	assert_string_equal(info.raw_sha256, g_orig_sha);

	/* a bad stream leaves neither the file nor a temp file behind */
	sh("cd %s && rm -f out/raw.img && head -c 100000 orig.zst > out/cut.zst", g_dir);
	assert_int_equal(
	    jf_image_decompress_to(&info, P("out/cut.zst"), P("out/raw.img"), NULL, &err),
	    JF_EINTEGRITY);
	assert_non_null(strstr(err.msg, "cut.zst"));
	assert_int_equal(count_files(P("out")), 1);
	/* so does a canceled one */
	{
		jf_image_inspect_opts c = JF_IMAGE_INSPECT_OPTS_INIT;
		int fds[2];

		assert_int_equal(pipe(fds), 0);
		assert_int_equal(write(fds[1], "x", 1), 1);
		c.cancel_fd = fds[0];
		assert_int_equal(
		    jf_image_decompress_to(&info, P("orig.xz"), P("out/raw.img"), &c, &err),
		    JF_ECANCELED);
		assert_int_equal(count_files(P("out")), 1);
		close(fds[0]);
		close(fds[1]);
	}
	assert_int_equal(
	    jf_image_decompress_to(&info, P("orig.zst"), P("nodir/raw.img"), NULL, &err),
	    JF_ENOTFOUND);
}

static void test_image_stage_hardlink(void **s)
{
	char *name = NULL, *name2 = NULL, path[4200];
	jf_err err = JF_ERR_INIT;
	struct stat a, b;

	(void)s;
	sh("cd %s && rm -rf www && mkdir www && cp orig.xz 'my disk;v1.img.xz' && "
	   "ln -sf orig.xz link.xz",
	   g_dir);
	assert_int_equal(jf_image_stage(&name, P("my disk;v1.img.xz"), P("www"), &err), 0);
	assert_null(strchr(name, '/'));
	assert_true(name[0] != '.');
	assert_int_equal(strlen(name), 9 + strlen("my_disk_v1.img.xz"));
	assert_string_equal(name + 9, "my_disk_v1.img.xz");
	snprintf(path, sizeof(path), "%s/%s", P("www"), name);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(stat(P("my disk;v1.img.xz"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino); /* a link, not a copy */
	/* a second staging of the same file gets its own name */
	assert_int_equal(jf_image_stage(&name2, P("my disk;v1.img.xz"), P("www"), &err), 0);
	assert_string_not_equal(name, name2);
	assert_int_equal(jf_image_unstage(name, P("www"), &err), 0);
	assert_int_equal(stat(path, &a), -1);
	assert_int_equal(jf_image_unstage(name, P("www"), &err), 0); /* already gone */
	assert_int_equal(jf_image_unstage(name2, P("www"), &err), 0);
	free(name);
	free(name2);
	/* a symlink is followed: the link points at the real file */
	assert_int_equal(jf_image_stage(&name, P("link.xz"), P("www"), &err), 0);
	snprintf(path, sizeof(path), "%s/%s", P("www"), name);
	assert_int_equal(lstat(path, &a), 0);
	assert_true(S_ISREG(a.st_mode));
	assert_int_equal(stat(P("orig.xz"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(jf_image_unstage(name, P("www"), &err), 0);
	free(name);
	assert_int_equal(count_files(P("www")), 0);
}

static void test_image_stage_rejects(void **s)
{
	char *name = NULL;
	jf_err err = JF_ERR_INIT;

	(void)s;
	assert_int_equal(jf_image_stage(&name, P("none.img"), g_dir, &err), JF_ENOTFOUND);
	assert_int_equal(jf_image_stage(&name, g_dir, g_dir, &err), JF_EINVAL);
	assert_int_equal(jf_image_stage(&name, P("orig"), P("no-such-root"), &err), JF_ENOTFOUND);
	assert_null(name);
	assert_int_equal(jf_image_unstage("../orig", g_dir, &err), JF_EINVAL);
	assert_int_equal(jf_image_unstage("..", g_dir, &err), JF_EINVAL);
	assert_int_equal(jf_image_unstage("a/b", g_dir, &err), JF_EINVAL);
	assert_int_equal(jf_image_unstage("", g_dir, &err), JF_EINVAL);
	assert_int_equal(jf_image_unstage(NULL, g_dir, &err), JF_EINVAL);
	assert_true(file_size(P("orig")) > 0);
}

static void test_image_stage_cross_filesystem(void **s)
{
	char *root = NULL, *name = NULL, path[4200], sha[65];
	char tmpl[] = "/dev/shm/jf-test-XXXXXX";
	jf_err err = JF_ERR_INIT;
	struct stat a, b;

	(void)s;
	if (stat("/dev/shm", &a) < 0 || stat(g_dir, &b) < 0 || a.st_dev == b.st_dev) {
		/* cmocka has no skip-with-message: say why before skipping */
		print_message("[  NOTE    ] /dev/shm and /tmp are one filesystem here: "
		              "the copy path of staging is not tested\n");
		skip();
	}
	if (!(root = mkdtemp(tmpl))) {
		print_message("[  NOTE    ] cannot write to /dev/shm: the copy path of staging "
		              "is not tested\n");
		skip();
	}
	assert_int_equal(jf_image_stage(&name, P("orig.gz"), root, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(stat(P("orig.gz"), &b), 0);
	assert_int_not_equal(a.st_dev, b.st_dev); /* a copy on the other filesystem */
	sha256sum(sha, path);
	{
		char want[65];

		sha256sum(want, P("orig.gz"));
		assert_string_equal(sha, want);
	}
	assert_int_equal(count_files(root), 1); /* no temp file left */
	assert_int_equal(jf_image_unstage(name, root, &err), 0);
	assert_int_equal(count_files(root), 0);
	free(name);
	assert_int_equal(rmdir(root), 0);
}

/* jf_image_place: exactly at the name, replacing, linked on one filesystem,
 * copied across filesystems, never a temp file left behind. */
static void test_image_place(void **s)
{
	char tmpl[] = "/dev/shm/jf-test-XXXXXX", path[4200], sha[65], want[65];
	jf_err err = JF_ERR_INIT;
	struct stat a, b;
	char *other;
	FILE *f;

	(void)s;
	assert_non_null(f = fopen(P("placed"), "w"));
	fputs("old contents", f);
	fclose(f);
	assert_int_equal(jf_image_place(P("orig.xz"), P("placed"), &err), 0);
	assert_int_equal(stat(P("placed"), &a), 0);
	assert_int_equal(stat(P("orig.xz"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino); /* replaced by a hard link */
	assert_int_equal(jf_image_place(P("none.img"), P("placed2"), &err), JF_EIO);
	assert_int_equal(stat(P("placed2"), &a), -1);
	assert_int_equal(unlink(P("placed")), 0);
	if (stat("/dev/shm", &a) < 0 || a.st_dev == b.st_dev || !(other = mkdtemp(tmpl)))
		return; /* the copy path needs a second filesystem */
	snprintf(path, sizeof(path), "%s/Image", other);
	assert_int_equal(jf_image_place(P("orig.xz"), path, &err), 0);
	assert_int_equal(stat(path, &a), 0);
	assert_int_not_equal(a.st_dev, b.st_dev);
	sha256sum(sha, path);
	sha256sum(want, P("orig.xz"));
	assert_string_equal(sha, want);
	assert_int_equal(count_files(other), 1); /* no temp file left */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(other), 0);
}

static void expect_sum(const char *text, const char *hint, const char *want)
{
	char out[65];
	jf_err err = JF_ERR_INIT;

	if (jf_checksum_parse(out, text, hint, &err) < 0)
		fail_msg("'%s' rejected: %s", text, err.msg);
	assert_string_equal(out, want);
}

static void expect_sum_bad(const char *text, const char *hint, const char *msg)
{
	char out[65];
	jf_err err = JF_ERR_INIT;

	if (jf_checksum_parse(out, text, hint, &err) != JF_EINVAL)
		fail_msg("'%s' was accepted", text ? text : "(null)");
	if (!strstr(err.msg, msg))
		fail_msg("'%s': message '%s' lacks '%s'", text ? text : "(null)", err.msg, msg);
}

#define UP64  "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
#define OTHER "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void test_checksum_parse_good(void **s)
{
	(void)s;
	expect_sum(HEX64, NULL, HEX64);
	expect_sum("  " UP64 "\n", NULL, HEX64);
	expect_sum(HEX64 "  disk.img.xz\n", NULL, HEX64);
	expect_sum(HEX64 " *disk.img.xz\n", "whatever.img", HEX64); /* one line: taken */
	expect_sum("SHA256 (disk.img.xz) = " UP64 "\n", NULL, HEX64);
	expect_sum("# made by CI\n\n" OTHER "  other.img\r\n" HEX64 "  ./images/disk.img.xz\r\n",
	           "/srv/x/disk.img.xz", HEX64);
	expect_sum(OTHER "  other.img\n" HEX64 " *disk.img.xz\n",
	           "https://h.example/a/disk.img.xz?sig=abc", HEX64);
	expect_sum("SHA256 (a.img) = " OTHER "\nSHA256 (b (1).img) = " HEX64 "\n", "b (1).img",
	           HEX64);
	sh("cd %s && sha256sum orig orig.xz > SUMS", g_dir);
	{
		FILE *f = fopen(P("SUMS"), "r");
		char text[512], want[65];
		size_t n;

		assert_non_null(f);
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		sha256sum(want, P("orig.xz"));
		expect_sum(text, P("orig.xz"), want);
		expect_sum(text, "orig", g_orig_sha);
	}
}

static void test_checksum_parse_rejects(void **s)
{
	(void)s;
	expect_sum_bad(NULL, NULL, "no checksum");
	expect_sum_bad("", NULL, "no sha256 found");
	expect_sum_bad("\n# only a comment\n", NULL, "no sha256 found");
	expect_sum_bad("d41d8cd98f00b204e9800998ecf8427e", NULL, "32-digit digest");
	expect_sum_bad(HEX64 "0", NULL, "65-digit digest");
	expect_sum_bad("d41d8cd98f00b204e9800998ecf8427e  disk.img", NULL, "neither");
	expect_sum_bad("MD5 (disk.img) = d41d8cd98f00b204e9800998ecf8427e", NULL, "only SHA256");
	expect_sum_bad("SHA256 (disk.img) = d41d8cd98f00b204", NULL, "not 64 hex");
	expect_sum_bad("sha256:" HEX64, NULL, "neither");
	expect_sum_bad(HEX64 "xyz  disk.img", NULL, "neither");
	expect_sum_bad("<html>404 Not Found</html>", NULL, "neither");
	expect_sum_bad(HEX64 "  a.img\n" OTHER "  b.img\n", NULL, "no image name");
	expect_sum_bad(HEX64 "  a.img\n" OTHER "  b.img\n", "c.img", "no line for 'c.img'");
	expect_sum_bad(HEX64 "  a.img\n" OTHER "  a.img\n", "a.img", "different sha256");
	expect_sum_bad(HEX64 "  a.img\ngarbage here\n", "a.img", "line 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image_detect_magic),
	    cmocka_unit_test(test_image_names_and_board_cmds),
	    cmocka_unit_test(test_image_inspect_each_format),
	    cmocka_unit_test(test_image_detects_by_magic_not_name),
	    cmocka_unit_test(test_image_inspect_without_raw),
	    cmocka_unit_test(test_image_truncated_streams),
	    cmocka_unit_test(test_image_corrupt_streams),
	    cmocka_unit_test(test_image_trailing_garbage),
	    cmocka_unit_test(test_image_concatenated_streams),
	    cmocka_unit_test(test_image_empty_inputs),
	    cmocka_unit_test(test_image_missing_and_not_regular),
	    cmocka_unit_test(test_image_progress_and_cancel),
	    cmocka_unit_test(test_image_cache_hit_miss_invalidate),
	    cmocka_unit_test(test_image_no_cache_dir_no_files),
	    cmocka_unit_test(test_image_decompress_to),
	    cmocka_unit_test(test_image_stage_hardlink),
	    cmocka_unit_test(test_image_stage_rejects),
	    cmocka_unit_test(test_image_stage_cross_filesystem),
	    cmocka_unit_test(test_image_place),
	    cmocka_unit_test(test_checksum_parse_good),
	    cmocka_unit_test(test_checksum_parse_rejects),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
