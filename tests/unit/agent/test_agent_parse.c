/* The agent's pure parsers: arguments, URLs, HTTP response heads, bmap XML.
 * (Linked with jmpflash-agent-core only, as a fuzz harness would be.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

static void test_args(void **state)
{
	char *ok[] = {"a",      "--header", "X-A: b",     "--size=4096", "--no-verify",
	              "--bmap", "m.bmap",   "http://h/i", "/dev/vda",    NULL};
	char *tls[] = {"a", "--cacert=/tmp/ca.pem", "https://h/i", "d", NULL};
	char *bad[][5] = {{"a", "u", NULL},
	                  {"a", "--cacert", "c", "-k", "u"},
	                  {"a", "u", "d", "e", NULL},
	                  {"a", "--size", "12x", "u", "d"},
	                  {"a", "--sha256", "abc", "u", "d"},
	                  {"a", "--header", "no colon", "u", "d"},
	                  {"a", "--bogus", "u", "d", NULL},
	                  {"a", "u", "d", "--retries", NULL}};
	jf_agent_args a;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_agent_args_parse(&a, 9, ok, &err), 0);
	assert_string_equal(a.url, "http://h/i");
	assert_string_equal(a.device, "/dev/vda");
	assert_int_equal(a.size, 4096);
	assert_int_equal(a.nheaders, 1);
	assert_false(a.verify);
	assert_true(a.direct);
	assert_string_equal(a.bmap, "m.bmap");
	assert_null(a.cacert);
	assert_false(a.insecure);
	assert_int_equal(jf_agent_args_parse(&a, 4, tls, &err), 0);
	assert_string_equal(a.cacert, "/tmp/ca.pem");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = 0;

		while (n < 5 && bad[i][n])
			n++;
		assert_true(jf_agent_args_parse(&a, n, bad[i], &err) < 0);
	}
}

static void test_url(void **state)
{
	jf_agent_url u;
	jf_err err = JF_ERR_INIT;

	(void)state;
	assert_int_equal(jf_agent_url_parse(&u, "http://10.0.2.2:8080/a/b.img?x=1#f", &err), 0);
	assert_string_equal(u.host, "10.0.2.2");
	assert_string_equal(u.port, "8080");
	assert_string_equal(u.path, "/a/b.img?x=1");
	assert_int_equal(jf_agent_url_parse(&u, "http://[::1]/", &err), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "80");
	assert_int_equal(jf_agent_url_parse(&u, "http://h", &err), 0);
	assert_string_equal(u.path, "/");
	assert_false(u.tls);
	assert_int_equal(jf_agent_url_parse(&u, "HTTPS://h/x", &err), 0);
	assert_true(u.tls);
	assert_string_equal(u.port, "443");
	assert_int_equal(jf_agent_url_parse(&u, "https://[fe80::1]:8443/", &err), 0);
	assert_string_equal(u.host, "fe80::1");
	assert_string_equal(u.port, "8443");
	assert_true(jf_agent_url_parse(&u, "https://u:p@h/x", &err) < 0);
	assert_true(jf_agent_url_parse(&u, "ftp://h/x", &err) < 0);
	assert_true(jf_agent_url_parse(&u, "http://u:p@h/x", &err) < 0);
	assert_true(jf_agent_url_parse(&u, "http://h:99999/x", &err) < 0);
	assert_true(jf_agent_url_parse(&u, "http://h:8a/x", &err) < 0);
	assert_true(jf_agent_url_parse(&u, "http:///x", &err) < 0);
	assert_true(jf_agent_url_parse(&u, "http://h/a b", &err) < 0);
}

static void test_http_head(void **state)
{
	const char ok[] = "HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n"
	                  "Content-Range: bytes 200-299/1000\r\nETag: \"x\"\r\n\r\nBODY";
	const char *bad[] = {
	    "HTTP/2 200\r\n\r\n",
	    "HTTP/1.1 2x0 OK\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    "HTTP/1.1 206 OK\r\nContent-Range: bytes 9-3/10\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
	};
	jf_agent_http_head h;
	jf_err err = JF_ERR_INIT;
	long end = jf_agent_http_head_end(ok, sizeof(ok) - 1, 65536);

	(void)state;
	assert_int_equal(end, sizeof(ok) - 1 - 4);
	assert_int_equal(jf_agent_http_parse_head(&h, ok, (size_t)end, &err), 0);
	assert_int_equal(h.status, 206);
	assert_int_equal(h.content_length, 100);
	assert_int_equal(h.range_start, 200);
	assert_int_equal(h.range_total, 1000);
	assert_string_equal(h.etag, "\"x\"");
	assert_int_equal(jf_agent_http_head_end("HTTP/1.1 200", 12, 65536), 0);
	assert_true(jf_agent_http_head_end("HTTP/1.1 200", 12, 12) < 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(jf_agent_http_parse_head(&h, bad[i], strlen(bad[i]), &err) < 0);
	/* random bytes after a valid status line never crash */
	srand(7);
	for (int i = 0; i < 20000; i++) {
		char buf[128] = "HTTP/1.1 200 OK\r\n";
		size_t n = 17 + (size_t)(rand() % 100);

		for (size_t j = 17; j < n; j++)
			buf[j] = "ab:\r\n 0123456789-/"[rand() % 19];
		jf_agent_http_parse_head(&h, buf, n, &err);
	}
}

