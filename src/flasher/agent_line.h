/* The lines jmpflash-agent prints on the board's console, parsed on the
 * host (src/flasher/agent_line.c). Console input is untrusted: a line that
 * does not parse is JF_AGENT_LINE_NONE, never a crash. */
#ifndef JF_FLASHER_AGENT_LINE_H
#define JF_FLASHER_AGENT_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum jf_agent_line_kind {
	JF_AGENT_LINE_NONE = 0, /* not an agent line, or malformed */
	JF_AGENT_LINE_PROGRESS,
	JF_AGENT_LINE_RETRY,
	JF_AGENT_LINE_OK,
	JF_AGENT_LINE_ERROR,
} jf_agent_line_kind;

typedef struct jf_agent_line {
	jf_agent_line_kind kind;
	uint64_t written, total, downloaded, rate;                             /* progress */
	uint64_t bytes, zeroed, verified, write_ms, verify_ms, verify_busy_ms; /* ok */
	unsigned resumes;                                                      /* ok; retry: n */
	char sha256[65]; /* ok: "" when the agent had none */
	char compression[8];
	int exit_code; /* error */
	char msg[256]; /* error, retry: printable ASCII only */
} jf_agent_line;

/* Parse one line (@len bytes, without the newline; may hold NULs). */
jf_agent_line_kind jf_flasher__agent_line_parse(jf_agent_line *out, const char *line, size_t len);

#endif
