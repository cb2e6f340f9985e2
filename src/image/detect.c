/* Compression from magic bytes, and what a board can decompress itself. */
#include <string.h>

#include "image_int.h"

jf_compression jf_image_detect(const void *head, size_t len)
{
	static const struct {
		jf_compression c;
		size_t len;
		const char *magic;
	} magics[] = {
	    {JF_COMP_XZ, 6,
	     "\xfd"
	     "7zXZ\0"},
	    {JF_COMP_GZIP, 2, "\x1f\x8b"},
	    {JF_COMP_ZSTD, 4, "\x28\xb5\x2f\xfd"},
	    {JF_COMP_LZ4, 4, "\x04\x22\x4d\x18"},
	    {JF_COMP_LZ4, 4, "\x02\x21\x4c\x18"}, /* legacy: decoding says so */
	};
	const unsigned char *p = head;

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len && !memcmp(p, magics[i].magic, magics[i].len))
			return magics[i].c;
	/* "BZh" and the block size digit '1'..'9' */
	if (len >= 4 && !memcmp(p, "BZh", 3) && p[3] >= '1' && p[3] <= '9')
		return JF_COMP_BZIP2;
	return JF_COMP_NONE;
}

const char *jf_compression_name(jf_compression c)
{
	switch (c) {
	case JF_COMP_NONE:
		return "none";
	case JF_COMP_GZIP:
		return "gzip";
	case JF_COMP_XZ:
		return "xz";
	case JF_COMP_ZSTD:
		return "zstd";
	case JF_COMP_BZIP2:
		return "bzip2";
	case JF_COMP_LZ4:
		return "lz4";
	}
	return "unknown";
}

const char *jf_compression_board_cmd(jf_compression c)
{
	switch (c) {
	case JF_COMP_GZIP:
		return "zcat";
	case JF_COMP_XZ:
		return "xzcat";
	case JF_COMP_BZIP2:
		return "bzcat";
	default: /* none: nothing to run; zstd, lz4: not in busybox 1.35 */
		return NULL;
	}
}

bool jf_compression_host_only(jf_compression c)
{
	return c == JF_COMP_ZSTD || c == JF_COMP_LZ4;
}
