/* What the flasher reads from the board's shell while writing: the dd
 * progress lines ("jf-pos=N"), the result ("jf-done=N"), a command's exit
 * status ("jf-rc=N"), the prompt, and the error output it classifies and
 * quotes. The patterns are the ones src/flasher/write.c and shell.c use.
 * Input: a control byte (bit 0: strip ANSI, bits 1-7: read size), then
 * console bytes. Oracles: every number captured is all digits; the quoted
 * "last line" is one line inside the text; classification always says
 * something. */
#include "flasher/flasher_int.h"
#include "flasher/write.h"
#include "fuzz_console.h"

static void check_lines(const char *text)
{
	const char *says = NULL, *last;
	size_t len;

	JF_FUZZ_CHECK(jf_flasher__write_classify(text, &says) < 0 && says && *says);
	last = jf_flasher__shell_last_line(text, " records ", &len);
	JF_FUZZ_CHECK(last >= text && last + len <= text + strlen(text));
	JF_FUZZ_CHECK(!memchr(last, '\n', len) && !memchr(last, '\r', len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const jf_pattern pats[] = {JF_RE("jf-pos=([0-9]+)\r?\n"),
	                                  JF_RE("jf-done=([0-9]+)\r?\n"),
	                                  JF_RE("jf-rc=([0-9]+)\r?\n"), JF_LIT("# ")};
	uint8_t ctl = jf_fuzz_byte(&data, &size);
	size_t chunk = 1 + (ctl >> 1);
	jf_console *c = jf_fuzz_console(ctl & 1, 4096);
	char *text = jf_fuzz_str(data, size);

	check_lines(text);
	while (size) {
		size_t n = size < chunk ? size : chunk;

		JF_FUZZ_CHECK(jf_console__received(c, data, n) == 0);
		data += n;
		size -= n;
		for (;;) {
			jf_match m = JF_MATCH_INIT;
			jf_buf num = JF_BUF_INIT;
			int idx = jf_console_expect(c, pats, 4, jf_deadline_in(0), &m, NULL);

			if (idx < 0)
				break;
			jf_fuzz_check_match(c, &m, idx);
			if (idx < 3) {
				JF_FUZZ_CHECK(jf_match_group(&m, 1, &num) == 0 && num.len > 0);
				JF_FUZZ_CHECK(strspn(num.ptr, "0123456789") == num.len);
				strtoull(num.ptr, NULL, 10);
			} else if (m.before.len) {
				char *before =
				    jf_fuzz_str((const uint8_t *)m.before.ptr, m.before.len);

				check_lines(before);
				free(before);
			}
			jf_buf_free(&num);
			jf_match_free(&m);
		}
	}
	jf_console_close(c);
	free(text);
	return 0;
}
