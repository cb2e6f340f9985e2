/* The host's parser of jmpflash-agent's console lines: what the agent
 * prints parses; hostile or damaged lines are ignored, never a crash. */
#include "helpers.h"

#include "flasher/agent_line.h"

static jf_agent_line_kind parse(jf_agent_line *l, const char *s)
{
	return jf_flasher__agent_line_parse(l, s, strlen(s));
}

static void test_agent_line_progress(void **state)
{
	jf_agent_line l;

	(void)state;
	assert_int_equal(parse(&l, "jf-agent progress written=1048576 total=4194304 "
	                           "downloaded=524288 rate=99\r\n"),
	                 JF_AGENT_LINE_PROGRESS);
	assert_int_equal(l.written, 1048576);
	assert_int_equal(l.total, 4194304);
	assert_int_equal(l.downloaded, 524288);
	assert_int_equal(l.rate, 99);
	/* unknown keys are skipped (a newer agent) */
	assert_int_equal(parse(&l, "jf-agent progress written=5 future=x"), JF_AGENT_LINE_PROGRESS);
	assert_int_equal(l.written, 5);
}

static void test_agent_line_result(void **state)
{
	jf_agent_line l;
	char ok[512];

	(void)state;
	snprintf(ok, sizeof(ok),
	         "jf-agent result ok bytes=16777216 zeroed=8388608 "
	         "verified=16777216 downloaded=1 sha256=%064d file_sha256=- "
	         "compression=xz direct=1 resumes=2 write_ms=36 verify_ms=3 "
	         "verify_busy_ms=12",
	         0);
	assert_int_equal(parse(&l, ok), JF_AGENT_LINE_OK);
	assert_int_equal(l.bytes, 16777216);
	assert_int_equal(l.zeroed, 8388608);
	assert_int_equal(l.resumes, 2);
	assert_int_equal(l.verify_ms, 3);
	assert_string_equal(l.compression, "xz");
	assert_int_equal(strlen(l.sha256), 64);
	assert_int_equal(parse(&l, "jf-agent result ok bytes=3 sha256=-"), JF_AGENT_LINE_OK);
	assert_string_equal(l.sha256, "");
	assert_int_equal(parse(&l, "jf-agent result error exit=4 msg=the image is truncated: a b"),
	                 JF_AGENT_LINE_ERROR);
	assert_int_equal(l.exit_code, 4);
	assert_string_equal(l.msg, "the image is truncated: a b");
	assert_int_equal(parse(&l, "jf-agent retry n=2 at=77 why=connection reset"),
	                 JF_AGENT_LINE_RETRY);
	assert_int_equal(l.resumes, 2);
	assert_string_equal(l.msg, "connection reset");
}

static void test_agent_line_hostile(void **state)
{
	static const char *bad[] = {
	    "",
	    "jf-agent",
	    "jf-agent ",
	    "jf-agent progress",
	    "jf-agentprogress written=1",
	    "xjf-agent progress written=1",
	    "jf-agent progress written=-1",
	    "jf-agent progress written=99999999999999999999999",
	    "jf-agent progress written=1x",
	    "jf-agent progress written=",
	    "jf-agent progress =5",
	    "jf-agent progress written",
	    "jf-agent progress written=10 total=1",
	    "jf-agent result ok sha256=zz",
	    "jf-agent result ok sha256=0123",
	    "jf-agent result error msg=no exit code",
	    "jf-agent result error exit=300 msg=x",
	    "jf-agent result maybe bytes=1",
	    "jf-agent retry n=99999999 why=x",
	};
	jf_agent_line l;
	char big[20000], nul[] = "jf-agent progress written=1\0 total=2";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&l, bad[i]), JF_AGENT_LINE_NONE);
		assert_int_equal(l.written, 0);
	}
	/* a NUL inside the line is a malformed value, not the end */
	assert_int_equal(jf_flasher__agent_line_parse(&l, nul, sizeof(nul) - 1),
	                 JF_AGENT_LINE_NONE);
	/* a huge message is cut, control characters replaced */
	memset(big, 'A', sizeof(big));
	memcpy(big, "jf-agent result error exit=1 msg=\x1b[2J", 37);
	assert_int_equal(jf_flasher__agent_line_parse(&l, big, sizeof(big)), JF_AGENT_LINE_ERROR);
	assert_int_equal(strlen(l.msg), sizeof(l.msg) - 1);
	assert_int_equal(l.msg[0], '?');
	/* random bytes never crash and rarely parse */
	srand(12);
	for (int i = 0; i < 20000; i++) {
		char buf[96];
		size_t n = (size_t)(rand() % (int)sizeof(buf));

		memcpy(buf, "jf-agent progress ", 18);
		for (size_t j = 18; j < n; j++)
			buf[j] = (char)(rand() % 256);
		jf_flasher__agent_line_parse(&l, buf, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agent_line_progress),
	    cmocka_unit_test(test_agent_line_result),
	    cmocka_unit_test(test_agent_line_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
