/* The telnet / RFC 2217 decoder (bytes from a serial server on the
 * network). Input: one byte choosing a split point, then the stream.
 * Oracles: decoding in two reads gives the same payload, replies and state
 * as decoding at once; escape then decode gives the bytes back. */
#include "console/console_int.h"
#include "fuzz.h"

static size_t decode_split(jf_telnet *t, unsigned char *buf, size_t n, size_t split, jf_buf *reply)
{
	size_t a = jf_console__telnet_decode(t, buf, split, reply);
	size_t b = jf_console__telnet_decode(t, buf + split, n - split, reply);

	memmove(buf + a, buf + split, b);
	return a + b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jf_telnet one, two, rt;
	jf_buf r1 = JF_BUF_INIT, r2 = JF_BUF_INIT, esc = JF_BUF_INIT, offer = JF_BUF_INIT;
	unsigned char *a, *b;
	size_t split, n1, n2;
	uint8_t ctl = jf_fuzz_byte(&data, &size);

	if (!(a = malloc(size + 1)) || !(b = malloc(size + 1)))
		abort();
	memcpy(a, data, size);
	memcpy(b, data, size);
	split = size ? ctl % (size + 1) : 0;
	jf_console__telnet_init(&one);
	if (ctl & 0x80)
		jf_console__telnet_offer(&one, &offer);
	two = one;
	n1 = jf_console__telnet_decode(&one, a, size, &r1);
	n2 = decode_split(&two, b, size, split, &r2);
	JF_FUZZ_CHECK(n1 <= size);
	JF_FUZZ_CHECK(n1 == n2 && !memcmp(a, b, n1));
	JF_FUZZ_CHECK(r1.len == r2.len && (!r1.len || !memcmp(r1.ptr, r2.ptr, r1.len)));
	JF_FUZZ_CHECK(one.com_port == two.com_port && one.peer_binary == two.peer_binary);
	JF_FUZZ_CHECK(one.baud_acked == two.baud_acked && one.baud_reply == two.baud_reply);

	/* What we send: IAC doubled; a binary peer decodes it back. */
	JF_FUZZ_CHECK(jf_console__telnet_escape(&esc, data, size) == 0);
	jf_console__telnet_init(&rt);
	rt.peer_binary = true;
	jf_buf_free(&r1);
	if (esc.len) {
		n1 = jf_console__telnet_decode(&rt, (unsigned char *)esc.ptr, esc.len, &r1);
		JF_FUZZ_CHECK(n1 == size && !memcmp(esc.ptr, data, size) && !r1.len);
	}
	jf_console__telnet_com_port_settings(&offer, (uint32_t)size * 9600u, ctl & 1);
	jf_buf_free(&r1);
	jf_buf_free(&r2);
	jf_buf_free(&esc);
	jf_buf_free(&offer);
	free(a);
	free(b);
	return 0;
}
