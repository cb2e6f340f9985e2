/* The console transcript: every byte sent and received, one timestamped
 * line per line of console text, with registered secrets masked. Each
 * direction has its own streaming redactor, so a password that arrives in
 * two reads is still caught. */
#include "console_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>

int jf_console__transcript_open(jf_console *c, jf_err *err)
{
	if (!c->transcript_path)
		return 0;
	if (!(c->tfile = fopen(c->transcript_path, "ae")))
		return jf_err_sys(err, JF_EIO, errno, "cannot open console log %s",
		                  c->transcript_path);
	return 0;
}

static void emit(jf_console *c, const char *s, size_t n)
{
	if (c->tfile) {
		fwrite(s, 1, n, c->tfile);
		fflush(c->tfile);
	}
	if (c->tap)
		c->tap(c->tap_user, s, n);
}

static void end_line(jf_console *c)
{
	if (c->t_dir < 0)
		return;
	jf_buf_put(&c->t_line, "\n", 1);
	emit(c, c->t_line.ptr, c->t_line.len);
	jf_buf_clear(&c->t_line);
	c->t_dir = -1;
}

static void start_line(jf_console *c, int dir)
{
	uint64_t ms = jf_clock_wall_ms();
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	char stamp[32];

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	jf_buf_printf(&c->t_line, "%s.%03uZ %s ", stamp, (unsigned)(ms % 1000), dir ? ">" : "<");
	c->t_dir = dir;
}

/* Format redacted bytes: \n ends a line, \r is dropped, other control bytes
 * are shown as \xNN; bytes >= 0x80 pass (UTF-8 stays readable). */
static void format(jf_console *c, int dir, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			continue;
		if (c->t_dir != dir) {
			end_line(c);
			start_line(c, dir);
		}
		if (ch == '\n') {
			end_line(c);
		} else if (ch < 0x20 && ch != '\t') {
			jf_buf_printf(&c->t_line, "\\x%02x", ch);
		} else if (ch == 0x7f) {
			jf_buf_puts(&c->t_line, "\\x7f");
		} else {
			jf_buf_put(&c->t_line, &s[i], 1);
		}
	}
	/* A long line without a newline still reaches the log in pieces. */
	if (c->t_line.len > 4096) {
		end_line(c);
	}
}

void jf_console__transcript(jf_console *c, int dir, const void *data, size_t n)
{
	jf_buf safe = JF_BUF_INIT;

	if (!c->tfile && !c->tap)
		return;
	if (jf_redact_stream_feed(&c->red[dir], data, n, &safe) == 0)
		format(c, dir, safe.ptr ? safe.ptr : "", safe.len);
	jf_buf_free(&safe);
}

void jf_console__transcript_close(jf_console *c)
{
	for (int dir = 0; dir < 2; dir++) {
		jf_buf safe = JF_BUF_INIT;

		if ((c->tfile || c->tap) && jf_redact_stream_flush(&c->red[dir], &safe) == 0)
			format(c, dir, safe.ptr ? safe.ptr : "", safe.len);
		jf_buf_free(&safe);
	}
	end_line(c);
	if (c->tfile)
		fclose(c->tfile);
	c->tfile = NULL;
}
