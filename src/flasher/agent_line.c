/* Parser of jmpflash-agent's console lines (agent/main.c prints them):
 *
 *   jf-agent progress written=N total=N downloaded=N rate=N
 *   jf-agent retry n=N at=N why=TEXT
 *   jf-agent result ok bytes=N zeroed=N ... sha256=HEX|- ...
 *   jf-agent result error exit=N msg=TEXT
 *
 * Pure: bytes in, a struct out. Fields are "key=value" separated by one
 * space; unknown keys are skipped, numbers are bounded, text is copied
 * printable-only and truncated. */
#include "agent_line.h"

#include <string.h>

/* A decimal of at most 19 digits into @out; -1 if not exactly that. */
static int num(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (!n || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static void text(char *dst, size_t cap, const char *v, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < cap; i++)
		dst[j++] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	dst[j] = '\0';
}

/* @n bytes of lowercase hex (the line is not NUL-terminated). */
static bool hex(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

static bool key(const char *k, size_t klen, const char *want)
{
	return strlen(want) == klen && !memcmp(k, want, klen);
}

/* One key=value; the text fields (msg, why) take the rest of the line. */
static int field(jf_agent_line *o, const char *k, size_t klen, const char *v, size_t vlen)
{
	uint64_t n = 0;
	struct {
		const char *name;
		uint64_t *dst;
	} nums[] = {{"written", &o->written},       {"total", &o->total},
	            {"downloaded", &o->downloaded}, {"rate", &o->rate},
	            {"bytes", &o->bytes},           {"zeroed", &o->zeroed},
	            {"verified", &o->verified},     {"write_ms", &o->write_ms},
	            {"verify_ms", &o->verify_ms},   {"verify_busy_ms", &o->verify_busy_ms}};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (key(k, klen, nums[i].name))
			return num(v, vlen, nums[i].dst);
	if (key(k, klen, "resumes") || key(k, klen, "n")) {
		if (num(v, vlen, &n) < 0 || n > 1000000)
			return -1;
		o->resumes = (unsigned)n;
	} else if (key(k, klen, "exit")) {
		if (num(v, vlen, &n) < 0 || n > 255)
			return -1;
		o->exit_code = (int)n;
	} else if (key(k, klen, "sha256")) {
		if (vlen == 1 && *v == '-')
			o->sha256[0] = '\0';
		else if (vlen == 64 && hex(v, vlen))
			text(o->sha256, sizeof(o->sha256), v, vlen);
		else
			return -1;
	} else if (key(k, klen, "compression")) {
		text(o->compression, sizeof(o->compression), v, vlen);
	}
	return 0;
}

static jf_agent_line_kind none(jf_agent_line *o)
{
	memset(o, 0, sizeof(*o));
	return JF_AGENT_LINE_NONE;
}

jf_agent_line_kind jf_flasher__agent_line_parse(jf_agent_line *o, const char *line, size_t len)
{
	static const char pre[] = "jf-agent ";
	const char *p, *end = line + len;
	jf_agent_line_kind kind;

	memset(o, 0, sizeof(*o));
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		end = line + --len;
	if (len < sizeof(pre) - 1 || memcmp(line, pre, sizeof(pre) - 1))
		return JF_AGENT_LINE_NONE;
	p = line + sizeof(pre) - 1;
#define WORD(w) ((size_t)(end - p) >= sizeof(w) - 1 && !memcmp(p, w, sizeof(w) - 1))
	if (WORD("progress "))
		kind = JF_AGENT_LINE_PROGRESS, p += 9;
	else if (WORD("retry "))
		kind = JF_AGENT_LINE_RETRY, p += 6;
	else if (WORD("result ok "))
		kind = JF_AGENT_LINE_OK, p += 10;
	else if (WORD("result error "))
		kind = JF_AGENT_LINE_ERROR, p += 13;
	else
		return JF_AGENT_LINE_NONE;
#undef WORD
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p)), *eq;
		const char *fe = sp ? sp : end;

		if (!(eq = memchr(p, '=', (size_t)(fe - p))) || eq == p)
			return none(o);
		if (key(p, (size_t)(eq - p), "msg") || key(p, (size_t)(eq - p), "why")) {
			text(o->msg, sizeof(o->msg), eq + 1, (size_t)(end - eq - 1));
			break;
		}
		if (field(o, p, (size_t)(eq - p), eq + 1, (size_t)(fe - eq - 1)) < 0)
			return none(o);
		p = sp ? sp + 1 : end;
	}
	if (kind == JF_AGENT_LINE_ERROR && !o->exit_code)
		return none(o);
	if (kind == JF_AGENT_LINE_PROGRESS && o->total && o->written > o->total * 2)
		return none(o); /* nonsense: do not show it */
	return o->kind = kind;
}
