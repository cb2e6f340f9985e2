/* The expect engine: random console bytes (a half-booted kernel prints
 * anything) against random patterns (manifest prompts are regexes).
 * Input: a control byte (bit 0: strip ANSI, bits 1-2: pattern count - 1,
 * bits 3-5: which patterns are literals, bits 6-7: read size), patterns
 * separated by NUL, then the console bytes. Oracles: jf_fuzz_check_match,
 * and no match is ever reported for a pattern that is not there. */
#include "fuzz_console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ctl = jf_fuzz_byte(&data, &size);
	size_t npats = 1 + ((ctl >> 1) & 3), chunk = (size_t)1 << (((ctl >> 6) & 3) * 3);
	jf_pattern pats[4];
	char *texts[4] = {0};
	jf_console *c = jf_fuzz_console(ctl & 1, 256 + (size_t)ctl * 16);

	if (npats > 3)
		npats = 3;
	for (size_t i = 0; i < npats; i++) {
		texts[i] = jf_fuzz_field(&data, &size, 0);
		if (strlen(texts[i]) > 64) /* a prompt, not a program */
			texts[i][64] = '\0';
		pats[i].kind = (ctl >> (3 + i)) & 1 ? JF_PAT_LITERAL : JF_PAT_REGEX;
		pats[i].text = texts[i];
	}
	/* First with nothing received (an empty-matching pattern). */
	for (bool first = true; first || size; first = false) {
		size_t n = size < chunk ? size : chunk;

		if (!first) {
			JF_FUZZ_CHECK(jf_console__received(c, data, n) == 0);
			data += n;
			size -= n;
		}
		/* Bounded: a pattern that matches the empty string matches forever. */
		for (int round = 0; round < 16; round++) {
			jf_match m = JF_MATCH_INIT;
			jf_err err = JF_ERR_INIT;
			int idx = jf_console_expect(c, pats, npats, jf_deadline_in(0), &m, &err);

			if (idx >= 0) {
				jf_fuzz_check_match(c, &m, idx);
				if (pats[idx].kind == JF_PAT_LITERAL)
					JF_FUZZ_CHECK(
					    m.match.len == strlen(pats[idx].text) &&
					    (!m.match.len ||
					     !memcmp(m.match.ptr, pats[idx].text, m.match.len)));
			} else {
				JF_FUZZ_CHECK(err.msg[0]);
			}
			jf_match_free(&m);
			if (idx < 0)
				break;
		}
	}
	jf_console_close(c);
	for (size_t i = 0; i < npats; i++)
		free(texts[i]);
	return 0;
}
