/* A console session with no endpoint, for the expect-engine harnesses:
 * bytes are handed to it as if the board had printed them, and expect()
 * runs with a deadline that has passed, so it matches what is buffered and
 * never reads. */
#ifndef JF_FUZZ_CONSOLE_H
#define JF_FUZZ_CONSOLE_H

#include "console/console_int.h"
#include "fuzz.h"
#include "jmpflash/clock.h"

static inline jf_console *jf_fuzz_console(bool strip_ansi, size_t max_buffer)
{
	jf_console *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->fd = c->cancel_fd = c->t_dir = -1;
	c->strip_ansi = strip_ansi;
	c->max_buffer = max_buffer;
	jf_redact_stream_init(&c->red[0], NULL);
	jf_redact_stream_init(&c->red[1], NULL);
	if (!(c->url = strdup("fuzz")) || !(c->line_ending = strdup("\n")))
		abort();
	return c;
}

/* Every match's pieces are consistent: capture groups lie inside the
 * match, and what stays buffered is the match's `after`. */
static inline void jf_fuzz_check_match(const jf_console *c, const jf_match *m, int idx)
{
	size_t len;
	const char *rest = jf_console_buffered(c, &len);

	JF_FUZZ_CHECK(m->index == idx);
	JF_FUZZ_CHECK(m->ngroups >= 1 && m->ngroups <= JF_MATCH_GROUPS);
	for (size_t g = 0; g < m->ngroups; g++) {
		jf_buf out = JF_BUF_INIT;

		if (m->groups[g].len == SIZE_MAX) {
			JF_FUZZ_CHECK(jf_match_group(m, g, &out) == JF_ENOTFOUND);
			continue;
		}
		JF_FUZZ_CHECK(m->groups[g].off <= m->match.len);
		JF_FUZZ_CHECK(m->groups[g].len <= m->match.len - m->groups[g].off);
		JF_FUZZ_CHECK(jf_match_group(m, g, &out) == 0);
		jf_buf_free(&out);
	}
	JF_FUZZ_CHECK(m->after.len == len && (!len || !memcmp(m->after.ptr, rest, len)));
}

#endif
