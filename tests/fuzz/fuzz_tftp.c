/* TFTP requests from anything on the lab network (RRQ/WRQ with RFC 2347
 * options), what the server negotiates and the OACK it builds, and the
 * netascii codec. Input: 4 bytes of server limits, then the packet.
 * Oracles: the negotiated values respect the limits; the OACK, read back
 * with the request's own option grammar, says exactly what was negotiated;
 * netascii decode(encode(x)) == x. */
#include "fuzz.h"
#include "net/tftp_proto.h"

static void check_oack(const jf_tftp_params *p)
{
	uint8_t oack[512];
	char req[600];
	size_t n = jf_net__tftp_build_oack(oack, sizeof(oack), p);
	jf_tftp_req back;
	jf_err err = JF_ERR_INIT;

	JF_FUZZ_CHECK(n >= 2 && oack[1] == JF_TFTP_OACK);
	/* The OACK's option list behind a minimal RRQ header. */
	memcpy(req, "\0\1f\0octet", 10);
	memcpy(req + 10, oack + 2, n - 2);
	JF_FUZZ_CHECK(jf_net__tftp_parse_req(&back, req, 10 + n - 2, &err) == 0);
	JF_FUZZ_CHECK(back.has_blksize == p->ack_blksize);
	JF_FUZZ_CHECK(!p->ack_blksize || back.blksize == p->blksize);
	JF_FUZZ_CHECK(back.has_timeout == p->ack_timeout);
	JF_FUZZ_CHECK(!p->ack_timeout || back.timeout == p->timeout_s);
	JF_FUZZ_CHECK(back.has_tsize == p->ack_tsize);
	JF_FUZZ_CHECK(!p->ack_tsize || back.tsize == p->tsize);
	JF_FUZZ_CHECK(back.has_windowsize == p->ack_windowsize);
	JF_FUZZ_CHECK(!p->ack_windowsize || back.windowsize == p->windowsize);
}

static void check_netascii(const uint8_t *data, size_t size)
{
	uint8_t *enc = malloc(2 * size + 2), *dec;
	size_t used = 0, n = 0, m, total = 0;
	int pending = -1;
	bool cr = false;

	if (!enc)
		abort();
	/* Encode in small output pieces, as the server fills DATA blocks. */
	while (used < size || pending >= 0) {
		size_t u = 0;

		m = jf_net__tftp_netascii_encode(enc + n, 3, data + used, size - used, &u,
		                                 &pending);
		JF_FUZZ_CHECK(m > 0 || u > 0);
		n += m;
		used += u;
	}
	if (!(dec = malloc(n + 1)))
		abort();
	/* Decode in two packets: the CR state crosses the split. */
	memcpy(dec, enc, n);
	m = n / 2;
	total = jf_net__tftp_netascii_decode(dec, m, &cr);
	memmove(dec + total, dec + m, n - m);
	total += jf_net__tftp_netascii_decode(dec + total, n - m, &cr);
	JF_FUZZ_CHECK(!cr); /* encoded text never ends in a bare CR */
	JF_FUZZ_CHECK(total == size && !memcmp(dec, data, size));
	free(enc);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jf_tftp_limits lim = {0};
	jf_tftp_params p;
	jf_tftp_req r;
	jf_err err = JF_ERR_INIT;
	char *pkt;

	if (size < 4)
		return 0;
	lim.max_blksize = (unsigned)data[0] << 8 | data[1];
	lim.max_window = data[2];
	lim.max_window_bytes = (size_t)data[3] << 10;
	data += 4;
	size -= 4;
	check_netascii(data, size);
	if (!(pkt = malloc(size + 1)))
		abort();
	memcpy(pkt, data, size);
	if (jf_net__tftp_parse_req(&r, pkt, size, &err) == 0) {
		unsigned max_blk = lim.max_blksize >= JF_TFTP_BLKSIZE_MIN ? lim.max_blksize
		                   : lim.max_blksize                      ? JF_TFTP_BLKSIZE_MIN
		                                                          : JF_TFTP_BLKSIZE_MAX;
		size_t max_bytes = lim.max_window_bytes ? lim.max_window_bytes : 64u << 10;

		JF_FUZZ_CHECK(r.filename && *r.filename);
		jf_net__tftp_negotiate(&p, &r, &lim, 12345, data[0] & 1);
		/* without the option the block size is 512, whatever the limit */
		JF_FUZZ_CHECK(p.blksize >= JF_TFTP_BLKSIZE_MIN &&
		              (p.blksize <= max_blk || !p.ack_blksize));
		JF_FUZZ_CHECK(p.windowsize >= 1);
		JF_FUZZ_CHECK(p.windowsize == 1 || (size_t)p.windowsize * p.blksize <= max_bytes);
		check_oack(&p);
	} else {
		JF_FUZZ_CHECK(err.msg[0]);
	}
	free(pkt);
	return 0;
}
