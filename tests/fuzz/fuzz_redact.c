/* Redaction of log lines, error messages and console transcripts, with a
 * secrets oracle. Input: a control byte (bits 0-1: secret count, bits 2-7:
 * stream piece size), the secrets separated by NUL, then the text.
 * Oracle: no registered secret appears in the output of jf_redact_str or the
 * stream redactor; jf_redact_inplace (error messages) gives jf_redact_str's
 * text made printable, with no control byte (its escapes, "\r", may spell a
 * secret "r" that was never there). Secrets holding '*' are skipped: the mask
 * itself could spell them. */
#define _GNU_SOURCE /* memmem */
#include "fuzz.h"
#include "jmpflash/redact.h"

static void check_hidden(char **secrets, size_t n, const char *out, size_t len, const char *who)
{
	for (size_t i = 0; i < n; i++) {
		size_t sl = strlen(secrets[i]);

		if (sl && memmem(out, len, secrets[i], sl)) {
			fprintf(stderr, "%s shows secret '%s' in '%.*s'\n", who, secrets[i],
			        (int)len, out);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ctl = jf_fuzz_byte(&data, &size);
	size_t nsec = 1 + (ctl & 3), piece = 1 + (ctl >> 2);
	char *secrets[4] = {0}, *inplace;
	jf_buf out = JF_BUF_INIT, streamed = JF_BUF_INIT, cut = JF_BUF_INIT, shown = JF_BUF_INIT;
	jf_redact *r;
	jf_redact_stream st;

	if (jf_redact_new(&r) < 0)
		abort();
	for (size_t i = 0; i < nsec; i++) {
		secrets[i] = jf_fuzz_field(&data, &size, 0);
		if (strchr(secrets[i], '*'))
			secrets[i][0] = '\0';
		JF_FUZZ_CHECK(jf_redact_add(r, secrets[i]) == 0);
	}
	JF_FUZZ_CHECK(jf_redact_str(r, &out, (const char *)data, size) == 0);
	check_hidden(secrets, nsec, out.ptr ? out.ptr : "", out.len, "jf_redact_str");

	/* error messages: the text as jf_redact_str masks it (checked above),
	 * made printable, cut to the buffer; no control byte left */
	inplace = jf_fuzz_str(data, size);
	JF_FUZZ_CHECK(jf_redact_str(r, &cut, inplace, strlen(inplace)) == 0);
	JF_FUZZ_CHECK(jf_buf_put_printable(&shown, cut.ptr, cut.len) == 0);
	jf_redact_inplace(r, inplace, size + 1);
	JF_FUZZ_CHECK(!strncmp(inplace, shown.ptr, strlen(inplace)));
	JF_FUZZ_CHECK(strlen(inplace) == (shown.len < size ? shown.len : size));
	for (const char *p = inplace; *p; p++)
		JF_FUZZ_CHECK((unsigned char)*p >= 0x20 ? *p != 0x7f : *p == '\t');

	jf_redact_stream_init(&st, r);
	for (size_t at = 0; at < size; at += piece)
		JF_FUZZ_CHECK(jf_redact_stream_feed(&st, data + at,
		                                    size - at < piece ? size - at : piece,
		                                    &streamed) == 0);
	JF_FUZZ_CHECK(jf_redact_stream_flush(&st, &streamed) == 0);
	check_hidden(secrets, nsec, streamed.ptr ? streamed.ptr : "", streamed.len,
	             "the stream redactor");
	jf_redact_stream_free(&st);

	jf_buf_free(&out);
	jf_buf_free(&streamed);
	jf_buf_free(&cut);
	jf_buf_free(&shown);
	free(inplace);
	for (size_t i = 0; i < nsec; i++)
		free(secrets[i]);
	jf_redact_free(r);
	return 0;
}