/* bmap 2.0 as bmaptool writes it; the file checksum field is zeroed here,
 * so the test computes it like bmaptool does. */
static const char bmap2[] =
    "<?xml version=\"1.0\" ?>\n<!-- comment -->\n<bmap version=\"2.0\">\n"
    "    <ImageSize> 20480 </ImageSize>\n    <BlockSize> 4096 </BlockSize>\n"
    "    <BlocksCount> 5 </BlocksCount>\n    <MappedBlocksCount> 3 </MappedBlocksCount>\n"
    "    <ChecksumType> sha256 </ChecksumType>\n"
    "    <BlockMap>\n"
    "        <Range chksum=\"aa\"> 0-1 </Range>\n"
    "        <Range chksum=\"bb\"> 4 </Range>\n"
    "    </BlockMap>\n</bmap>\n";

static void test_bmap(void **state)
{
	jf_agent_bmap b;
	jf_err err = JF_ERR_INIT;
	char buf[2048];
	const char *bad[] = {
	    "<bmap version=\"3.0\"><ImageSize>1</ImageSize><BlockSize>4096</BlockSize></bmap>",
	    "<notbmap/>",
	    "<bmap version=\"2.0\"><ImageSize>x</ImageSize></bmap>",
	    "<bmap version=\"2.0\"><ImageSize>8192</ImageSize><BlockSize>4096</BlockSize>"
	    "<BlockMap><Range>1</Range><Range>0</Range></BlockMap></bmap>",
	    "<bmap version=\"2.0\"><ImageSize>8192</ImageSize><BlockSize>4096</BlockSize>"
	    "<BlockMap><Range>0-9</Range></BlockMap></bmap>",
	    "<bmap version=\"2.0\"><ImageSize>8192</ImageSize><BlockSize>4096</BlockSize>"
	    "<BlockMap><Range>2-1</Range></BlockMap></bmap>",
	    "<bmap version=\"2.0\"><ImageSize>8192</ImageSize><BlockSize>100</BlockSize></bmap>",
	    "<bmap version=\"2.0\"><ImageSize>8192",
	};

	(void)state;
	assert_int_equal(jf_agent_bmap_parse(&b, bmap2, sizeof(bmap2) - 1, &err), 0);
	assert_int_equal(b.image_size, 20480);
	assert_int_equal(b.nranges, 2);
	assert_int_equal(b.ranges[1].first, 4);
	assert_int_equal(b.ranges[1].last, 4);
	assert_string_equal(b.ranges[0].chksum, "aa");
	assert_string_equal(b.checksum_type, "sha256");
	assert_int_equal(jf_agent_bmap_mapped_bytes(&b), 3 * 4096);
	jf_agent_bmap_free(&b);
	/* 1.x: sha1 attributes, no ChecksumType */
	snprintf(buf, sizeof(buf),
	         "<bmap version=\"1.2\"><ImageSize>4097</ImageSize>"
	         "<BlockSize>4096</BlockSize><BlockMap><Range sha1=\"ab\">0-1</Range>"
	         "</BlockMap></bmap>");
	assert_int_equal(jf_agent_bmap_parse(&b, buf, strlen(buf), &err), 0);
	assert_string_equal(b.checksum_type, "sha1");
	assert_int_equal(jf_agent_bmap_mapped_bytes(&b), 4097);
	jf_agent_bmap_free(&b);
	/* a wrong file checksum */
	snprintf(buf, sizeof(buf),
	         "<bmap version=\"2.0\"><ImageSize>4096</ImageSize>"
	         "<BlockSize>4096</BlockSize><BmapFileChecksum>%064d"
	         "</BmapFileChecksum></bmap>",
	         1);
	assert_int_equal(jf_agent_bmap_parse(&b, buf, strlen(buf), &err), JF_EINTEGRITY);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(jf_agent_bmap_parse(&b, bad[i], strlen(bad[i]), &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_http_head),
	    cmocka_unit_test(test_bmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
