/* The host's parser of jmpflash-agent's console lines (src/flasher/
 * agent_line.c): the board's console is untrusted. Input: one line.
 * Oracles: a line parses into one kind or none; text fields are printable
 * and terminated; a sha256 is empty or 64 hex digits; progress is sane. */
#include "flasher/agent_line.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jf_agent_line l;
	jf_agent_line_kind k = jf_flasher__agent_line_parse(&l, (const char *)data, size);

	JF_FUZZ_CHECK(k == l.kind);
	JF_FUZZ_CHECK(memchr(l.msg, '\0', sizeof(l.msg)) &&
	              memchr(l.sha256, '\0', sizeof(l.sha256)));
	for (const char *p = l.msg; *p; p++)
		JF_FUZZ_CHECK(*p >= 0x20 && *p < 0x7f);
	JF_FUZZ_CHECK(!l.sha256[0] ||
	              (strlen(l.sha256) == 64 && strspn(l.sha256, "0123456789abcdef") == 64));
	if (k == JF_AGENT_LINE_NONE)
		JF_FUZZ_CHECK(!l.written && !l.bytes && !l.msg[0]);
	if (k == JF_AGENT_LINE_PROGRESS && l.total)
		JF_FUZZ_CHECK(l.written <= l.total * 2);
	if (k == JF_AGENT_LINE_ERROR)
		JF_FUZZ_CHECK(l.exit_code > 0 && l.exit_code < 256);
	return 0;
}
