/* The agent's own parsers (agent/): HTTP response heads from the image
 * server, URLs, and bmap XML. Input: a selector byte, then the bytes.
 * Oracles: a parsed head has a 3-digit status and consistent ranges; a
 * parsed URL has a host, a numeric port, a path starting with '/' and TLS
 * exactly for https; a parsed bmap has sorted, disjoint ranges inside the
 * image. */
#include <strings.h>

#include "agent.h"
#include "fuzz.h"

static void head(const uint8_t *d, size_t n)
{
	jf_agent_http_head h;
	long end = jf_agent_http_head_end((const char *)d, n, 65536);

	JF_FUZZ_CHECK(end <= (long)n);
	if (end > 0 && jf_agent_http_parse_head(&h, (const char *)d, (size_t)end, NULL) == 0) {
		JF_FUZZ_CHECK(h.status >= 0 && h.status <= 999);
		JF_FUZZ_CHECK(h.content_length >= -1);
		JF_FUZZ_CHECK(h.range_start >= -1 && h.range_total >= -1);
	}
}

static void url(const uint8_t *d, size_t n)
{
	char *s = jf_fuzz_str(d, n);
	jf_agent_url u;

	if (jf_agent_url_parse(&u, s, NULL) == 0) {
		JF_FUZZ_CHECK(u.host[0] && u.path[0] == '/');
		JF_FUZZ_CHECK(atoi(u.port) >= 1 && atoi(u.port) <= 65535);
		JF_FUZZ_CHECK(u.tls == !strncasecmp(s, "https://", 8));
	}
	free(s);
}

static void bmap(const uint8_t *d, size_t n)
{
	jf_agent_bmap b;

	if (jf_agent_bmap_parse(&b, (const char *)d, n, NULL) != 0)
		return;
	for (size_t i = 0; i < b.nranges; i++) {
		JF_FUZZ_CHECK(b.ranges[i].first <= b.ranges[i].last);
		JF_FUZZ_CHECK(b.ranges[i].last * b.block_size < b.image_size);
		JF_FUZZ_CHECK(!i || b.ranges[i].first > b.ranges[i - 1].last);
	}
	JF_FUZZ_CHECK(jf_agent_bmap_mapped_bytes(&b) <= b.image_size);
	jf_agent_bmap_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel = jf_fuzz_byte(&data, &size);

	if (sel % 3 == 0)
		head(data, size);
	else if (sel % 3 == 1)
		url(data, size);
	else
		bmap(data, size);
	return 0;
}
